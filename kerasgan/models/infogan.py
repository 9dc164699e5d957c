"""InfoGAN: latent codes whose mutual information with the image is maximised.

Reference:
    Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel, 2016, "InfoGAN: Interpretable
    Representation Learning by Information Maximizing Generative Adversarial Nets",
    NeurIPS 2016. https://arxiv.org/abs/1606.03657
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgan import distribute, losses, networks, validation
from kerasgan.models.base import AdversarialModel
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class InfoGAN(AdversarialModel):
    """Unsupervised GAN with a categorical and a continuous latent code.

    The generator takes `z`, a categorical `code` int32 in `[0, num_categories)`
    (uniform) and a `continuous_code` float32 `[continuous_dim]` (uniform in
    [-1, 1]). The recognition network Q shares the discriminator's body and is two
    extra heads of the `discriminator` model, which returns `[logits, code_logits,
    continuous_mean]`. Both players add `lambda * L_I` (Chen et al. 2016, Eq. 6): the
    cross-entropy of Q's prediction of the categorical code and the negative
    log-likelihood of the continuous code under Q's unit-variance Gaussian, on the
    fakes. D's optimizer trains Q with D, since they share weights. The dataset's
    labels, if any, are ignored.

    Which code value ends up meaning which digit is discovered, not chosen: look at
    `generate(10, code=range(10), seed=...)` after training.

    Args:
        num_categories: Values of the categorical code (10 for digits, Section 5.1).
        continuous_dim: Number of continuous codes (2 for digits: rotation, width).
        categorical_weight: `lambda` of the categorical term; 1, as the paper sets
            it for discrete codes (Section 6).
        continuous_weight: `lambda` of the continuous term. With Q's variance fixed
            at 1 its scale is already mild; the paper lowers it when the term
            dominates the GAN objective.
        q_units: Width of Q's hidden layer (128 in the paper's MNIST network).
        base_filters: Width of the finest convolution layer of G and D, as `dcgan`'s
            (`networks.infogan_generator`, `networks.infogan_discriminator`).
        generator_loss: G's GAN term, `"non_saturating"` (default), `"minimax"` or
            `"least_squares"` (`losses.get`); D takes the same objective's loss.
        d_steps: Must be 1 (one D and Q step per G step); kept for `dcgan`'s config.
        minibatch_features: Kept for configs written when InfoGAN subclassed DCGAN;
            InfoGAN's discriminator has no minibatch layer, so it is not used.
        **kwargs: `AdversarialModel` arguments (`latent_dim`, the noise size, 62 in the
            paper's MNIST setup; training tricks but the replay buffer).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("infogan", base_filters=8)
    >>> sorted(model.latent_specs())
    ['code', 'continuous_code', 'z']
    >>> model.generate(10, code=list(range(10)), seed=0).shape
    (10, 32, 32, 1)
    """

    metric_names = ("d_loss", "g_loss", "real_score", "fake_score", "categorical_code_loss",
                    "continuous_code_loss", "code_accuracy")
    paper = "Chen et al. 2016, https://arxiv.org/abs/1606.03657"
    unsupported_tricks = {"replay_buffer_size": "its discriminator step scores Q on the "
                                                "codes of this step's fakes, which replayed "
                                                "fakes do not have."}

    def __init__(self, num_categories=10, continuous_dim=2, categorical_weight=1.0,
                 continuous_weight=1.0, q_units=128, base_filters=64,
                 generator_loss="non_saturating", d_steps=1, minibatch_features=None,
                 **kwargs):
        self.num_categories = validation.check_int_at_least("num_categories", num_categories, 2)
        self.continuous_dim = validation.check_positive_int("continuous_dim", continuous_dim)
        self.categorical_weight = validation.check_non_negative_number(
            "categorical_weight", categorical_weight
        )
        self.continuous_weight = validation.check_non_negative_number(
            "continuous_weight", continuous_weight
        )
        self.q_units = validation.check_positive_int("q_units", q_units)
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.minibatch_features = minibatch_features
        validation.check_choice("generator_loss", generator_loss,
                                (*losses.GENERATOR_LOSSES, "feature_matching"))
        self.generator_loss = generator_loss
        self.d_steps = validation.check_positive_int("d_steps", d_steps)
        if self.d_steps != 1 or generator_loss == "feature_matching":
            raise ValueError(
                f"InfoGAN has its own train step, which does not run d_steps={d_steps!r} "
                f"or generator_loss={generator_loss!r}: those are options of gan, dcgan, "
                "cgan and lsgan.")
        self.g_loss_fn = losses.get(generator_loss, "generator")
        self.d_loss_fn = losses.get(generator_loss, "discriminator")
        super().__init__(**kwargs)

    def build_generator(self):
        return networks.infogan_generator(self.latent_dim, self.image_shape, self.num_categories,
                                          self.continuous_dim, self.base_filters)

    def build_discriminator(self):
        return networks.infogan_discriminator(self.image_shape, self.num_categories,
                                              self.continuous_dim, self.base_filters,
                                              self.q_units)

    def default_optimizer(self, player):
        """Adam(2e-4, beta_1=0.5) for D (and Q), Adam(1e-3, beta_1=0.5) for G, the
        learning rates of Chen et al. 2016, Appendix C."""
        learning_rate = 1e-3 if player == "generator" else 2e-4
        return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.5)

    # Codes ----------------------------------------------------------------------

    def sample_codes(self, batch_size):
        """Draws training codes: `(code, continuous_code)`, uniform, per replica.

        Like `sample_latents`, the seed comes from the model's `SeedGenerator` folded
        with the replica id, so replicas draw different codes.
        """
        seed = distribute.replica_seed(self.noise_seed)
        code_seed, continuous_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        code = tf.random.stateless_uniform([batch_size], code_seed, minval=0,
                                           maxval=self.num_categories, dtype=tf.int32,
                                           alg="philox")
        continuous_code = tf.random.stateless_uniform(
            [batch_size, self.continuous_dim], continuous_seed, minval=-1.0, maxval=1.0,
            alg="philox"
        )
        return code, continuous_code

    def generator_inputs(self, z, labels=None, code=None, continuous_code=None):
        """Packs `[z, code, continuous_code]` for the generator.

        Codes left out get fixed values: `code` cycles `0, 1, ..., num_categories - 1,
        0, ...` over the batch (as `generate` cycles labels of conditional models)
        and `continuous_code` is 0, the centre of its range. So callers that know only
        `z`, such as `TensorBoardImages`, show every code value. `labels` are ignored,
        as for every unconditional model.
        """
        del labels
        # All tensors: Keras refuses a list that mixes numpy arrays and tensors.
        z = tf.convert_to_tensor(z, tf.float32)
        batch_size = tf.shape(z)[0]
        code = (tf.range(batch_size) % self.num_categories if code is None
                else tf.cast(code, tf.int32))
        continuous_code = (tf.zeros([batch_size, self.continuous_dim]) if continuous_code is None
                           else tf.convert_to_tensor(continuous_code, tf.float32))
        return [z, code, continuous_code]

    def information_loss(self, code_logits, continuous_mean, code, continuous_code):
        """`-lambda * L_I` up to the codes' fixed entropy, and its two terms."""
        categorical = losses.mutual_information_categorical_loss(code_logits, code)
        continuous = losses.gaussian_code_loss(continuous_mean, continuous_code)
        total = self.categorical_weight * categorical + self.continuous_weight * continuous
        return total, categorical, continuous

    # Training -------------------------------------------------------------------

    def train_step(self, data):
        real_images, _ = self.unpack(data)  # unsupervised: labels are not used
        batch_size = tf.shape(real_images)[0]

        # Discriminator and Q step: min over D and Q of V(D, G) - lambda * L_I.
        code, continuous_code = self.sample_codes(batch_size)
        fake_images = self.generator(
            self.generator_inputs(self.sample_latents(batch_size), None, code, continuous_code),
            training=True,
        )
        with tf.GradientTape() as tape:
            real_logits, _, _ = self.discriminator(real_images, training=True)
            fake_logits, code_logits, continuous_mean = self.discriminator(
                fake_images, training=True
            )
            info_loss, categorical_loss, continuous_loss = self.information_loss(
                code_logits, continuous_mean, code, continuous_code
            )
            d_loss = (
                self.d_loss_fn(real_logits, fake_logits, real_target=1.0 - self.label_smoothing)
                + info_loss
                + self.discriminator_penalty(real_images)
            )
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Generator step, on fresh noise and codes: fool D and make the codes legible to Q.
        g_code, g_continuous_code = self.sample_codes(batch_size)
        with tf.GradientTape() as tape:
            fake_images = self.generator(
                self.generator_inputs(self.sample_latents(batch_size), None, g_code,
                                      g_continuous_code),
                training=True,
            )
            g_logits, g_code_logits, g_continuous_mean = self.discriminator(
                fake_images, training=True
            )
            g_info_loss, _, _ = self.information_loss(
                g_code_logits, g_continuous_mean, g_code, g_continuous_code
            )
            g_loss = self.g_loss_fn(g_logits) + g_info_loss
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        predicted_code = tf.argmax(code_logits, axis=-1, output_type=tf.int32)
        return self.update_metrics(
            d_loss=d_loss,
            g_loss=g_loss,
            real_score=tf.reduce_mean(tf.sigmoid(real_logits)),
            fake_score=tf.reduce_mean(tf.sigmoid(fake_logits)),
            categorical_code_loss=categorical_loss,
            continuous_code_loss=continuous_loss,
            code_accuracy=tf.reduce_mean(tf.cast(tf.equal(predicted_code, code), tf.float32)),
        )

    # Sampling and serving ---------------------------------------------------------

    def check_inputs(self, inputs, num_images):
        """Validates the codes `generate(code=..., continuous_code=...)` chose; returns
        them as numpy arrays (None: drawn with the seed, like `z`).

        `code` is one int for all images or one per image, in `[0, num_categories)`;
        `continuous_code` one vector `[continuous_dim]` or one per image, for the images'
        continuous codes (uniform in [-1, 1] when drawn).
        """
        inputs = dict(inputs)
        code, continuous_code = inputs.pop("code", None), inputs.pop("continuous_code", None)
        super().check_inputs(inputs, num_images)
        if code is not None:
            code = validation.check_categories("code", code, num_images, self.num_categories)
        if continuous_code is not None:
            continuous_code = np.asarray(continuous_code, np.float32)
            if continuous_code.ndim == 1:
                continuous_code = np.tile(continuous_code, [num_images, 1])
            if continuous_code.shape != (num_images, self.continuous_dim):
                raise ValueError(
                    f"`continuous_code` must have shape ({num_images}, {self.continuous_dim}) "
                    f"or ({self.continuous_dim},). Received: continuous_code with shape "
                    f"{continuous_code.shape}"
                )
        return {"code": code, "continuous_code": continuous_code}

    def latent_specs(self):
        """`z`, plus `code` int32 `[None]` and `continuous_code` float32
        `[None, continuous_dim]`: inputs of `serving_default`, drawn by `sample`."""
        return {
            **super().latent_specs(),
            "code": tf.TensorSpec([None], tf.int32, name="code"),
            "continuous_code": tf.TensorSpec(
                [None, self.continuous_dim], tf.float32, name="continuous_code"
            ),
        }

    def input_distributions(self):
        """`z` normal, `code` categorical over `num_categories` values and
        `continuous_code` uniform in [-1, 1], for the model card."""
        return {
            **super().input_distributions(),
            "code": {"distribution": "categorical", "num_values": self.num_categories},
            "continuous_code": {"distribution": "uniform", "low": -1.0, "high": 1.0},
        }

    def draw_latents(self, num_images, seed):
        """Draws `z ~ N(0, I)`, `code` uniform over the categories and
        `continuous_code` uniform in [-1, 1], with stateless ops seeded by `seed`."""
        latents = super().draw_latents(num_images, seed)
        seed = tf.cast(seed, tf.int32)
        latents["code"] = tf.random.stateless_uniform(
            [num_images], tf.stack([seed, 1]), minval=0, maxval=self.num_categories,
            dtype=tf.int32, alg="philox"
        )
        latents["continuous_code"] = tf.random.stateless_uniform(
            [num_images, self.continuous_dim], tf.stack([seed, 2]), minval=-1.0, maxval=1.0,
            alg="philox"
        )
        return latents

    def generate_from(self, inputs, training=False):
        """Runs the generator on `{"z", "code", "continuous_code"}`."""
        return self.sampler(
            self.generator_inputs(inputs["z"], None, inputs["code"], inputs["continuous_code"]),
            training=training,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "generator_loss": self.generator_loss,
            "d_steps": self.d_steps,
            "base_filters": self.base_filters,
            "minibatch_features": self.minibatch_features,
            "num_categories": self.num_categories,
            "continuous_dim": self.continuous_dim,
            "categorical_weight": self.categorical_weight,
            "continuous_weight": self.continuous_weight,
            "q_units": self.q_units,
        }


@register_model
def infogan(latent_dim=62, image_shape=(32, 32, 1), num_categories=10, continuous_dim=2,
            categorical_weight=1.0, continuous_weight=1.0, base_filters=64,
            generator_loss="non_saturating", seed=None, **tricks):
    """InfoGAN on digits (Chen et al. 2016): 62 noise dimensions, one 10-way
    categorical code and 2 continuous codes, DCGAN networks."""
    return InfoGAN(latent_dim=latent_dim, image_shape=image_shape,
                   num_categories=num_categories, continuous_dim=continuous_dim,
                   categorical_weight=categorical_weight, continuous_weight=continuous_weight,
                   base_filters=base_filters, generator_loss=generator_loss, seed=seed,
                   name="infogan", **tricks)
