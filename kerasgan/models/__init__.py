"""The variants. Importing this package registers every model with the registry."""

from kerasgan.models.aae import AAE
from kerasgan.models.acgan import ACGAN
from kerasgan.models.adversarial_step import CriticStepsModel
from kerasgan.models.base import AdversarialModel
from kerasgan.models.bigan import BiGAN
from kerasgan.models.catgan import CatGAN
from kerasgan.models.cgan import CGAN
from kerasgan.models.cyclegan import CycleGAN
from kerasgan.models.dcgan import DCGAN
from kerasgan.models.dragan import DRAGAN
from kerasgan.models.gan import GAN
from kerasgan.models.image_to_image import ImageToImageModel
from kerasgan.models.infogan import InfoGAN
from kerasgan.models.lapgan import LAPGAN
from kerasgan.models.lsgan import LSGAN
from kerasgan.models.pix2pix import Pix2Pix
from kerasgan.models.progan import ProGAN, ProgressiveGrowing
from kerasgan.models.sngan import SNGAN
from kerasgan.models.srgan import SRGAN
from kerasgan.models.stylegan import StyleGAN
from kerasgan.models.text2image import Text2Image
from kerasgan.models.vae import VAE
from kerasgan.models.wgan import WGAN, WGANGP

__all__ = ["AAE", "ACGAN", "AdversarialModel", "BiGAN", "CatGAN", "CGAN", "CriticStepsModel",
           "CycleGAN", "DCGAN", "DRAGAN", "GAN", "ImageToImageModel", "InfoGAN", "LAPGAN", "LSGAN",
           "Pix2Pix", "ProGAN", "ProgressiveGrowing", "SNGAN", "SRGAN", "StyleGAN", "Text2Image",
           "VAE", "WGAN", "WGANGP"]
