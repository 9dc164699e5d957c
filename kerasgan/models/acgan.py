"""AC-GAN: the discriminator also classifies, the generator is class-conditional.

Reference:
    Odena, Olah & Shlens, 2017, "Conditional Image Synthesis with Auxiliary
    Classifier GANs", ICML 2017. https://arxiv.org/abs/1610.09585
"""

import keras
import tensorflow as tf

from kerasgan import losses, networks
from kerasgan.models.dcgan import DCGAN
from kerasgan.registry import register_model


def _accuracy(class_logits, labels):
    """Fraction of `labels` that are the argmax of `class_logits`."""
    predicted = tf.argmax(class_logits, axis=-1, output_type=tf.int32)
    return tf.reduce_mean(tf.cast(tf.equal(predicted, labels), tf.float32))


@keras.saving.register_keras_serializable(package="kerasgan")
class ACGAN(DCGAN):
    """Auxiliary-classifier GAN on the DCGAN architecture.

    The generator takes `[z, label]` like CGAN's. The discriminator does not take the
    label: it sees the image only and has two heads, the source logit (real or fake)
    and logits over the classes. With `L_S` the log-likelihood of the correct source
    and `L_C` that of the correct class (Odena et al. 2017, Eq. 2), D maximises
    `L_S + L_C` on real and fake images, and G maximises `L_C - L_S` on its fakes,
    with `-L_S` replaced by the non-saturating `log D(G(z))` by default. Fakes are
    generated for the labels of the real batch, a draw from the class prior `p_c`.

    Args:
        num_classes: Number of classes (required), e.g. 10 for digits.
        **kwargs: `DCGAN` arguments (`base_filters`, `generator_loss`, ...).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("acgan", base_filters=8)
    >>> [tuple(shape) for shape in model.discriminator.output_shape]
    [(None, 1), (None, 10)]
    >>> model.generate(3, labels=[7, 7, 7], seed=1).shape
    (3, 32, 32, 1)
    """

    conditional = True
    metric_names = ("d_loss", "g_loss", "real_score", "fake_score", "real_class_loss",
                    "real_accuracy", "fake_accuracy")
    paper = "Odena et al. 2017, https://arxiv.org/abs/1610.09585"

    def build_discriminator(self):
        return networks.acgan_discriminator(self.image_shape, self.num_classes, self.base_filters)

    def discriminator_inputs(self, images, labels=None):
        """The discriminator sees images only: the class is what it predicts."""
        del labels
        return images

    def train_step(self, data):
        real_images, labels = self.unpack(data)
        batch_size = tf.shape(real_images)[0]

        # Discriminator step: maximise L_S + L_C on real and fake images.
        fake_images = self.generator(
            self.generator_inputs(self.sample_latents(batch_size), labels), training=True
        )
        fake_images, fake_labels = self.replay(fake_images, labels)
        with tf.GradientTape() as tape:
            real_logits, real_class_logits = self.discriminator(real_images, training=True)
            fake_logits, fake_class_logits = self.discriminator(fake_images, training=True)
            real_class_loss = losses.auxiliary_classifier_loss(real_class_logits, labels)
            d_loss = (
                self.d_loss_fn(real_logits, fake_logits, real_target=1.0 - self.label_smoothing)
                + real_class_loss
                + losses.auxiliary_classifier_loss(fake_class_logits, fake_labels)
                + self.discriminator_penalty(real_images)
            )
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Generator step, on fresh noise: maximise L_C - L_S on the fakes.
        with tf.GradientTape() as tape:
            fake_images = self.generator(
                self.generator_inputs(self.sample_latents(batch_size), labels), training=True
            )
            g_logits, g_class_logits = self.discriminator(fake_images, training=True)
            g_loss = self.g_loss_fn(g_logits) + losses.auxiliary_classifier_loss(
                g_class_logits, labels
            )
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        return self.update_metrics(
            d_loss=d_loss,
            g_loss=g_loss,
            **self.critic_logs(real_logits, fake_logits, d_loss),
            real_class_loss=real_class_loss,
            real_accuracy=_accuracy(real_class_logits, labels),
            fake_accuracy=_accuracy(g_class_logits, labels),
        )


@register_model
def acgan(latent_dim=100, image_shape=(32, 32, 1), num_classes=10, base_filters=64,
          generator_loss="non_saturating", seed=None, **tricks):
    """AC-GAN on the 10 digit classes (Odena et al. 2017), DCGAN networks."""
    return ACGAN(latent_dim=latent_dim, image_shape=image_shape, num_classes=num_classes,
                 base_filters=base_filters, generator_loss=generator_loss, seed=seed,
                 name="acgan", **tricks)
