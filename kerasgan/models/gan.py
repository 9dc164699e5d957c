"""GAN: the original adversarial nets with fully connected players.

Reference:
    Goodfellow et al., 2014, "Generative Adversarial Nets", NeurIPS.
    https://arxiv.org/abs/1406.2661
"""

import keras

from kerasgan import losses, networks, validation
from kerasgan.models.adversarial_step import CriticStepsModel
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class GAN(CriticStepsModel):
    """The two-player game of Goodfellow et al. with one D step per G step.

    Real and fake batches go through the discriminator in separate calls, so batch
    normalization never mixes real and fake statistics. The update is
    `CriticStepsModel.train_step` with the chosen objective of `kerasgan.losses`.

    Args:
        generator_loss: `"non_saturating"` (`-log D(G(z))`, the default, as the paper
            recommends in practice), `"minimax"` (`log(1 - D(G(z)))`), or
            `"feature_matching"`: the generator matches the mean of the
            discriminator's last hidden features on real data (Salimans et al. 2016,
            Section 3.1), while the discriminator keeps the non-saturating loss.
        hidden_units: `(generator_widths, discriminator_widths)` of the MLPs.
        d_steps: Discriminator updates per generator update (each on fresh noise
            and the step's real batch), >= 1.
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, ...)
            and training tricks (`ema_decay`, `replay_buffer_size`, `r1_weight`, ...).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("gan", latent_dim=8, hidden_units=((16,), (16,)))
    >>> model.compile()
    >>> model.generate(2, seed=0).shape
    (2, 32, 32, 1)
    """

    metric_names = ("d_loss", "g_loss", "real_score", "fake_score")
    score_logs = "probability"
    last_step_logs = ("real_score", "fake_score")
    paper = "Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661"

    def __init__(self, generator_loss="non_saturating",
                 hidden_units=((256, 512, 1024), (512, 256)), d_steps=1, **kwargs):
        validation.check_choice("generator_loss", generator_loss,
                                (*losses.GENERATOR_LOSSES, "feature_matching"))
        self.generator_loss = generator_loss
        self.feature_matching = generator_loss == "feature_matching"
        objective = "non_saturating" if self.feature_matching else generator_loss
        self.objective = losses.get(objective, "objective")
        self.g_loss_fn, self.d_loss_fn = self.objective.generator, self.objective.discriminator
        self.hidden_units = tuple(tuple(widths) for widths in hidden_units)
        self.d_steps = self.critic_steps = validation.check_positive_int("d_steps", d_steps)
        if type(self).train_step is not CriticStepsModel.train_step and (
                self.d_steps != 1 or self.feature_matching):
            raise ValueError(
                f"{type(self).__name__} has its own train step, which does not run "
                f"d_steps={d_steps!r} or generator_loss={generator_loss!r}: those are "
                "options of gan, dcgan, cgan, lsgan and dragan."
            )
        super().__init__(**kwargs)
        self.feature_network = (
            networks.penultimate_features(self.core_discriminator)
            if self.feature_matching else None
        )

    def build_generator(self):
        return networks.mlp_generator(
            self.latent_dim, self.image_shape, self.hidden_units[0], self.num_classes
        )

    def build_discriminator(self):
        return networks.mlp_discriminator(self.image_shape, self.hidden_units[1], self.num_classes)

    def generator_loss_value(self, real_images, fake_images, labels=None):
        if not self.feature_matching:
            return super().generator_loss_value(real_images, fake_images, labels)
        return losses.feature_matching_loss(self.discriminator_features(real_images, labels),
                                            self.discriminator_features(fake_images, labels))

    def discriminator_features(self, images, labels=None):
        """The discriminator's last hidden features (the input of its logit layer),
        on DiffAugment-ed images when that trick is on, in training mode."""
        if self.diffaugment:
            images = self.discriminator.get_layer("diffaugment")(images, training=True)
        return self.feature_network(self.discriminator_inputs(images, labels), training=True)

    def get_config(self):
        return {
            **super().get_config(),
            "generator_loss": self.generator_loss,
            "hidden_units": [list(widths) for widths in self.hidden_units],
            "d_steps": self.d_steps,
        }


@register_model
def gan(latent_dim=100, image_shape=(32, 32, 1), generator_loss="non_saturating",
        hidden_units=((256, 512, 1024), (512, 256)), d_steps=1, seed=None, **tricks):
    """GAN with MLP players on 32x32x1 digits (Goodfellow et al. 2014)."""
    return GAN(latent_dim=latent_dim, image_shape=image_shape, generator_loss=generator_loss,
               hidden_units=hidden_units, d_steps=d_steps, seed=seed, name="gan", **tricks)
