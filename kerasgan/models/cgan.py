"""CGAN: conditional GAN, here on the DCGAN architecture.

Reference:
    Mirza & Osindero, 2014, "Conditional Generative Adversarial Nets".
    https://arxiv.org/abs/1411.1784
"""

import keras

from kerasgan.models.dcgan import DCGAN
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class CGAN(DCGAN):
    """Class-conditional DCGAN: the label `y` conditions both players.

    The generator concatenates a learned label embedding to `z`; the discriminator
    receives the label as an extra learned input channel. Fakes are generated for
    the labels of the real batch, so D judges (image, label) pairs.

    Args:
        num_classes: Number of classes (required), e.g. 10 for digits.
        **kwargs: `DCGAN` arguments.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("cgan", base_filters=8)
    >>> model.generate(3, labels=[7, 7, 7], seed=1).shape
    (3, 32, 32, 1)
    """

    conditional = True
    paper = "Mirza & Osindero 2014, https://arxiv.org/abs/1411.1784"


@register_model
def cgan(latent_dim=100, image_shape=(32, 32, 1), num_classes=10, base_filters=64,
         generator_loss="non_saturating", d_steps=1, minibatch_features=None, seed=None,
         **tricks):
    """Conditional DCGAN on the 10 digit classes (Mirza & Osindero 2014)."""
    return CGAN(latent_dim=latent_dim, image_shape=image_shape, num_classes=num_classes,
                base_filters=base_filters, generator_loss=generator_loss, d_steps=d_steps,
                minibatch_features=minibatch_features, seed=seed, name="cgan", **tricks)
