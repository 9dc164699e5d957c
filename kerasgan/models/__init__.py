"""The variants. Importing this package registers every model with the registry."""

from kerasgan.models.acgan import ACGAN
from kerasgan.models.base import AdversarialModel
from kerasgan.models.catgan import CatGAN
from kerasgan.models.cgan import CGAN
from kerasgan.models.dcgan import DCGAN
from kerasgan.models.dragan import DRAGAN
from kerasgan.models.gan import GAN
from kerasgan.models.infogan import InfoGAN
from kerasgan.models.lsgan import LSGAN
from kerasgan.models.sngan import SNGAN
from kerasgan.models.wgan import WGAN, WGANGP
from kerasgan.models import aae, bigan, lapgan, progan, stylegan, vae  # noqa: F401

__all__ = ["ACGAN", "AdversarialModel", "CatGAN", "CGAN", "DCGAN", "DRAGAN", "GAN", "InfoGAN",
           "LSGAN", "SNGAN", "WGAN", "WGANGP"]
