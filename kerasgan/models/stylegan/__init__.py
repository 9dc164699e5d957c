"""StyleGAN2: a style-based generator with modulated and demodulated convolutions.

The family's parts: `layers` (modulated convolution, noise, bias, constant input,
truncation), `networks` (mapping, synthesis, generator and discriminator builders) and
`model` (the `StyleGAN` train step and the `stylegan` factory).

The generator maps `z` through an MLP (the mapping network) to an intermediate latent
`w`, and draws the image from a learned constant 4x4 tensor with convolutions whose
weights each `w` modulates (one `w` per layer, so two latents can be mixed), per-pixel
noise, and toRGB outputs at every resolution summed into the image (the "skip"
generator). The discriminator is residual, with a minibatch standard deviation layer.

References:
    Karras, Laine, Aittala, Hellsten, Lehtinen & Aila, 2020, "Analyzing and Improving
    the Image Quality of StyleGAN", CVPR 2020. https://arxiv.org/abs/1912.04958
    (modulation and demodulation, Section 2.2 and Eq. 1-3; skip generator and
    residual discriminator, Section 4.1 and Figure 7; lazy regularization, Section 3.1).

    Karras, Laine & Aila, 2019, "A Style-Based Generator Architecture for Generative
    Adversarial Networks", CVPR 2019. https://arxiv.org/abs/1812.04948 (mapping
    network, Section 2; noise inputs, Section 3.2; style mixing, Section 3.1;
    truncation trick, Section 3.1 and Appendix B; mapping learning rate, Appendix C).
"""


from kerasgan.models.stylegan.layers import (BiasActivation, ConstantInput, ModulatedConv2D,
                                             NoiseInjection, Truncation)
from kerasgan.models.stylegan.model import StyleGAN, stylegan
from kerasgan.models.stylegan.networks import (mapping_network, num_ws, stylegan_discriminator,
                                               stylegan_generator, synthesis_network)

__all__ = ["BiasActivation", "ConstantInput", "ModulatedConv2D", "NoiseInjection", "StyleGAN",
           "Truncation", "mapping_network", "num_ws", "stylegan", "stylegan_discriminator",
           "stylegan_generator", "synthesis_network"]
