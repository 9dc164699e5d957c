"""DCGAN: deep convolutional GAN.

Reference:
    Radford, Metz & Chintala, 2015, "Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks", ICLR 2016.
    https://arxiv.org/abs/1511.06434
"""

import keras

from kerasgan import networks, validation
from kerasgan.models.gan import GAN
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class DCGAN(GAN):
    """GAN with the DCGAN architecture: strided convolutions, batch norm, LeakyReLU
    in the discriminator, ReLU and a `tanh` output in the generator.

    The update is GAN's (non-saturating by default); only the networks differ.

    Args:
        base_filters: Width of the finest convolution layer of each net; coarser
            layers double it. 64 in the paper; 8 makes a test-sized model.
        minibatch_features: None, `"stddev"` or `"discrimination"`: a minibatch
            layer in the discriminator (see `networks.dcgan_discriminator`).
        **kwargs: `GAN` and `AdversarialModel` arguments. `image_shape` must be
            square with a power-of-two side >= 8 (32x32 and 64x64 are the usual).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("dcgan", image_shape=(64, 64, 3), base_filters=8)
    >>> model.generator.output_shape
    (None, 64, 64, 3)
    """

    paper = "Radford et al. 2015, https://arxiv.org/abs/1511.06434"

    def __init__(self, base_filters=64, minibatch_features=None, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.minibatch_features = minibatch_features
        super().__init__(**kwargs)

    def build_generator(self):
        return networks.dcgan_generator(
            self.latent_dim, self.image_shape, self.base_filters, self.num_classes
        )

    def build_discriminator(self):
        return networks.dcgan_discriminator(self.image_shape, self.base_filters, self.num_classes,
                                            minibatch_features=self.minibatch_features)

    def get_config(self):
        config = super().get_config()
        config.pop("hidden_units")
        return {**config, "base_filters": self.base_filters,
                "minibatch_features": self.minibatch_features}


@register_model
def dcgan(latent_dim=100, image_shape=(32, 32, 1), base_filters=64,
          generator_loss="non_saturating", d_steps=1, minibatch_features=None, seed=None,
          **tricks):
    """DCGAN on 32x32x1 digits (Radford et al. 2015); 64x64 via `image_shape`.

    `**tricks`: the training tricks of `AdversarialModel` (`ema_decay`,
    `diffaugment`, `replay_buffer_size`, `r1_weight`, `historical_averaging`).
    """
    return DCGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                 generator_loss=generator_loss, d_steps=d_steps,
                 minibatch_features=minibatch_features, seed=seed, name="dcgan", **tricks)
