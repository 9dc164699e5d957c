"""The `StyleGAN` model: style mixing, lazy R1 and the running `w_avg` in the train
step, truncated sampling, and the `stylegan` factory. See the family's `__init__` for
the references; layers and networks are in `layers.py` and `networks.py`."""

import keras
import numpy as np
import tensorflow as tf

from kerasgan import distribute, losses, validation
from kerasgan.images import to_uint8
from kerasgan.models.base import AdversarialModel
from kerasgan.models.stylegan.networks import num_ws, stylegan_discriminator, stylegan_generator
from kerasgan.registry import register_model

@keras.saving.register_keras_serializable(package="kerasgan")
class StyleGAN(AdversarialModel):
    """StyleGAN2 (config E of Karras et al. 2020, without path length regularization).

    The generator is `mapping` (`z -> w`), `truncation` (holds `w_avg`) and
    `synthesis` (`[w_0, ..., w_{L-1}] -> image`), chained as one functional model
    taking `z`. The train step calls `mapping` and `synthesis` directly: with
    probability `style_mixing` per image it maps a second `z` and switches from the
    first `w` to the second at a random layer (Karras et al. 2019, Section 3.1),
    and it moves `w_avg` toward the batch's `w`. Loss: the non-saturating logistic
    loss, with the R1 penalty on reals (`r1_weight` = gamma) applied lazily, every
    `r1_interval` train steps and multiplied by the interval (Karras et al.
    2020, Section 3.1). Path length regularization is not implemented.

    Sampling: `generate(n, truncation=psi)` and the exported `truncated` signature
    serve `w_avg + psi * (w - w_avg)`; psi = 1 is the plain generator.

    Args:
        base_filters: Channels at the finest resolution; each coarser one doubles
            them, up to `8 * base_filters`. 4 makes a test-sized model.
        w_dim: Size of `w`; None: the widest layer's width, `8 * base_filters`
            (512 in the paper, whose widest layers are 512 wide).
        mapping_layers: Dense layers of the mapping network, >= 1 (8 in the paper).
        mapping_lr_multiplier: Learning-rate multiplier of the mapping network (0.01).
        style_mixing: Probability that a training image mixes two `w`s (0.9).
        w_avg_decay: Decay of the running mean `w_avg` per step (0.995).
        r1_interval: R1 every this many train steps, >= 1 (16 in the paper).
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape` square
            with a power-of-two side >= 8, `r1_weight`, `ema_decay`, ...).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("stylegan", latent_dim=8, base_filters=4, w_dim=8,
    ...                               mapping_layers=2)
    >>> model.synthesis.input_shape
    (None, 8, 8)
    >>> model.generate(2, seed=0, truncation=0.5).shape
    (2, 32, 32, 1)
    """

    metric_names = ("d_loss", "g_loss", "real_score", "fake_score", "r1_penalty")
    paper = "Karras et al. 2020, https://arxiv.org/abs/1912.04958"

    def __init__(self, base_filters=32, w_dim=None, mapping_layers=8, mapping_lr_multiplier=0.01,
                 style_mixing=0.9, w_avg_decay=0.995, r1_interval=16, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.w_dim = (8 * self.base_filters if w_dim is None
                      else validation.check_positive_int("w_dim", w_dim))
        self.mapping_layers = validation.check_positive_int("mapping_layers", mapping_layers)
        self.mapping_lr_multiplier = validation.check_positive_number(
            "mapping_lr_multiplier", mapping_lr_multiplier)
        self.style_mixing = validation.check_fraction("style_mixing", style_mixing,
                                                      upper_inclusive=True)
        self.w_avg_decay = validation.check_fraction("w_avg_decay", w_avg_decay)
        self.r1_interval = validation.check_positive_int("r1_interval", r1_interval)
        self._w_dim_given = w_dim
        self.d_loss_fn = losses.get("non_saturating", "discriminator")
        self.g_loss_fn = losses.get("non_saturating", "generator")
        super().__init__(**kwargs)
        self.num_ws = num_ws(self.image_shape)

    def build_generator(self):
        return stylegan_generator(self.latent_dim, self.image_shape, self.base_filters,
                                  self.w_dim, self.mapping_layers, self.mapping_lr_multiplier,
                                  self.w_avg_decay, self.seed)

    def build_discriminator(self):
        return stylegan_discriminator(self.image_shape, self.base_filters)

    @property
    def mapping(self):
        """The mapping network `z -> w` (part of `generator`)."""
        return self.generator.get_layer("mapping")

    @property
    def synthesis(self):
        """The synthesis network `ws [batch, num_ws, w_dim] -> images` (part of
        `generator`)."""
        return self.generator.get_layer("synthesis")

    @property
    def truncation(self):
        """The `Truncation` layer holding `w_avg` (part of `generator`)."""
        return self.generator.get_layer("truncation")

    @property
    def w_avg(self):
        """The running mean of `w`, a non-trainable variable `[w_dim]`."""
        return self.truncation.w_avg

    def default_optimizer(self, player):
        """Adam(2e-3, beta_1=0, beta_2=0.99, epsilon=1e-8) for both players, as in
        Karras et al. 2020 (Appendix B; the mapping network's 100x lower rate comes from
        its `lr_multiplier`). The lazy-regularization correction of the Adam
        hyperparameters (`c = k / (k + 1)`) is not applied."""
        del player
        return keras.optimizers.Adam(learning_rate=2e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    # Training -------------------------------------------------------------------

    def mix_styles(self, w, w_other, seed):
        """Per-layer `w`s `[batch, num_ws, w_dim]` with style mixing.

        Each image, with probability `style_mixing`, takes `w` for the layers before a
        crossover layer drawn uniformly in `[1, num_ws)` and `w_other` from there on;
        the others take `w` for every layer.

        Args:
            w, w_other: `[batch, w_dim]` from two latents.
            seed: Stateless seed `[2]`.
        """
        batch = tf.shape(w)[0]
        mix_seed, cut_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        mixed = tf.random.stateless_uniform([batch], mix_seed, alg="philox") < self.style_mixing
        crossover = tf.random.stateless_uniform([batch], cut_seed, 1, self.num_ws,
                                                dtype=tf.int32, alg="philox")
        crossover = tf.where(mixed, crossover, self.num_ws)
        first = tf.range(self.num_ws)[None, :] < crossover[:, None]  # [batch, num_ws]
        return tf.where(first[:, :, None], w[:, None, :], w_other[:, None, :])

    def training_images(self, batch_size):
        """Generated images for one player's step, in training mode: fresh `z`s,
        style mixing and noise. Returns `(images, w)`, `w` of the first latent."""
        w = self.mapping(self.sample_latents(batch_size), training=True)
        if self.style_mixing:
            w_other = self.mapping(self.sample_latents(batch_size), training=True)
            ws = self.mix_styles(w, w_other, distribute.replica_seed(self.noise_seed))
        else:
            ws = tf.repeat(w[:, None, :], self.num_ws, axis=1)
        return self.synthesis(ws, training=True), w

    def lazy_r1(self, real_images):
        """The lazy R1 regularization of this step (Karras et al. 2020, Section 3.1).

        Every `r1_interval` steps (counted by the generator's optimizer, one per train
        step) the penalty is taken `r1_interval` times; the other steps skip it. The
        gradients of the penalty are computed inside a `tf.cond` and returned as
        tensors, and the discriminator step adds them through a linear surrogate:
        differentiating *through* a `tf.cond` that holds a gradient penalty fails
        under XLA with a dynamic batch and `MinibatchStdDev`, and applying a separate
        optimizer step inside the `tf.cond` (the paper's separate regularization
        pass) is a synchronization point that `MirroredStrategy` refuses inside
        control flow.

        Returns:
            `(penalty, applied, gradients)`: the penalty taken this step (0 when
            skipped), 1.0 or 0.0, and its gradient for each discriminator weight
            (zeros when skipped), or `(0.0, 0.0, None)` when `r1_weight` is 0.
        """
        if not self.r1_weight:
            return 0.0, 0.0, None
        weights = self.discriminator.trainable_weights
        interval = float(self.r1_interval)

        def regularize():
            with tf.GradientTape() as tape:
                penalty = interval * self.discriminator_penalty(real_images)
            gradients = tape.gradient(penalty, weights)
            # The last bias does not change the input gradient: no gradient there.
            return [tf.cast(penalty, tf.float32), *[
                tf.zeros_like(w.value) if g is None else tf.convert_to_tensor(g)
                for w, g in zip(weights, gradients)]]

        def skip():
            return [tf.constant(0.0), *[tf.zeros_like(w.value) for w in weights]]

        applied = tf.equal(self.g_optimizer.iterations % self.r1_interval, 0)
        penalty, *gradients = tf.cond(applied, regularize, skip)
        return penalty, tf.cast(applied, tf.float32), gradients

    def train_step(self, data):
        real_images, _ = self.unpack(data)  # unconditional: labels are ignored
        batch_size = tf.shape(real_images)[0]

        # Discriminator: softplus(D(G(z))) + softplus(-D(x)) (+ lazy R1).
        fake_images, _ = self.training_images(batch_size)
        fake_images, _ = self.replay(fake_images)
        penalty, applied, r1_gradients = self.lazy_r1(real_images)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            d_loss = self.d_loss_fn(real_logits, fake_logits,
                                    real_target=1.0 - self.label_smoothing)
            total = d_loss
            if r1_gradients is not None:
                # sum(stop_gradient(g) * w) has gradient g: the penalty's gradient
                # joins the loss's in one update (replica and loss scaling included).
                total = total + tf.add_n([
                    tf.reduce_sum(tf.stop_gradient(g) * tf.cast(w, g.dtype))
                    for g, w in zip(r1_gradients, self.discriminator.trainable_weights)])
        self.apply_gradients(tape, total, self.discriminator, self.d_optimizer)

        # Generator: softplus(-D(G(z))), on fresh latents, mixing and noise.
        with tf.GradientTape() as tape:
            fake_images, w = self.training_images(batch_size)
            g_loss = self.g_loss_fn(self.discriminator(fake_images, training=True))
        self.truncation.update(tf.stop_gradient(w))
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        # The penalty (gamma / 2 * E|grad D|^2, without the interval factor) is
        # averaged over the steps that took it: steps that skip it weigh 0.
        self.trackers["r1_penalty"].update_state(penalty / float(self.r1_interval), applied)
        return self.update_metrics(
            d_loss=d_loss, g_loss=g_loss,
            real_score=tf.reduce_mean(tf.sigmoid(real_logits)),
            fake_score=tf.reduce_mean(tf.sigmoid(fake_logits)),
        )

    # Sampling and serving ---------------------------------------------------------

    def truncated_images(self, z, truncation, training=False):
        """Images of `z` with the truncation trick, in [-1, 1].

        Args:
            z: `[batch, latent_dim]`.
            truncation: psi, a scalar, `[1]` or `[batch]`: `w_avg + psi * (w - w_avg)`.
                1 gives the plain generator's images, 0 the image of `w_avg`.
            training: Run the networks in training mode (fresh noise).

        Uses the averaged weights (and their `w_avg`) when `ema_decay` is set, like
        `generate`.
        """
        def run():
            w = self.mapping(z, training=training)
            w = self.truncation(w, truncation=truncation)
            return self.synthesis(tf.repeat(w[:, None, :], self.num_ws, axis=1),
                                  training=training)

        if self.generator_ema is None or training:
            return run()
        # The EMA's averages are in the order of the generator's weights: read them
        # in place of the generator's own (as the EMA layer does for its clone).
        state = [(weight, average.value) for weight, average
                 in zip(self.generator.weights, self.generator_ema.averages)]
        with keras.StatelessScope(state_mapping=state):
            return run()

    def generate_from(self, inputs, training=False):
        """Runs the generator on `{"z"}`, or with the truncation trick on
        `{"z", "truncation"}`."""
        if inputs.get("truncation") is not None:
            return self.truncated_images(inputs["z"], inputs["truncation"], training)
        return super().generate_from(inputs, training)

    def check_inputs(self, inputs, num_images):
        """`generate(truncation=psi)`: psi a finite number, or one per image, as a
        float32 numpy array `[num_images]` (None: the plain generator). Lower psi trades
        variety for typical images (0.7 is usual)."""
        inputs = dict(inputs)
        truncation = inputs.pop("truncation", None)
        super().check_inputs(inputs, num_images)
        if truncation is None:
            return {}
        values = np.asarray(truncation)
        if values.ndim == 0:
            values = np.full([num_images], values)
        ok = (values.shape == (num_images,) and values.dtype != bool
              and np.issubdtype(values.dtype, np.number) and np.all(np.isfinite(values)))
        if not ok or isinstance(truncation, bool):
            raise ValueError(
                "`truncation` (psi) must be a finite number or one per image "
                f"({num_images}). Received: truncation={truncation!r}")
        return {"truncation": values.astype(np.float32)}

    def serving_spec(self):
        """The base's signatures plus `truncated`: `z` float32 `[None, latent_dim]` and
        `truncation` float32 `[None]` (psi per image, or `[psi]` for all) to `images`
        uint8. The `.tflite` holds `serving_default` only (psi = 1)."""
        spec = super().serving_spec()

        def truncated(z, truncation):
            z = tf.ensure_shape(z, [None, self.latent_dim], name="z")
            return {"images": to_uint8(self.truncated_images(z, truncation))}

        return spec.replace(signatures={**spec.signatures, "truncated": (truncated, [
            tf.TensorSpec([None, self.latent_dim], tf.float32, name="z"),
            tf.TensorSpec([None], tf.float32, name="truncation")])})

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters,
                "w_dim": self._w_dim_given, "mapping_layers": self.mapping_layers,
                "mapping_lr_multiplier": self.mapping_lr_multiplier,
                "style_mixing": self.style_mixing, "w_avg_decay": self.w_avg_decay,
                "r1_interval": self.r1_interval}


@register_model
def stylegan(latent_dim=128, image_shape=(32, 32, 1), base_filters=16, w_dim=None,
             mapping_layers=8, mapping_lr_multiplier=0.01, style_mixing=0.9, w_avg_decay=0.995,
             r1_weight=1.0, r1_interval=16, seed=None, **tricks):
    """StyleGAN2 on 32x32x1 digits (Karras et al. 2020); 64x64 via `image_shape`.

    Defaults: the paper's mapping depth, style mixing and lazy R1 interval, with
    widths and R1 gamma for 32x32 digits. `**tricks`: the training tricks of
    `AdversarialModel` (`ema_decay`, `diffaugment`, `replay_buffer_size`, ...).
    """
    return StyleGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                    w_dim=w_dim, mapping_layers=mapping_layers,
                    mapping_lr_multiplier=mapping_lr_multiplier, style_mixing=style_mixing,
                    w_avg_decay=w_avg_decay, r1_weight=r1_weight, r1_interval=r1_interval,
                    seed=seed, name="stylegan", **tricks)
