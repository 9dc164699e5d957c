"""AAE: the adversarial autoencoder, an autoencoder whose codes a discriminator matches
to a prior.

Reference:
    Makhzani, Shlens, Jaitly, Goodfellow & Frey, 2015, "Adversarial Autoencoders",
    ICLR 2016 workshop. https://arxiv.org/abs/1511.05644
"""

import numbers

import keras
import tensorflow as tf
from keras import layers

from kerasgan import losses, networks, validation
from kerasgan.losses import RECONSTRUCTION_LOSSES, reconstruction_loss
from kerasgan.models.base import AdversarialModel
from kerasgan.networks import (check_encoder_shape, conv_encoder, encoded_std,
                               with_batch_norm_momentum)
from kerasgan.registry import register_model


# Networks -------------------------------------------------------------------------------


def latent_discriminator(latent_dim, hidden_units=(1000, 1000), name="discriminator"):
    """The AAE's adversary: an MLP from a code `z` to one logit, "drawn from the
    prior" (real) or "produced by the encoder" (fake). ReLU hidden layers, as the
    paper's MNIST adversary (two layers of 1,000 units).

    Args:
        latent_dim: Size of `z`.
        hidden_units: Widths of the hidden Dense layers.
        name: Model name.

    Returns:
        A functional `keras.Model` from `z` `[batch, latent_dim]` to logits `[batch, 1]`.
    """
    z = keras.Input(shape=(latent_dim,), name="z")
    x = z
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
    logits = layers.Dense(1, name="logits")(x)
    return keras.Model(z, logits, name=name)


# Model ----------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class AAE(AdversarialModel):
    """Adversarial autoencoder: an encoder `E: x -> z` and a decoder `G: z -> x` trained
    to reconstruct, while a discriminator on codes makes the aggregated posterior of
    `E(x)` match the prior `N(0, I)`.

    Each train step takes the paper's two phases on the same batch (Makhzani et al.
    2015, Section 2):

    1. Regularization, the discriminator: `-log D(z_prior) - log(1 - D(E(x)))` with
       `z_prior ~ N(0, I)` drawn per replica (`sample_latents`) and one-sided label
       smoothing of the prior's target through `label_smoothing`.
    2. Reconstruction and regularization, encoder and decoder together (one
       optimizer, the "generator" player): `reconstruction_loss + adversarial_weight *
       adversarial_loss`, where `reconstruction_loss` is the mean squared error
       (`reconstruction="mse"`, the paper's Euclidean cost; or `"l1"`) between `x` and
       `G(E(x))` on images in [-1, 1], and `adversarial_loss` is the non-saturating
       `-log D(E(x))`, which reaches only the encoder.

    The paper alternates the phases with separate SGD updates; one joint update with
    a weight is the same game in fewer passes. Because codes of the data cover the
    prior, the decoder is a generator: `generate`, the grids and the exported
    `serving_default`/`sample` signatures run it on `z ~ N(0, I)`. `encode` is `E(x)`
    (the `encode` signature), and `kerasgan.evaluation.reconstruction_agreement`
    measures whether `G(E(x))` keeps the digit of `x`. The dataset's labels are
    ignored (the unsupervised AAE of Section 2).

    Networks: the decoder is DCGAN's generator, the encoder mirrors DCGAN's
    discriminator with a linear `z` output (`networks.conv_encoder`), and D is an MLP on
    codes (`latent_discriminator`).

    Args:
        base_filters: Width of the finest convolution of encoder and decoder; coarser
            layers double it.
        adversarial_weight: Weight of the encoder's adversarial term against the
            per-pixel reconstruction error, >= 0 (0 trains a plain autoencoder).
        reconstruction: `"mse"` or `"l1"`.
        discriminator_units: Widths of D's hidden layers; None: two layers of
            `32 * base_filters` units (1,024 at `base_filters=32`, the paper's 1,000).
        encoder: Optional ready-made encoder (a functional `keras.Model` from
            `images` to `[batch, latent_dim]`).
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, `seed`,
            `ema_decay`, `r1_weight` (on prior samples), ...). `image_shape` must be
            square with a power-of-two side >= 8. `diffaugment` and
            `replay_buffer_size` are refused: D sees codes, not images.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("aae", latent_dim=8, base_filters=4)
    >>> images = model.generate(2, seed=0)
    >>> images.shape, tuple(model.encode(images).shape)
    ((2, 32, 32, 1), (2, 8))
    >>> model.discriminator.input_shape
    (None, 8)
    """

    metric_names = ("d_loss", "g_loss", "reconstruction_loss", "adversarial_loss",
                    "real_score", "fake_score", "encoded_std")
    paper = "Makhzani et al. 2015, https://arxiv.org/abs/1511.05644"
    network_names = ("generator", "discriminator", "encoder")
    unsupported_tricks = {key: "its discriminator scores latent codes, not images."
                          for key in ("replay_buffer_size", "diffaugment")}
    encoder_name = "encoder"

    def __init__(self, base_filters=64, adversarial_weight=0.1, reconstruction="mse",
                 discriminator_units=None, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.adversarial_weight = validation.check_non_negative_number(
            "adversarial_weight", adversarial_weight)
        self.reconstruction = validation.check_choice("reconstruction", reconstruction,
                                                      RECONSTRUCTION_LOSSES)
        if discriminator_units is None:
            discriminator_units = (32 * self.base_filters,) * 2
        try:
            units = tuple(discriminator_units)
        except TypeError:
            units = None
        if not units or any(isinstance(u, bool) or not isinstance(u, numbers.Integral) or u <= 0
                            for u in units):
            raise ValueError("`discriminator_units` must be a non-empty sequence of positive "
                             f"integers. Received: discriminator_units={discriminator_units!r}")
        self.discriminator_units = tuple(int(u) for u in units)
        super().__init__(**kwargs)

    def build_generator(self):
        """The decoder `G: z -> x`: DCGAN's generator (batch-norm momentum 0.9, see
        `networks.with_batch_norm_momentum`)."""
        return with_batch_norm_momentum(
            networks.dcgan_generator(self.latent_dim, self.image_shape, self.base_filters))

    def build_discriminator(self):
        return latent_discriminator(self.latent_dim, self.discriminator_units)

    def build_encoder(self):
        return conv_encoder(self.image_shape, self.latent_dim, self.base_filters)

    def _check_network_shapes(self):
        super()._check_network_shapes()
        check_encoder_shape(self)

    def player_networks(self):
        """D alone on one side; the autoencoder (decoder and encoder) on the other."""
        return {"discriminator": [self.discriminator],
                "generator": [self.generator, self.encoder]}

    # Training -------------------------------------------------------------------

    def train_step(self, data):
        real_images, _ = self.unpack(data)  # unsupervised: labels are not used
        batch_size = tf.shape(real_images)[0]

        # Regularization phase, D: prior samples are "real", the encoder's codes "fake".
        prior = self.sample_latents(batch_size)
        encoded = self.encoder(real_images, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(prior, training=True)
            fake_logits = self.discriminator(encoded, training=True)
            d_loss = losses.minimax_discriminator_loss(
                real_logits, fake_logits, real_target=1.0 - self.label_smoothing
            ) + self.discriminator_penalty(prior)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Reconstruction phase plus the encoder's side of the regularization phase.
        with tf.GradientTape() as tape:
            encoded = self.encoder(real_images, training=True)
            reconstructions = self.generator(encoded, training=True)
            reconstruction = reconstruction_loss(real_images, reconstructions,
                                                 self.reconstruction)
            adversarial = losses.non_saturating_generator_loss(
                self.discriminator(encoded, training=True))
            g_loss = reconstruction + self.adversarial_weight * adversarial
        self.apply_gradients(tape, g_loss, self.player_networks()["generator"],
                             self.g_optimizer)

        return self.update_metrics(
            d_loss=d_loss, g_loss=g_loss, reconstruction_loss=reconstruction,
            adversarial_loss=adversarial,
            real_score=tf.reduce_mean(tf.sigmoid(real_logits)),
            fake_score=tf.reduce_mean(tf.sigmoid(fake_logits)),
            encoded_std=encoded_std(encoded),
        )

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters,
                "adversarial_weight": self.adversarial_weight,
                "reconstruction": self.reconstruction,
                "discriminator_units": list(self.discriminator_units)}


@register_model
def aae(latent_dim=8, image_shape=(32, 32, 1), base_filters=32, adversarial_weight=0.1,
        reconstruction="mse", discriminator_units=None, seed=None, **tricks):
    """Adversarial autoencoder on 32x32x1 digits (Makhzani et al. 2015): convolutional
    encoder and decoder, an MLP discriminator on 8-dimensional codes (the paper's MNIST
    code size) against an `N(0, I)` prior.

    `**tricks`: the training tricks of `AdversarialModel` that act on a latent
    discriminator or the decoder (`ema_decay`, `r1_weight`, `historical_averaging`).
    """
    return AAE(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
               adversarial_weight=adversarial_weight, reconstruction=reconstruction,
               discriminator_units=discriminator_units, seed=seed, name="aae", **tricks)
