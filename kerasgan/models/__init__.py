"""The variants. Importing this package registers every model with the registry."""

from kerasgan.models.base import AdversarialModel
from kerasgan.models.cgan import CGAN
from kerasgan.models.dcgan import DCGAN
from kerasgan.models.gan import GAN

__all__ = ["AdversarialModel", "CGAN", "DCGAN", "GAN"]
