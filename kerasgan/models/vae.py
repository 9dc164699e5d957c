"""VAE: the variational auto-encoder, the zoo's non-adversarial baseline.

Reference:
    Kingma & Welling, 2014, "Auto-Encoding Variational Bayes", ICLR 2014.
    https://arxiv.org/abs/1312.6114
"""

import keras
import tensorflow as tf
from keras import layers, ops

from kerasgan import distribute, networks, validation
from kerasgan.losses import gaussian_kl_divergence, gaussian_reconstruction_loss
from kerasgan.models.base import AdversarialModel
from kerasgan.registry import register_model


# Networks -------------------------------------------------------------------------------


def vae_encoder(image_shape, latent_dim, base_filters=64, name="encoder"):
    """The recognition model `q(z | x)`: the body of `networks.conv_encoder` (DCGAN's
    strided convolutions down to 4x4) with two linear heads instead of one; the same
    arguments.

    Returns:
        A functional `keras.Model` from `images` to `[mean, log_variance]`, each
        `[batch, latent_dim]`: the diagonal Gaussian posterior.
    """
    images = keras.Input(shape=image_shape, name="images")
    x = networks.dcgan_convolutions(images, image_shape, base_filters,
                                    kernel_initializer="glorot_uniform")
    x = layers.Flatten(name="flatten")(x)
    mean = layers.Dense(latent_dim, name="mean")(x)
    # Zero-initialized: every posterior starts at unit variance, so the first samples
    # are not scaled by exp(random) noise.
    log_variance = layers.Dense(latent_dim, kernel_initializer="zeros",
                                name="log_variance")(x)
    return keras.Model(images, [mean, log_variance], name=name)


# Model ----------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class VAE(AdversarialModel):
    """Variational auto-encoder trained on the evidence lower bound (ELBO).

    The encoder maps an image to a diagonal Gaussian posterior `q(z | x)` (its mean
    and log-variance); a reparameterized sample `z = mean + exp(log_variance / 2) *
    eps`, `eps ~ N(0, I)` (Kingma & Welling 2014, Section 2.4) goes through the
    decoder, which is the DCGAN generator with its `tanh` output, so samples, grids
    and exports are those of every zoo model. The loss is the negative ELBO averaged
    over the batch:

    - `reconstruction_loss`: `-log p(x | z)` of a Gaussian decoder with a fixed
      standard deviation `reconstruction_stddev` per pixel, up to its constant:
      `sum_pixels (x - decoder(z))**2 / (2 * stddev**2)`. A Gaussian rather than the
      paper's Bernoulli MNIST decoder because pixels here are in [-1, 1] behind a
      `tanh`, not probabilities; `stddev` sets the balance against the KL term
      (smaller: sharper reconstructions, a posterior further from the prior).
    - `kl_loss`: `KL(q(z | x) || N(0, I))` in closed form (Appendix B), times
      `kl_weight` in the loss (1 is the ELBO; other values give a beta-VAE).

    Sampling draws `z ~ N(0, I)` through the decoder (`generate`, the `sample` and
    `serving_default` signatures); `encode` returns the posterior mean, which export
    serves as the `encode` signature. There is no discriminator: one optimizer
    ("generator" player) trains decoder and encoder together, and the tricks that
    act on a discriminator (`r1_weight`, `diffaugment`, `replay_buffer_size`) are
    refused. `ema_decay` averages the decoder's weights; `historical_averaging`
    pulls the decoder toward its running mean.

    Args:
        base_filters: Width of the finest convolution of decoder and encoder; coarser
            layers double it.
        reconstruction_stddev: The decoder's fixed standard deviation, > 0, in
            pixel units of [-1, 1].
        kl_weight: Weight of the KL term, >= 0 (1: the ELBO).
        encoder: Optional ready-made encoder (from `images` to `[mean, log_variance]`).
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, `seed`,
            `ema_decay`, ...). `image_shape` must be square with a power-of-two side
            >= 8.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("vae", latent_dim=8, base_filters=4)
    >>> images = model.generate(2, seed=0)
    >>> images.shape, tuple(model.encode(images).shape)
    ((2, 32, 32, 1), (2, 8))
    """

    metric_names = ("reconstruction_loss", "kl_loss", "loss")
    paper = "Kingma & Welling 2014, https://arxiv.org/abs/1312.6114"
    network_names = ("generator", "encoder")
    encoder_name = "encoder"
    unsupported_tricks = dict.fromkeys(("r1_weight", "diffaugment", "replay_buffer_size"),
                                       "it has no discriminator.")

    def __init__(self, base_filters=64, reconstruction_stddev=0.1, kl_weight=1.0, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.reconstruction_stddev = validation.check_positive_number(
            "reconstruction_stddev", reconstruction_stddev)
        self.kl_weight = validation.check_non_negative_number("kl_weight", kl_weight)
        if kwargs.get("discriminator") is not None:
            raise ValueError("VAE has no discriminator. Received: discriminator="
                             f"{kwargs['discriminator']!r}")
        super().__init__(**kwargs)

    def build_generator(self):
        """The decoder `p(x | z)`: the DCGAN generator (its mean, in [-1, 1])."""
        return networks.dcgan_generator(self.latent_dim, self.image_shape, self.base_filters)

    def build_discriminator(self):
        return None

    def build_encoder(self):
        return vae_encoder(self.image_shape, self.latent_dim, self.base_filters)

    def _check_network_shapes(self):
        super()._check_network_shapes()
        shapes = [tuple(shape) for shape in self.encoder.output_shape]
        if shapes != [(None, self.latent_dim)] * 2:
            raise ValueError(
                f"The encoder must return [mean, log_variance], each (None, {self.latent_dim}). "
                f"Received: encoder with output shapes {shapes}"
            )

    def player_networks(self):
        """One player: the "generator" optimizer trains decoder and encoder together."""
        return {"generator": [self.generator, self.encoder]}

    def default_optimizer(self, player):
        """Adam(1e-3): the usual VAE setting (the paper used Adagrad)."""
        del player
        return keras.optimizers.Adam(learning_rate=1e-3)

    def encode(self, images, training=False):
        """The posterior mean `E[z | x]` of images in [-1, 1], `[batch, latent_dim]`:
        deterministic, unlike a posterior sample."""
        mean, _ = self.encoder(images, training=training)
        return mean

    def elbo_terms(self, images, training=False):
        """`(reconstruction_loss, kl_loss, reconstructions)` of a batch, with one
        reparameterized posterior sample per image, the noise drawn per replica from
        the model's seed stream."""
        mean, log_variance = self.encoder(images, training=training)
        epsilon = tf.random.stateless_normal(
            tf.shape(mean), seed=distribute.replica_seed(self.noise_seed), dtype=mean.dtype,
            alg="philox")
        z = mean + ops.exp(0.5 * log_variance) * epsilon
        reconstructions = self.generator(z, training=training)
        reconstruction = gaussian_reconstruction_loss(images, reconstructions,
                                                      self.reconstruction_stddev)
        return reconstruction, gaussian_kl_divergence(mean, log_variance), reconstructions

    def train_step(self, data):
        images, _ = self.unpack(data)  # unsupervised: labels are not used
        with tf.GradientTape() as tape:
            reconstruction, kl, _ = self.elbo_terms(images, training=True)
            loss = reconstruction + self.kl_weight * kl
        self.apply_gradients(tape, loss, self.player_networks()["generator"], self.g_optimizer)
        return self.update_metrics(reconstruction_loss=reconstruction, kl_loss=kl, loss=loss)

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters,
                "reconstruction_stddev": self.reconstruction_stddev,
                "kl_weight": self.kl_weight}


@register_model
def vae(latent_dim=32, image_shape=(32, 32, 1), base_filters=32, reconstruction_stddev=0.1,
        kl_weight=1.0, seed=None, **tricks):
    """VAE on 32x32x1 digits (Kingma & Welling 2014) with DCGAN-shaped convolutional
    encoder and decoder; the non-adversarial baseline of the zoo."""
    return VAE(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
               reconstruction_stddev=reconstruction_stddev, kl_weight=kl_weight, seed=seed,
               name="vae", **tricks)
