"""SRGAN: single-image super-resolution with a residual generator and a VGG-style
discriminator.

The family's parts: `layers` (sub-pixel upsampling), `networks` (the SRResNet
generator, the VGG-style discriminator, the VGG54 feature network and where its
weights are found) and `model` (the `SRGAN` train step and the `srgan` factory).

Reference:
    Ledig et al., 2016, "Photo-Realistic Single Image Super-Resolution Using a
    Generative Adversarial Network", CVPR 2017. https://arxiv.org/abs/1609.04802
"""

from kerasgan.models.srgan.layers import SubPixelUpsampling
from kerasgan.models.srgan.model import SRGAN, srgan
from kerasgan.models.srgan.networks import (CONTENT_LOSSES, VGG19_WEIGHTS_FILE,
                                            VGG_FEATURE_LAYER, VGG_FEATURE_SCALE, check_scale,
                                            find_vgg19_weights, low_resolution_shape,
                                            residual_generator, vgg19_weights_location,
                                            vgg_discriminator, vgg_feature_network)

__all__ = ["CONTENT_LOSSES", "SRGAN", "SubPixelUpsampling", "VGG19_WEIGHTS_FILE",
           "VGG_FEATURE_LAYER", "VGG_FEATURE_SCALE", "check_scale", "find_vgg19_weights",
           "low_resolution_shape", "residual_generator", "srgan", "vgg19_weights_location",
           "vgg_discriminator", "vgg_feature_network"]
