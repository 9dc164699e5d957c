"""LSGAN: least-squares GAN on the DCGAN networks.

Reference:
    Mao, Li, Xie, Lau, Wang & Smolley, 2017, "Least Squares Generative Adversarial
    Networks", ICCV. https://arxiv.org/abs/1611.04076
"""

import keras

from kerasgan.models.dcgan import DCGAN
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class LSGAN(DCGAN):
    """DCGAN trained with the least-squares objective of Mao et al. (Eq. 9, a=0, b=c=1).

    D regresses its raw (linear) output to 1 on real and 0 on generated images,
    minimizing `1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]`; G minimizes
    `1/2 E[(D(G(z)) - 1)^2]`. Unlike the sigmoid loss, the penalty keeps growing
    for fakes that D classifies correctly but that lie far from the real data,
    so G's gradient does not vanish. One D step per G step, Adam(2e-4, beta_1=0.5)
    (the paper's settings, as DCGAN's).

    One-sided label smoothing (the `label_smoothing` variable, see
    `kerasgan.callbacks.LabelSmoothing`) lowers the real target `b` to
    `1 - label_smoothing`; the fake target stays 0.

    Logged: `d_loss`, `g_loss`, and `real_output` / `fake_output`, D's mean raw output
    on the real and generated batch (targets 1 and 0).

    Args:
        base_filters: Width of the finest convolution layer of each net (64 in DCGAN).
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, ...).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("lsgan", base_filters=8)
    >>> model.compile()
    >>> model.generate(2, seed=0).shape
    (2, 32, 32, 1)
    """

    metric_names = ("d_loss", "g_loss", "real_output", "fake_output")
    score_logs = "output"
    last_step_logs = ("real_output", "fake_output")
    paper = "Mao et al. 2017, https://arxiv.org/abs/1611.04076"

    def __init__(self, base_filters=64, **kwargs):
        super().__init__(base_filters=base_filters, generator_loss="least_squares", **kwargs)

    # GAN's train step runs the LSGAN game: `generator_loss="least_squares"` selects the
    # least-squares pair in losses.py, real target 1 - label_smoothing included.

    def get_config(self):
        config = super().get_config()
        config.pop("generator_loss")  # fixed by the variant
        return config


@register_model
def lsgan(latent_dim=100, image_shape=(32, 32, 1), base_filters=64, d_steps=1,
          minibatch_features=None, seed=None, **tricks):
    """LSGAN on the DCGAN networks (Mao et al. 2017)."""
    return LSGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                 d_steps=d_steps, minibatch_features=minibatch_features, seed=seed,
                 name="lsgan", **tricks)
