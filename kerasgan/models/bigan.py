"""BiGAN: a GAN with an encoder, trained by a discriminator on joint (image, code) pairs.

References:
    Donahue, Krähenbühl & Darrell, 2016, "Adversarial Feature Learning", ICLR 2017.
    https://arxiv.org/abs/1605.09782
    Dumoulin et al., 2016, "Adversarially Learned Inference" (ALI, the same model
    found independently), ICLR 2017. https://arxiv.org/abs/1606.00704
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from kerasgan import losses, networks, validation
from kerasgan.models.base import AdversarialModel
from kerasgan.networks import (check_encoder_shape, conv_encoder, encoded_std,
                               with_batch_norm_momentum)
from kerasgan.registry import register_model

# Networks -------------------------------------------------------------------------------


def joint_discriminator(image_shape, latent_dim, base_filters=64, dropout=0.2,
                        name="discriminator"):
    """BiGAN's discriminator `D(x, z)`: one logit for a joint (image, code) pair.

    Three parts, as in ALI's discriminators (Dumoulin et al. 2016, appendix): an
    image branch (strided 4x4 convolutions down to 4x4, LeakyReLU(0.2)), a code
    branch (two Dense layers), and a joint part (a Dense layer on both branches'
    features, concatenated, then the logit). Every hidden layer is followed by
    dropout, the regularizer both papers' discriminators use, in place of batch
    norm: the real pairs `(x, E(x))` and the fake pairs `(G(z), z)` then never share
    batch statistics.

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        latent_dim: Size of `z`.
        base_filters: Filters of the first convolution; coarser layers double them.
            The code branch has `16 * base_filters` units per layer and the joint
            layer `32 * base_filters` (1,024 at `base_filters=32`).
        dropout: Dropout rate after every hidden layer, in [0, 1).
        name: Model name.

    Returns:
        A functional `keras.Model` from `[images, z]` to logits `[batch, 1]`.
    """
    images = keras.Input(shape=image_shape, name="images")
    z = keras.Input(shape=(latent_dim,), name="z")
    x = images
    for i in range(networks.num_resolution_steps(image_shape)):
        x = layers.Conv2D(base_filters * 2**i, 4, strides=2, padding="same",
                          kernel_initializer=networks.dcgan_initializer(),
                          name=f"image_downsample_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"image_leaky_relu_{i}")(x)
        x = layers.Dropout(dropout, name=f"image_dropout_{i}")(x)
    x = layers.Flatten(name="image_features")(x)
    c = z
    for i in range(2):
        c = layers.Dense(16 * base_filters, kernel_initializer=networks.dcgan_initializer(),
                         name=f"code_dense_{i}")(c)
        c = layers.LeakyReLU(0.2, name=f"code_leaky_relu_{i}")(c)
        c = layers.Dropout(dropout, name=f"code_dropout_{i}")(c)
    joint = layers.Concatenate(name="image_and_code")([x, c])
    joint = layers.Dense(32 * base_filters, kernel_initializer=networks.dcgan_initializer(),
                         name="joint_dense")(joint)
    joint = layers.LeakyReLU(0.2, name="joint_leaky_relu")(joint)
    joint = layers.Dropout(dropout, name="joint_dropout")(joint)
    logits = layers.Dense(1, kernel_initializer=networks.dcgan_initializer(),
                          name="logits")(joint)
    return keras.Model([images, z], logits, name=name)


# Model ----------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class BiGAN(AdversarialModel):
    """Bidirectional GAN: a generator `G: z -> x`, an encoder `E: x -> z`, and a
    discriminator on joint pairs `D(x, z)`.

    D learns to tell the data pairs `(x, E(x))` (real) from the generated pairs
    `(G(z), z)`, `z ~ N(0, I)` (fake); G and E together learn to make the two joint
    distributions equal, at whose optimum `E` inverts `G` (Donahue et al. 2016,
    Section 3). Both sides use the cross-entropy: D's loss is
    `-log D(x, E(x)) - log(1 - D(G(z), z))` (with one-sided label smoothing of the
    real target through `label_smoothing`), and G and E minimize the same loss with
    the labels swapped, `-log D(G(z), z) - log(1 - D(x, E(x)))`: the non-saturating
    "inverse" objective the paper trains with, whose gradients are strong where D
    wins. One optimizer ("generator" player) updates G and E together. The dataset's labels are ignored.

    The generator is DCGAN's; the encoder mirrors DCGAN's discriminator and ends in a
    linear `z`; D has dropout on every hidden layer (see `joint_discriminator`).
    `encode(images)` gives `E(x)`, served by export as the `encode` signature, and
    `kerasgan.evaluation.reconstruction_agreement` measures whether `G(E(x))` keeps
    the digit of `x`.

    Args:
        base_filters: Width of the finest convolution of every network; coarser layers
            double it, and D's dense layers are multiples of it.
        dropout: D's dropout rate, in [0, 1). 0.2, as ALI's discriminators.
        encoder: Optional ready-made encoder (a functional `keras.Model` from
            `images` to `[batch, latent_dim]`).
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, `seed`,
            `ema_decay`, `diffaugment`, `r1_weight`, ...). `image_shape` must be square
            with a power-of-two side >= 8. `r1_weight` penalizes D's gradient with
            respect to both parts of the real pair; `replay_buffer_size` is refused
            (it keeps images without their codes).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("bigan", latent_dim=8, base_filters=4)
    >>> images = model.generate(2, seed=0)
    >>> images.shape, tuple(model.encode(images).shape)
    ((2, 32, 32, 1), (2, 8))
    >>> [tensor.name for tensor in model.discriminator.inputs]
    ['images', 'z']
    """

    metric_names = ("d_loss", "g_loss", "real_score", "fake_score", "encoded_std")
    paper = "Donahue et al. 2016, https://arxiv.org/abs/1605.09782"
    network_names = ("generator", "discriminator", "encoder")
    unsupported_tricks = {"replay_buffer_size": "its discriminator scores (image, code) pairs "
                                                "and the buffer keeps images without their codes."}
    encoder_name = "encoder"

    def __init__(self, base_filters=64, dropout=0.2, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.dropout = validation.check_fraction("dropout", dropout)
        super().__init__(**kwargs)

    def build_generator(self):
        return with_batch_norm_momentum(
            networks.dcgan_generator(self.latent_dim, self.image_shape, self.base_filters))

    def build_discriminator(self):
        return joint_discriminator(self.image_shape, self.latent_dim, self.base_filters,
                                   self.dropout)

    def build_encoder(self):
        return conv_encoder(self.image_shape, self.latent_dim, self.base_filters)

    def _check_network_shapes(self):
        super()._check_network_shapes()
        check_encoder_shape(self)

    def player_networks(self):
        """D alone on one side; G and E together on the other: the paper's
        `min_{G, E} max_D V(D, E, G)`."""
        return {"discriminator": [self.discriminator],
                "generator": [self.generator, self.encoder]}

    # Training -------------------------------------------------------------------

    def pair_logits(self, real_images, encoded, fake_images, z):
        """D's logits on the data pairs `(x, E(x))` and the generated pairs `(G(z), z)`,
        in two calls (like `GAN.train_step`'s real and fake batches)."""
        real_logits = self.discriminator([real_images, encoded], training=True)
        fake_logits = self.discriminator([fake_images, z], training=True)
        return real_logits, fake_logits

    def discriminator_penalty(self, real_images, labels=None, codes=None):
        """The R1 penalty on the data pairs `(x, E(x))`: `r1_weight / 2` times the mean
        squared norm of D's gradient with respect to the whole pair (image and code),
        or 0.0 when off. `labels` are unused (BiGAN is unconditional)."""
        del labels
        if not self.r1_weight:
            return 0.0
        # One flat tensor per pair, so the gradient norm covers image and code together.
        size = int(np.prod(self.image_shape))
        pixels = ops.reshape(real_images, (-1, size))
        codes = ops.cast(codes, pixels.dtype)

        def realness(pairs):
            images = ops.reshape(pairs[:, :size], (-1, *self.image_shape))
            return self.discriminator([images, pairs[:, size:]], training=True)

        return losses.r1_penalty(realness, ops.concatenate([pixels, codes], axis=-1),
                                 gamma=self.r1_weight)

    def train_step(self, data):
        real_images, _ = self.unpack(data)  # unsupervised: labels are not used
        batch_size = tf.shape(real_images)[0]

        # Discriminator step: max over D of log D(x, E(x)) + log(1 - D(G(z), z)).
        z = self.sample_latents(batch_size)
        fake_images = self.generator(z, training=True)
        encoded = self.encoder(real_images, training=True)
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self.pair_logits(real_images, encoded, fake_images, z)
            d_loss = losses.minimax_discriminator_loss(
                real_logits, fake_logits, real_target=1.0 - self.label_smoothing
            ) + self.discriminator_penalty(real_images, codes=encoded)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Generator and encoder step, on fresh noise: D's loss with the labels swapped,
        # so G pulls (G(z), z) toward "real" and E pushes (x, E(x)) toward "fake".
        z = self.sample_latents(batch_size)
        with tf.GradientTape() as tape:
            fake_images = self.generator(z, training=True)
            encoded = self.encoder(real_images, training=True)
            g_real_logits, g_fake_logits = self.pair_logits(real_images, encoded,
                                                            fake_images, z)
            g_loss = losses.minimax_discriminator_loss(g_fake_logits, g_real_logits)
        self.apply_gradients(tape, g_loss, self.player_networks()["generator"],
                             self.g_optimizer)

        return self.update_metrics(
            d_loss=d_loss, g_loss=g_loss,
            real_score=tf.reduce_mean(tf.sigmoid(real_logits)),
            fake_score=tf.reduce_mean(tf.sigmoid(fake_logits)),
            encoded_std=encoded_std(encoded),
        )

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters,
                "dropout": self.dropout}


@register_model
def bigan(latent_dim=50, image_shape=(32, 32, 1), base_filters=32, dropout=0.2, seed=None,
          **tricks):
    """BiGAN on 32x32x1 digits (Donahue et al. 2016): DCGAN generator, convolutional
    encoder, joint discriminator with dropout; 50 latent dimensions, as the paper's
    MNIST model.

    `**tricks`: the training tricks of `AdversarialModel` (`ema_decay`,
    `diffaugment`, `r1_weight`, `historical_averaging`).
    """
    return BiGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                 dropout=dropout, seed=seed, name="bigan", **tricks)
