"""CatGAN: categorical GAN, a discriminator that clusters real data into K categories.

Reference:
    Springenberg, 2015, "Unsupervised and Semi-supervised Learning with Categorical
    Generative Adversarial Networks", ICLR 2016. https://arxiv.org/abs/1511.06390
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgan import losses, networks, validation
from kerasgan.models.base import AdversarialModel
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class CatGAN(AdversarialModel):
    """Categorical GAN with the entropy objectives of Springenberg 2015, Eq. 7.

    The discriminator is a K-way classifier (softmax over `num_categories` logits)
    with no real/fake output. D wants to be certain about each real image (low
    conditional entropy), to use all K categories over the real batch (high marginal
    entropy) and to be uncertain about fakes (high conditional entropy). G wants its
    fakes classified with certainty and spread over all categories. The dataset's
    labels, if any, are ignored; after training, D's categories are an unsupervised
    clustering (`predict_categories`). Networks are DCGAN's; one-sided label
    smoothing does not apply (there are no real/fake targets) and is ignored.

    Args:
        num_categories: Number of categories K of the discriminator.
        base_filters: Width of the finest convolution layer of each net (DCGAN's).
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, `seed`).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("catgan", base_filters=8)
    >>> model.discriminator.output_shape
    (None, 10)
    >>> model.predict_categories(model.generate(4, seed=0)).shape
    (4,)
    """

    metric_names = ("d_loss", "g_loss", "real_entropy", "fake_entropy",
                    "real_marginal_entropy", "fake_marginal_entropy")
    paper = "Springenberg 2015, https://arxiv.org/abs/1511.06390"

    def __init__(self, num_categories=10, base_filters=64, **kwargs):
        self.num_categories = validation.check_int_at_least("num_categories", num_categories, 2)
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        super().__init__(**kwargs)

    def build_generator(self):
        return networks.dcgan_generator(self.latent_dim, self.image_shape, self.base_filters)

    def build_discriminator(self):
        return networks.catgan_discriminator(self.image_shape, self.num_categories,
                                             self.base_filters)

    def train_step(self, data):
        real_images, _ = self.unpack(data)  # unsupervised: labels are not used
        batch_size = tf.shape(real_images)[0]

        # Discriminator step: max H_X[p(y|D)] - E_x H[p(y|x,D)] + E_z H[p(y|G(z),D)].
        fake_images, _ = self.replay(
            self.generator(self.sample_latents(batch_size), training=True))
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            d_loss = (losses.catgan_discriminator_loss(real_logits, fake_logits)
                      + self.discriminator_penalty(real_images))
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Generator step, on fresh noise: min -H_G[p(y|D)] + E_z H[p(y|G(z),D)].
        with tf.GradientTape() as tape:
            fake_images = self.generator(self.sample_latents(batch_size), training=True)
            g_logits = self.discriminator(fake_images, training=True)
            g_loss = losses.catgan_generator_loss(g_logits)
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        return self.update_metrics(
            d_loss=d_loss,
            g_loss=g_loss,
            real_entropy=losses.conditional_entropy(real_logits),
            fake_entropy=losses.conditional_entropy(g_logits),
            real_marginal_entropy=losses.marginal_entropy(real_logits),
            fake_marginal_entropy=losses.marginal_entropy(g_logits),
        )

    def realness(self, outputs):
        """CatGAN's discriminator has no real/fake logit: the R1 penalty constrains
        the gradient of `logsumexp` of its category logits instead, the log of the
        unnormalized density an energy-based reading of a classifier gives (Grathwohl
        et al. 2019, https://arxiv.org/abs/1912.03263)."""
        return tf.reduce_logsumexp(outputs, axis=-1)

    def predict_categories(self, images, batch_size=256):
        """The discriminator's category for each image: int32 numpy `[N]`.

        Args:
            images: float images in [-1, 1], `[N, H, W, C]`.
            batch_size: Images per discriminator call.
        """
        images = np.asarray(images, np.float32)
        logits = [self.discriminator(images[start:start + batch_size], training=False)
                  for start in range(0, len(images), batch_size)]
        return np.argmax(np.concatenate(logits), axis=-1).astype(np.int32)

    def get_config(self):
        return {**super().get_config(), "num_categories": self.num_categories,
                "base_filters": self.base_filters}


@register_model
def catgan(latent_dim=100, image_shape=(32, 32, 1), num_categories=10, base_filters=64,
           seed=None, **tricks):
    """CatGAN on digits with K = 10 categories (Springenberg 2015), DCGAN networks."""
    return CatGAN(latent_dim=latent_dim, image_shape=image_shape,
                  num_categories=num_categories, base_filters=base_filters, seed=seed,
                  name="catgan", **tricks)
