"""WGAN and WGAN-GP: Wasserstein critics kept Lipschitz by weight clipping or a gradient penalty.

Both train the critic `n_critic` times per generator step. Each critic step draws
fresh noise but reuses the step's real batch (one `fit` batch = one generator
iteration), as Keras' own WGAN-GP example does; the papers draw a new real batch per
critic iteration. A critic step costs about as much as a DCGAN discriminator step, so
a WGAN step costs roughly `n_critic` DCGAN steps.

Label smoothing does not apply: the critic's output is a score, not a probability,
and the models ignore the `label_smoothing` variable.

References:
    Arjovsky, Chintala & Bottou, 2017, "Wasserstein GAN", ICML.
    https://arxiv.org/abs/1701.07875

    Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville, 2017, "Improved Training of
    Wasserstein GANs", NeurIPS. https://arxiv.org/abs/1704.00028
"""

import keras

from kerasgan import losses, networks, validation
from kerasgan.models.adversarial_step import CriticStepsModel
from kerasgan.networks import dcgan_critic
from kerasgan.registry import register_model

NORMALIZATIONS = networks.CRITIC_NORMALIZATIONS


# Blocks ---------------------------------------------------------------------------


# Models ---------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class WGAN(CriticStepsModel):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

    The critic minimizes `E[D(G(z))] - E[D(x)]`, the generator `-E[D(G(z))]`. After
    every critic update (and once on creation) each critic weight is clipped to
    `[-clip_value, clip_value]`, which keeps the critic Lipschitz (up to a
    constant). The paper's defaults: `clip_value=0.01`, `n_critic=5`, RMSprop(5e-5),
    and the DCGAN networks with batch norm in the critic; here that batch norm
    learns an offset but no scale, and the score has no bias (see `dcgan_critic`).
    The paper's extra 100 critic iterations in the first 25 and every 500th
    generator iteration are not done here.

    Logged: `d_loss` (critic loss, the mean over the `n_critic` steps), `g_loss`, and
    `wasserstein_distance`, the critic's estimate `E[D(x)] - E[D(G(z))]` (its
    negated loss; a scaled estimate, since clipping fixes some unknown Lipschitz
    constant).

    Args:
        base_filters: Width of the finest convolution layer of each net (64 in DCGAN).
        n_critic: Critic updates per generator update, >= 1.
        clip_value: Critic weights are clipped to `[-clip_value, clip_value]`; > 0.
            `WGANGP` passes None: its penalty replaces clipping.
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, ...).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("wgan", base_filters=8, n_critic=2)
    >>> model.compile()
    >>> kernel = model.discriminator.get_layer("logits").kernel.numpy()
    >>> float(abs(kernel).max()) <= 0.01
    True
    """

    metric_names = ("d_loss", "g_loss", "wasserstein_distance")
    objective = losses.get("wasserstein", "objective")
    paper = "Arjovsky et al. 2017, https://arxiv.org/abs/1701.07875"

    def __init__(self, base_filters=64, n_critic=5, clip_value=0.01, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.n_critic = self.critic_steps = validation.check_positive_int("n_critic", n_critic)
        self.clip_value = (
            None if clip_value is None
            else validation.check_positive_number("clip_value", clip_value)
        )
        super().__init__(**kwargs)
        self.clip_critic_weights()

    def build_generator(self):
        return networks.dcgan_generator(self.latent_dim, self.image_shape, self.base_filters)

    def build_discriminator(self):
        return dcgan_critic(self.image_shape, self.base_filters, normalization="batch")

    def default_optimizer(self, player):
        """RMSprop(5e-5) for both players (Arjovsky et al. 2017, Algorithm 1).

        Momentum-based optimizers made their critic unstable (Section 3).
        """
        del player
        return keras.optimizers.RMSprop(learning_rate=5e-5)

    def clip_critic_weights(self):
        """Clips every trainable critic weight to `[-clip_value, clip_value]`.

        Under `tf.distribute` each replica clips its own copy; the copies are equal
        after the all-reduced update, so they stay equal.
        """
        if self.clip_value is None:
            return
        for weight in self.discriminator.trainable_weights:
            weight.assign(keras.ops.clip(weight, -self.clip_value, self.clip_value))

    def after_critic_update(self):
        self.clip_critic_weights()

    def critic_logs(self, real_outputs, fake_outputs, loss):
        del real_outputs, fake_outputs
        return {"wasserstein_distance": -loss}

    def get_config(self):
        return {
            **super().get_config(),
            "base_filters": self.base_filters,
            "n_critic": self.n_critic,
            "clip_value": self.clip_value,
        }


@keras.saving.register_keras_serializable(package="kerasgan")
class WGANGP(WGAN):
    """WGAN with a gradient penalty instead of clipping (Gulrajani et al. 2017, Algorithm 1).

    The critic minimizes `E[D(G(z))] - E[D(x)] + lambda E[(|grad D(x_hat)|_2 - 1)^2]`
    on uniform random interpolates `x_hat` between real and generated images
    (`losses.gradient_penalty`). Paper defaults: `lambda = 10`, `n_critic = 5`,
    Adam(1e-4, beta_1=0, beta_2=0.9), no batch norm in the critic (layer norm).

    Logged: `d_loss` (penalty included), `g_loss`, `wasserstein_distance`
    (`E[D(x)] - E[D(G(z))]`) and `gradient_penalty` (the weighted term), as means over
    the `n_critic` steps.

    Args:
        base_filters: Width of the finest convolution layer of each net.
        n_critic: Critic updates per generator update, >= 1.
        gp_weight: `lambda`, >= 0.
        discriminator_normalization: `"layer"` (default) or `"none"`: the critic's
            normalization. Batch norm is not offered: see `dcgan_critic`.
        **kwargs: `AdversarialModel` arguments.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("wgan_gp", base_filters=8, n_critic=2)
    >>> model.compile()
    >>> type(model.d_optimizer).__name__, float(model.d_optimizer.beta_1)
    ('Adam', 0.0)
    """

    metric_names = ("d_loss", "g_loss", "wasserstein_distance", "gradient_penalty")
    critic_penalty = "gradient"
    paper = "Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028"

    def __init__(self, base_filters=64, n_critic=5, gp_weight=10.0,
                 discriminator_normalization="layer", **kwargs):
        self.gp_weight = validation.check_non_negative_number("gp_weight", gp_weight)
        self.discriminator_normalization = validation.check_choice(
            "discriminator_normalization", discriminator_normalization, NORMALIZATIONS
        )
        super().__init__(base_filters=base_filters, n_critic=n_critic, clip_value=None, **kwargs)

    def build_discriminator(self):
        return dcgan_critic(self.image_shape, self.base_filters, self.discriminator_normalization)

    def default_optimizer(self, player):
        """Adam(1e-4, beta_1=0, beta_2=0.9) for both players (Gulrajani et al., Algorithm 1)."""
        del player
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)

    def get_config(self):
        config = super().get_config()
        config.pop("clip_value")
        return {
            **config,
            "gp_weight": self.gp_weight,
            "discriminator_normalization": self.discriminator_normalization,
        }


@register_model
def wgan(latent_dim=100, image_shape=(32, 32, 1), base_filters=64, n_critic=5, clip_value=0.01,
         seed=None, **tricks):
    """WGAN with weight clipping on the DCGAN networks (Arjovsky et al. 2017)."""
    return WGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                n_critic=n_critic, clip_value=clip_value, seed=seed, name="wgan", **tricks)


@register_model
def wgan_gp(latent_dim=100, image_shape=(32, 32, 1), base_filters=64, n_critic=5, gp_weight=10.0,
            discriminator_normalization="layer", seed=None, **tricks):
    """WGAN-GP: gradient penalty, layer-norm critic (Gulrajani et al. 2017)."""
    return WGANGP(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                  n_critic=n_critic, gp_weight=gp_weight,
                  discriminator_normalization=discriminator_normalization, seed=seed,
                  name="wgan_gp", **tricks)
