"""CycleGAN: unpaired image-to-image translation with two generators kept consistent by
cycles.

The family's parts: `layers` (reflection padding), `networks` (the ResNet generator
and its shape checks) and `model` (the `CycleGAN` train step, translation and export,
and the `cyclegan` factory).

Reference:
    Zhu, Park, Isola & Efros, 2017, "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", ICCV 2017. https://arxiv.org/abs/1703.10593
"""

from kerasgan.models.cyclegan.layers import ReflectionPadding2D
from kerasgan.models.cyclegan.model import DIRECTIONS, CycleGAN, cyclegan
from kerasgan.models.cyclegan.networks import check_translation_shape, resnet_generator

__all__ = ["DIRECTIONS", "CycleGAN", "ReflectionPadding2D", "check_translation_shape",
           "cyclegan", "resnet_generator"]
