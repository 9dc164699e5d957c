"""DRAGAN: a GAN whose discriminator is penalized for sharp gradients around real data.

Reference:
    Kodali, Abernethy, Hays & Kira, 2017, "On Convergence and Stability of GANs"
    (a.k.a. "How to Train Your DRAGAN"). https://arxiv.org/abs/1705.07215
"""

import keras

from kerasgan import validation
from kerasgan.models.dcgan import DCGAN
from kerasgan.networks import CRITIC_NORMALIZATIONS, dcgan_critic
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class DRAGAN(DCGAN):
    """The standard GAN game plus the DRAGAN gradient penalty (Kodali et al. 2017, Section 4).

    D minimizes its usual (sigmoid cross-entropy) loss plus
    `lambda E[(|grad D(x_hat)|_2 - 1)^2]`, where `x_hat` lies between a real image `x`
    and `x + 0.5 std(x) U[0, 1]` (`losses.dragan_penalty`): sharp gradients around
    real data are what the paper links to mode collapse. The paper's defaults: `lambda
    = 10`, perturbation scale 0.5, the DCGAN networks. The discriminator here has
    layer norm (or none) instead of batch norm, so each image's input gradient is its
    own; Adam(1e-4, beta_1=0.5, beta_2=0.9), the settings of the authors' reference
    code.

    One-sided label smoothing applies to the real target, as in `GAN`.

    Logged: `d_loss` (penalty included), `g_loss`, `gradient_penalty` (the weighted
    term), `real_score` and `fake_score` (D's mean probability on each batch).

    Args:
        base_filters: Width of the finest convolution layer of each net.
        generator_loss: `"non_saturating"` (default), `"minimax"`, or any objective of
            `kerasgan.losses.GENERATOR_LOSSES` (e.g. `"least_squares"`).
        gp_weight: `lambda`, >= 0.
        perturbation_scale: `c` in `x + c std(x) U[0, 1]`, >= 0.
        discriminator_normalization: `"layer"` (default) or `"none"`.
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, ...).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("dragan", base_filters=8, gp_weight=5.0)
    >>> model.compile()
    >>> model.gp_weight
    5.0
    """

    metric_names = ("d_loss", "g_loss", "gradient_penalty", "real_score", "fake_score")
    critic_penalty = "dragan"
    paper = "Kodali et al. 2017, https://arxiv.org/abs/1705.07215"

    def __init__(self, base_filters=64, generator_loss="non_saturating", gp_weight=10.0,
                 perturbation_scale=0.5, discriminator_normalization="layer", **kwargs):
        self.gp_weight = validation.check_non_negative_number("gp_weight", gp_weight)
        self.perturbation_scale = validation.check_non_negative_number(
            "perturbation_scale", perturbation_scale
        )
        self.discriminator_normalization = validation.check_choice(
            "discriminator_normalization", discriminator_normalization, CRITIC_NORMALIZATIONS
        )
        super().__init__(base_filters=base_filters, generator_loss=generator_loss, **kwargs)

    def build_discriminator(self):
        return dcgan_critic(self.image_shape, self.base_filters, self.discriminator_normalization,
                            output_bias=True)

    def default_optimizer(self, player):
        """Adam(1e-4, beta_1=0.5, beta_2=0.9) for both players."""
        del player
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.5, beta_2=0.9)

    def get_config(self):
        return {
            **super().get_config(),
            "gp_weight": self.gp_weight,
            "perturbation_scale": self.perturbation_scale,
            "discriminator_normalization": self.discriminator_normalization,
        }


@register_model
def dragan(latent_dim=100, image_shape=(32, 32, 1), base_filters=64,
           generator_loss="non_saturating", gp_weight=10.0, perturbation_scale=0.5,
           discriminator_normalization="layer", seed=None, **tricks):
    """DRAGAN on the DCGAN generator and a layer-norm discriminator (Kodali et al. 2017)."""
    return DRAGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                  generator_loss=generator_loss, gp_weight=gp_weight,
                  perturbation_scale=perturbation_scale,
                  discriminator_normalization=discriminator_normalization, seed=seed,
                  name="dragan", **tricks)
