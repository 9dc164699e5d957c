"""LAPGAN: a Laplacian pyramid of conditional GANs, generating coarse to fine.

The family's parts: `pyramid` (the pyramid operators and sides), `networks` (the band
generators and discriminators of the finer levels) and `model` (the `LAPGAN` train
step, sampling and export, and the `lapgan` factory).

Reference:
    Denton, Chintala, Szlam & Fergus, 2015, "Deep Generative Image Models using a
    Laplacian Pyramid of Adversarial Networks", NeurIPS 2015.
    https://arxiv.org/abs/1506.05751
"""

from kerasgan.models.lapgan.model import FILL_NOISE_SEED, LAPGAN, lapgan
from kerasgan.models.lapgan.networks import band_discriminator, band_generator
from kerasgan.models.lapgan.pyramid import downsample, laplacian_pyramid, pyramid_sizes, upsample

__all__ = ["FILL_NOISE_SEED", "LAPGAN", "band_discriminator", "band_generator", "downsample",
           "laplacian_pyramid", "lapgan", "pyramid_sizes", "upsample"]
