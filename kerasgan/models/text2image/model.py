"""The `Text2Image` model (GAN-INT-CLS): captions drawn and judged in the train step,
generation from text, the export's text and token signatures, and the `text2image`
factory. See the family's `__init__` for the reference."""

import keras
import numpy as np
import tensorflow as tf

from kerasgan import distribute, losses, text, validation
from kerasgan.models.base import AdversarialModel
from kerasgan.models.text2image import serving
from kerasgan.models.text2image.networks import (character_text_encoder,
                                                 matching_aware_discriminator,
                                                 text_conditioned_generator)
from kerasgan.registry import register_model


@keras.saving.register_keras_serializable(package="kerasgan")
class Text2Image(AdversarialModel):
    """GAN-INT-CLS (Reed et al. 2016): images from captions, e.g. "the digit 7 written
    thickly".

    Three networks: a character-level `text_encoder` (token ids to an embedding
    `phi(t)`), a generator `G(z, phi(t))` and a matching-aware discriminator
    `D(x, phi(t))`.

    - GAN-CLS (Algorithm 1): D is trained on three pairs, {real image, right text}
      as real, and {real image, wrong text} and {fake image, right text} as fake, the two
      fake terms weighted 1/2 each (`losses.matching_aware_discriminator_loss`). The
      wrong texts are captions of another digit, drawn from the caption templates for
      every example (`wrong_captions`): never the same digit, unlike rolling the batch.
    - GAN-INT (Eq. 5): G is also trained to fool D on embeddings interpolated between
      two captions of the batch, `beta * phi(t1) + (1 - beta) * phi(t2)` with
      `beta = 0.5`, the batch's captions paired with the batch rolled by one; D judges
      those fakes but never trains on them (there is no real image for them).
    - G's loss is non-saturating on both terms.

    The text encoder is trained by the discriminator's loss (it is in D's player); why,
    and what differs from the paper, is in the family's `__init__`.

    Batches are `(images, {"tokens", "label"})` (`data.load_captions`), the labels
    naming each caption's digit; or plain `(images, labels)` of a 10-class digits
    dataset, whose labels get a random plain caption of their digit in the step. Labels
    stand for captions everywhere: `generate(n, labels=7)` draws from
    `label_caption(7)`, "a handwritten seven", which is how the TensorBoard grids,
    evaluation and tests written for class-conditional models work unchanged.

    Export: `serving_default` takes captions as strings, the `.tflite` files token ids
    (`text2image.serving`).

    Args:
        base_filters: Width of the first convolution of D and of the last hidden layer
            of G (the DCGAN convention); the text encoder's convolutions have
            `2 * base_filters` and `4 * base_filters`.
        text_embedding_dim: Size of the text embedding `phi(t)`.
        text_projection_dim: Size the players project the embedding to before using it
            (128 in the paper).
        interpolation_weight: Weight of the GAN-INT term in G's loss; 0 trains GAN-CLS
            alone.
        interpolation_beta: `beta` of the interpolated embeddings, in [0, 1]; 0.5 in
            the paper.
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, `seed`) and
            training tricks. `num_classes` must be 10: the caption templates name digits.
            `replay_buffer_size` is refused: replayed fakes would lose their captions.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("text2image", latent_dim=8, base_filters=4)
    >>> model.generate_from_text(["the digit 7", "a thick handwritten two"], seed=0).shape
    (2, 32, 32, 1)
    >>> model.interpolate("a handwritten one", "a handwritten seven", steps=5, seed=0).shape
    (5, 32, 32, 1)
    """

    metric_names = ("d_loss", "g_loss", "real_score", "wrong_score", "fake_score")
    paper = "Reed et al. 2016, https://arxiv.org/abs/1605.05396"
    conditional = True
    text_input = True
    network_names = ("generator", "discriminator", "text_encoder")
    default_dataset = "digits_captions"
    unsupported_tricks = {"replay_buffer_size": "replayed fakes would be judged without the "
                                                "captions they were made from."}

    def __init__(self, base_filters=64, text_embedding_dim=128, text_projection_dim=128,
                 interpolation_weight=1.0, interpolation_beta=0.5, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.text_embedding_dim = validation.check_positive_int("text_embedding_dim",
                                                                text_embedding_dim)
        self.text_projection_dim = validation.check_positive_int("text_projection_dim",
                                                                 text_projection_dim)
        self.interpolation_weight = validation.check_non_negative_number(
            "interpolation_weight", interpolation_weight)
        self.interpolation_beta = validation.check_fraction(
            "interpolation_beta", interpolation_beta, upper_inclusive=True)
        num_classes = kwargs.setdefault("num_classes", 10)
        if num_classes != 10:
            raise ValueError(
                "text2image's caption templates name the ten digits, so `num_classes` must "
                f"be 10 (labels stand for captions). Received: num_classes={num_classes!r}")
        self.captions = text.CaptionBank()
        super().__init__(**kwargs)

    # Networks ---------------------------------------------------------------------

    def build_generator(self):
        return text_conditioned_generator(self.latent_dim, self.text_embedding_dim,
                                          self.image_shape, self.base_filters,
                                          self.text_projection_dim)

    def build_discriminator(self):
        return matching_aware_discriminator(self.image_shape, self.text_embedding_dim,
                                            self.base_filters, self.text_projection_dim)

    def build_text_encoder(self):
        return character_text_encoder(filters=2 * self.base_filters,
                                      embedding_dim=self.text_embedding_dim)

    def player_networks(self):
        """The matching-aware loss trains the text encoder: it is on D's side."""
        return {"discriminator": [self.discriminator, self.text_encoder],
                "generator": [self.generator]}

    # Captions -----------------------------------------------------------------------

    def label_caption(self, label):
        """The caption class `label` stands for: "a handwritten seven" for 7."""
        return text.label_caption(label)

    def example_captions(self):
        """Every template caption (`text.CaptionBank.examples`), as the card shows them."""
        return self.captions.examples()

    def wrong_captions(self, labels, seed):
        """Mismatching captions for the matching-aware loss: for each label, a caption
        (any template) of another digit (`text.CaptionBank.draw_wrong`). Returns
        `(token_ids, wrong_labels)`."""
        return self.captions.draw_wrong(labels, seed, self.num_classes)

    def unpack_captions(self, data_batch):
        """Splits a batch into `(images, token_ids, labels)`: `(images, {"tokens",
        "label"})` batches (`data.load_captions`) give their own captions, `(images,
        labels)` batches a random plain caption of each label. Raises a ValueError for a
        batch without labels or with the wrong shapes."""
        if not isinstance(data_batch, (tuple, list)) or len(data_batch) != 2:
            raise ValueError(
                "text2image trains on (images, {'tokens', 'label'}) batches "
                "(kerasgan.data.load_captions('digits_captions')) or (images, labels). "
                f"Received: a batch of type {type(data_batch).__name__}")
        images, conditions = data_batch
        if not isinstance(conditions, dict):
            images, labels = self.unpack((images, conditions))
            return images, self.captions.draw(labels, distribute.replica_seed(
                self.noise_seed)), labels
        missing = sorted({"tokens", "label"} - set(conditions))
        if missing:
            raise ValueError(
                "text2image needs each caption's token ids and the digit it names (to draw "
                f"captions of other digits). Missing batch keys: {missing}. Received keys: "
                f"{sorted(conditions)}")
        images, labels = self.unpack((images, conditions["label"]))
        tokens = tf.cast(conditions["tokens"], tf.int32)
        if tokens.shape.rank != 2 or tokens.shape[-1] != text.MAX_CAPTION_LENGTH:
            raise ValueError(f"Caption tokens must be [batch, {text.MAX_CAPTION_LENGTH}]. "
                             f"Received: tokens with shape {tokens.shape}")
        return images, tokens, labels

    # Training ------------------------------------------------------------------------

    def discriminator_inputs(self, images, text_embedding=None):
        """Packs the discriminator's inputs: `[images, text_embedding]`."""
        return [images, text_embedding]

    def generator_inputs(self, z, labels=None):
        """`[z, text_embedding]` of each label's caption (`label_caption`), so code
        written for class-conditional models (grids, tests) drives the generator."""
        if labels is None:
            raise ValueError("text2image's generator needs a caption: pass class `labels` "
                             "(their captions) or use generate_from_text.")
        tokens = self.condition_tokens({"label": labels})
        return [tf.convert_to_tensor(z, tf.float32), self.text_encoder(tokens, training=False)]

    def train_step(self, data_batch):
        images, tokens, labels = self.unpack_captions(data_batch)
        batch_size = tf.shape(images)[0]
        wrong_tokens, _ = self.wrong_captions(labels, distribute.replica_seed(self.noise_seed))

        # Discriminator (and text encoder) step, GAN-CLS (Algorithm 1): {real, right
        # text} is real, {real, wrong text} and {fake, right text} are fake.
        fakes = self.generator(
            [self.sample_latents(batch_size), self.text_encoder(tokens, training=True)],
            training=True)
        with tf.GradientTape() as tape:
            right = self.text_encoder(tokens, training=True)
            wrong = self.text_encoder(wrong_tokens, training=True)
            real_logits = self.discriminator([images, right], training=True)
            wrong_logits = self.discriminator([images, wrong], training=True)
            fake_logits = self.discriminator([fakes, right], training=True)
            d_loss = losses.matching_aware_discriminator_loss(
                real_logits, fake_logits, wrong_logits, real_target=1.0 - self.label_smoothing,
            ) + self.discriminator_penalty(images, right)
        self.apply_gradients(tape, d_loss, self.player_networks()["discriminator"],
                             self.d_optimizer)

        # Generator step: fool D with the right texts and, GAN-INT (Eq. 5), with
        # embeddings interpolated between two captions of the batch. The embeddings are
        # inputs here: the text encoder belongs to D's player.
        right = tf.stop_gradient(self.text_encoder(tokens, training=True))
        beta = self.interpolation_beta
        interpolated = beta * right + (1.0 - beta) * tf.roll(right, shift=1, axis=0)
        with tf.GradientTape() as tape:
            fakes = self.generator([self.sample_latents(batch_size), right], training=True)
            g_loss = losses.non_saturating_generator_loss(
                self.discriminator([fakes, right], training=True))
            if self.interpolation_weight:
                interpolated_fakes = self.generator(
                    [self.sample_latents(batch_size), interpolated], training=True)
                g_loss += self.interpolation_weight * losses.non_saturating_generator_loss(
                    self.discriminator([interpolated_fakes, interpolated], training=True))
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        return self.update_metrics(
            d_loss=d_loss, g_loss=g_loss,
            real_score=tf.reduce_mean(tf.sigmoid(real_logits)),
            wrong_score=tf.reduce_mean(tf.sigmoid(wrong_logits)),
            fake_score=tf.reduce_mean(tf.sigmoid(fake_logits)),
        )

    # Sampling ------------------------------------------------------------------------

    def condition_tokens(self, inputs):
        """Token ids `[batch, 48]` from serving inputs: `token_ids`, `text` (strings,
        checked and tokenized, in graphs with TF ops) or `label` (its caption)."""
        if "token_ids" in inputs:
            return tf.cast(inputs["token_ids"], tf.int32)
        if "text" in inputs:
            if not tf.is_tensor(inputs["text"]):
                return tf.constant(text.tokenize(inputs["text"]))
            return text.tokenize_tensor(inputs["text"], check=True)
        if "label" in inputs:
            return tf.gather(tf.constant(self.captions.tokens),
                             self.captions.label_rows(inputs["label"]))
        raise ValueError(f"text2image needs `text`, `token_ids` or `label` inputs. "
                         f"Received keys: {sorted(inputs)}")

    def generate_from(self, inputs, training=False):
        """Images in [-1, 1] of serving inputs: `z` and `text`, `token_ids` or `label`."""
        embedding = self.text_encoder(self.condition_tokens(inputs), training=training)
        return self.sampler([tf.convert_to_tensor(inputs["z"], tf.float32), embedding],
                            training=training)

    def embed_text(self, texts):
        """The text encoder's embeddings of captions (str or list of str), float32
        numpy `[n, text_embedding_dim]`; raises a ValueError naming an empty or
        over-long caption."""
        return np.asarray(self.text_encoder(text.tokenize(texts), training=False))

    def check_inputs(self, inputs, num_images):
        """`generate(token_ids=..., z=...)`: captions' token ids `[num_images, 48]` in
        place of the labels' captions, and latents `[num_images, latent_dim]` in place
        of drawn ones (`generate_from_text` passes them)."""
        inputs = dict(inputs)
        chosen = {key: inputs.pop(key, None) for key in ("token_ids", "z")}
        super().check_inputs(inputs, num_images)
        if chosen["z"] is not None:
            chosen["z"] = np.asarray(chosen["z"], np.float32)
            if chosen["z"].shape != (num_images, self.latent_dim):
                raise ValueError(f"`z` must have shape ({num_images}, {self.latent_dim}). "
                                 f"Received: z with shape {chosen['z'].shape}")
        return chosen

    def generate_from_text(self, texts, seed=None, z=None, batch_size=256):
        """Generates one image per caption.

        Args:
            texts: A caption or a list of captions (at most 48 characters each; ASCII
                letters are lowercased, characters outside the vocabulary are unknown).
            seed: Int seed of the latents, drawn as `generate(seed=...)` and the
                `sample` signature draw them; random if None.
            z: Latents `[len(texts), latent_dim]` to use instead of drawing them.
            batch_size: Images per generator call.

        Returns:
            numpy array, float32 in [-1, 1], `[len(texts), *image_shape]`.

        Raises:
            ValueError: for an empty or over-long caption, or `z` of the wrong shape.
        """
        tokens = text.tokenize(texts)
        return self.generate(len(tokens), seed=seed, batch_size=batch_size, token_ids=tokens,
                             z=z)

    def interpolate(self, text_a, text_b, steps=8, seed=None):
        """Images along the line between two captions' embeddings, with one fixed `z`
        (Reed et al., Figure 8): step `i` uses `(1 - b) * phi(text_a) + b * phi(text_b)`,
        `b = i / (steps - 1)`. The first image is `generate_from_text([text_a], seed)`,
        the last `generate_from_text([text_b], seed)`.

        Returns:
            numpy array, float32 in [-1, 1], `[steps, *image_shape]`.
        """
        steps = validation.check_int_at_least("steps", steps, 2)
        embeddings = self.embed_text([text_a, text_b])
        betas = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        mixed = (1.0 - betas) * embeddings[0] + betas * embeddings[1]
        if seed is None:
            seed = np.random.randint(0, 2**31 - 1)
        z = tf.repeat(self.draw_latents(1, int(seed))["z"], steps, axis=0)
        return np.asarray(self.sampler([z, tf.constant(mixed)], training=False), np.float32)

    # Export --------------------------------------------------------------------------

    def condition_specs(self):
        """`text` tf.string `[None]`: one caption per image."""
        return {"text": tf.TensorSpec([None], tf.string, name="text")}

    def input_distributions(self):
        """`z` and `text` (with the tokenizer): `serving.text_inputs`."""
        return serving.text_inputs(self)

    def serving_spec(self):
        """`serving_default` (`text`, `z`), `sample` (`num_images`, `seed`, `text` used in
        turn) and `generate_from_tokens` (`token_ids` int32 `[None, 48]`, `z`), all to
        `images` uint8; only `generate_from_tokens` becomes `.tflite` files, with
        `vocab.txt` beside them (`text2image.serving.text_spec`)."""
        return serving.text_spec(self, super().serving_spec())

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters,
                "text_embedding_dim": self.text_embedding_dim,
                "text_projection_dim": self.text_projection_dim,
                "interpolation_weight": self.interpolation_weight,
                "interpolation_beta": self.interpolation_beta}


@register_model(default_dataset=Text2Image.default_dataset)
def text2image(latent_dim=100, image_shape=(32, 32, 1), num_classes=10, base_filters=32,
               text_embedding_dim=128, text_projection_dim=128, interpolation_weight=1.0,
               interpolation_beta=0.5, seed=None, **tricks):
    """GAN-INT-CLS on the embedded `digits_captions` (Reed et al. 2016): captions such as
    "the digit 7 written thickly" to 32x32x1 digits. A character CNN text encoder
    (trained by D's loss), a DCGAN generator on `[z, projected text]`, a matching-aware
    DCGAN discriminator, GAN-INT with beta 0.5. `**tricks`: all but the replay buffer.
    """
    return Text2Image(latent_dim=latent_dim, image_shape=image_shape, num_classes=num_classes,
                      base_filters=base_filters, text_embedding_dim=text_embedding_dim,
                      text_projection_dim=text_projection_dim,
                      interpolation_weight=interpolation_weight,
                      interpolation_beta=interpolation_beta, seed=seed, name="text2image",
                      **tricks)
