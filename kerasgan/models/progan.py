"""ProGAN: progressive growing of GANs, from 4x4 up to the image size.

Both networks start at 4x4 and grow by one resolution at a time on a fixed
schedule; each new block fades in while the previous output is blended out. The
networks use the equalized learning rate, pixelwise feature normalization in the
generator and a minibatch standard-deviation layer at the end of the
discriminator, trained with the WGAN-GP loss plus a small drift term.

How growth fits Keras here:

- Every layer of every resolution is created and built with the model and kept in
  its `blocks` attribute, so the set of variables (and the path each one is saved
  under, in `.keras` files and in `keras.callbacks.BackupAndRestore`'s weight files)
  never changes with the stage.
- `generator` and `discriminator` are functional models rebuilt from those same
  layers at each growth: at stage `s` they hold the blocks of resolutions
  `4 .. 4 * 2**s` only. The generator always returns `image_shape` images (the
  current resolution, nearest-upsampled) and the discriminator always takes them
  (average-pooled to the current resolution first), so `generate`, export and the
  TensorBoard grids work at every stage.
- The schedule is a function of the generator's step counter
  (`g_optimizer.iterations`), which checkpoints restore: the `ProgressiveGrowing`
  callback, which `fit` adds, grows the model when the counter reaches a new stage,
  and loading weights grows it to the stage of the restored counter, so a resumed
  run continues with the architecture it had.

Reference:
    Karras, Aila, Laine & Lehtinen, 2018, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", ICLR. https://arxiv.org/abs/1710.10196
"""

import keras
import tensorflow as tf
from keras import layers, ops

from kerasgan import distribute, losses, networks, validation
from kerasgan.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNorm
from kerasgan.models.base import AdversarialModel
from kerasgan.registry import register_model

_LEAK = 0.2


# Blocks -------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class FadeIn(keras.layers.Layer):
    """Blends a new block's output into the old one: `old + alpha * (new - old)`.

    `alpha` is a non-trainable variable of the layer (saved with it), ramped from 0
    to 1 while a new resolution fades in (Karras et al. 2018, Section 2, Figure 2).
    Its aggregation is "only_first_replica", so a train step may assign it under a
    `tf.distribute` strategy.

    Example:

    >>> import numpy as np
    >>> fade = FadeIn()
    >>> _ = fade.alpha.assign(0.25)
    >>> float(fade([np.zeros((1, 2)), 4 * np.ones((1, 2))])[0, 0])
    1.0
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.alpha = self.add_weight(name="alpha", shape=(), initializer="ones",
                                     trainable=False, aggregation="only_first_replica")

    def call(self, inputs):
        old, new = inputs
        alpha = ops.cast(self.alpha, new.dtype)
        return old + alpha * (new - old)

    def compute_output_shape(self, input_shape):
        return input_shape[1]


@keras.saving.register_keras_serializable(package="kerasgan")
class NearestUpSampling2D(keras.layers.Layer):
    """Nearest-neighbour upsampling by an integer `factor` that keeps the static
    shape: a tile and a reshape, where `keras.layers.UpSampling2D`'s repeats leave
    height, width and channels unknown in the exported graph, and the LiteRT
    converter then finds no builtin kernel for the next convolution.

    Args:
        factor: Integer scale of height and width, >= 1.
    """

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = validation.check_positive_int("factor", factor)

    def call(self, inputs):
        _, height, width, channels = inputs.shape
        f = self.factor
        x = ops.reshape(inputs, (-1, height, 1, width, 1, channels))
        x = ops.tile(x, (1, 1, f, 1, f, 1))
        return ops.reshape(x, (-1, height * f, width * f, channels))

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, height * self.factor, width * self.factor, channels)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="kerasgan")
class ClipOutsideTraining(keras.layers.Layer):
    """Identity in training, clip to [-1, 1] otherwise.

    The ProGAN generator's output is linear and the discriminator sees it unclipped
    in training; the authors clip when they turn outputs into images. Clipping in
    inference mode makes `generate`, the TensorBoard grids and the export return
    images in [-1, 1] from the network itself.
    """

    def call(self, inputs, training=False):
        if training:
            return inputs
        return ops.clip(inputs, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape


def _nearest_upsample(images, factor):
    if factor == 1:
        return images
    return ops.repeat(ops.repeat(images, factor, axis=1), factor, axis=2)


def _average_pool(images, factor):
    if factor == 1:
        return images
    return ops.average_pool(images, pool_size=factor, strides=factor, padding="valid")


# Model --------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class ProGAN(AdversarialModel):
    """Progressively grown GAN (Karras et al. 2018) with the WGAN-GP loss.

    Networks (paper Table 2, scaled by `base_filters`): the generator pixel-normalizes
    `z`, maps it with a dense layer to 4x4 features, then per resolution doubles the
    size (nearest neighbour) and applies two 3x3 convolutions, each followed by a
    leaky ReLU (0.2) and pixel norm; a 1x1 "toRGB" convolution with a linear output
    turns features into images. The discriminator mirrors it: a 1x1 "fromRGB"
    convolution, two 3x3 convolutions and 2x average pooling per resolution, and at
    4x4 a minibatch standard-deviation channel, a 3x3 convolution and two dense
    layers down to one score. Every convolution and dense layer uses the equalized
    learning rate. Widths: `base_filters` at the image size, doubling at each
    coarser resolution, at most `8 * base_filters` (16 doubling to 512 in the paper).

    Schedule (Section 2): the first resolution (4x4) trains for `steps_per_phase`
    generator steps; each further resolution fades in over `steps_per_phase` steps
    (`alpha` ramps linearly from 0 to 1: the new block's toRGB output is blended with
    the upsampled output of the previous resolution, and the discriminator's new
    fromRGB branch with the pooled input through the old one), then trains stable
    for `steps_per_phase` steps. After the last fade the model stays at full size.
    Real images are shown at the current resolution, and during a fade blended
    between it and the previous one with the same `alpha`, as in the authors' code.
    After a fade the blend stays in the networks with `alpha = 1`, so the networks
    change (and the train step is traced again) once per resolution; the old
    toRGB/fromRGB layers then get zero gradients.

    Steps are generator steps (`fit` batches), counted by `g_optimizer.iterations`.
    `fit` grows the networks through the `ProgressiveGrowing` callback, which Keras
    calls once per `steps_per_execution` steps: with more than one step per
    execution a growth happens at the first execution boundary at or after its step
    (`alpha` is still exact, the train step computes it from the counter).

    Loss (Section A.1): WGAN-GP with `gp_weight` 10 and one critic step per
    generator step, plus `drift_weight * E[D(x)^2]` on real scores (0.001), which
    keeps the critic's output from drifting; Adam(1e-3, beta_1=0, beta_2=0.99,
    epsilon=1e-8). The gradient penalty is taken with respect to the images at the
    current resolution (the authors' code takes it on the upsampled image-size
    input, which divides the norm by the upsampling factor). The paper's per-resolution
    batch sizes, learning-rate ramps and averaged generator (EMA) are not done here.

    Logged: `d_loss` (penalty and drift included), `g_loss`, `wasserstein_distance`
    (`E[D(x)] - E[D(G(z))]`), `gradient_penalty`, `drift` (the weighted terms),
    `alpha` and `resolution` (epoch means).

    `export` and `generate` use the current generator: after the schedule's end the
    full-resolution one; exported before, the current stage's images upsampled to
    `image_shape`. The generator clips to [-1, 1] outside training only (see
    `ClipOutsideTraining`).

    Args:
        base_filters: Width at the image resolution; coarser ones double it, up to
            `8 * base_filters`.
        steps_per_phase: Generator steps of each fade-in and each stable phase, >= 1.
        n_critic: Critic updates per generator update (1 in the paper).
        gp_weight: `lambda` of the gradient penalty, >= 0.
        drift_weight: `epsilon_drift`, >= 0.
        minibatch_group_size: Group size of the minibatch standard deviation (4).
        stage: The current resolution index, `0` (4x4) to `num_stages - 1`; set by
            `get_config` so a loaded model has the architecture it was saved with.
        **kwargs: `AdversarialModel` arguments. `image_shape` must be square with a
            power-of-two side >= 8. `ema_decay`, `historical_averaging`,
            `replay_buffer_size` and `diffaugment` are refused: they are built on
            fixed networks (or, for the replay buffer, keep fakes of resolutions
            the model has left); `r1_weight` works.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("progan", latent_dim=8, base_filters=4,
    ...                               steps_per_phase=2)
    >>> model.resolution, model.num_stages, model.generator.output_shape
    (4, 4, (None, 32, 32, 1))
    >>> model.schedule_at(3)  # step 3: half-way through fading in 8x8
    (1, 0.5)
    >>> model.grow_to(1)
    >>> model.resolution
    8
    """

    metric_names = ("d_loss", "g_loss", "wasserstein_distance", "gradient_penalty", "drift",
                    "alpha", "resolution")
    paper = "Karras et al. 2018, https://arxiv.org/abs/1710.10196"
    int8_skip_reason = (
        "pixel norm after every convolution divides by each pixel's feature norm, which "
        "full-integer quantization resolves too coarsely: a grown generator's int8 file "
        "differed from the SavedModel by up to 255 uint8 levels (measured 2026-11-21). "
        "The float32 and float16 files are written and verified.")

    def __init__(self, base_filters=32, steps_per_phase=2000, n_critic=1, gp_weight=10.0,
                 drift_weight=0.001, minibatch_group_size=4, stage=0, generator=None,
                 discriminator=None, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.steps_per_phase = validation.check_positive_int("steps_per_phase", steps_per_phase)
        self.n_critic = validation.check_positive_int("n_critic", n_critic)
        self.gp_weight = validation.check_non_negative_number("gp_weight", gp_weight)
        self.drift_weight = validation.check_non_negative_number("drift_weight", drift_weight)
        self.minibatch_group_size = validation.check_positive_int(
            "minibatch_group_size", minibatch_group_size)
        for key, network in (("generator", generator), ("discriminator", discriminator)):
            if network is not None:
                raise ValueError(
                    f"ProGAN builds its own growing networks and takes no ready-made "
                    f"`{key}`. Received: {key}={network!r}")
        for key in ("ema_decay", "historical_averaging", "replay_buffer_size", "diffaugment"):
            if kwargs.get(key):
                raise ValueError(
                    f"`{key}` does not apply to ProGAN: its networks are rebuilt as they "
                    f"grow, and this option is built on fixed ones. Received: "
                    f"{key}={kwargs[key]!r}")
        self.num_stages = networks.num_resolution_steps(kwargs.get("image_shape", (32, 32, 1))) + 1
        self.stage = validation.check_int_at_least("stage", stage, 0)
        if self.stage >= self.num_stages:
            raise ValueError(f"`stage` must be below num_stages={self.num_stages} "
                             f"(4x4 to the image size). Received: stage={stage!r}")
        super().__init__(**kwargs)

    # Architecture -------------------------------------------------------------------

    @property
    def resolution(self):
        """Side of the images the networks currently make and judge."""
        return 4 * 2 ** self.stage

    def filters_at(self, stage):
        """Feature maps at the resolution of `stage`: `base_filters` at the image
        size, doubling per coarser resolution, at most `8 * base_filters`."""
        return min(self.base_filters * 2 ** (self.num_stages - 1 - stage), 8 * self.base_filters)

    def build_generator(self):
        self._create_blocks()
        return self._generator_at(self.stage)

    def build_discriminator(self):
        return self._discriminator_at(self.stage)

    def _create_blocks(self):
        """Creates every layer of every resolution, then builds them all by tracing
        the networks of each stage once."""
        if getattr(self, "blocks", None) is not None:
            return
        side, channels = self.image_shape[0], self.image_shape[-1]
        generator = [PixelNorm(name="g_normalize_z")]
        discriminator = []
        for stage in range(self.num_stages):
            size, width = 4 * 2 ** stage, self.filters_at(stage)
            g, d = f"g{size}_", f"d{size}_"
            if stage == 0:
                # A dense layer on z is the paper's 4x4 "convolution" of a 1x1 input.
                generator += [
                    EqualizedDense(16 * width, gain=2 ** 0.5 / 4, name=g + "dense"),
                    layers.Reshape((4, 4, width), name=g + "reshape"),
                    layers.LeakyReLU(_LEAK, name=g + "act0"), PixelNorm(name=g + "norm0")]
            else:
                generator += [
                    NearestUpSampling2D(2, name=g + "upsample"),
                    EqualizedConv2D(width, 3, name=g + "conv0"),
                    layers.LeakyReLU(_LEAK, name=g + "act0"), PixelNorm(name=g + "norm0"),
                    NearestUpSampling2D(2, name=g + "upsample_rgb")]
            generator += [EqualizedConv2D(width, 3, name=g + "conv1"),
                          layers.LeakyReLU(_LEAK, name=g + "act1"), PixelNorm(name=g + "norm1"),
                          EqualizedConv2D(channels, 1, gain=1.0, name=g + "to_rgb")]
            if size < side:
                generator.append(NearestUpSampling2D(side // size, name=g + "to_image_size"))
                discriminator.append(layers.AveragePooling2D(side // size,
                                                             name=d + "from_image_size"))
            discriminator += [EqualizedConv2D(width, 1, name=d + "from_rgb"),
                              layers.LeakyReLU(_LEAK, name=d + "from_rgb_act")]
            if stage == 0:
                discriminator += [
                    MinibatchStdDev(self.minibatch_group_size, name=d + "stddev"),
                    EqualizedConv2D(width, 3, name=d + "conv0"),
                    layers.LeakyReLU(_LEAK, name=d + "act0"),
                    layers.Flatten(name=d + "flatten"),
                    EqualizedDense(width, name=d + "dense"),
                    layers.LeakyReLU(_LEAK, name=d + "act1"),
                    EqualizedDense(1, gain=1.0, name=d + "score")]
            else:
                discriminator += [
                    EqualizedConv2D(width, 3, name=d + "conv0"),
                    layers.LeakyReLU(_LEAK, name=d + "act0"),
                    EqualizedConv2D(self.filters_at(stage - 1), 3, name=d + "conv1"),
                    layers.LeakyReLU(_LEAK, name=d + "act1"),
                    layers.AveragePooling2D(2, name=d + "downsample"),
                    layers.AveragePooling2D(2, name=d + "downsample_rgb")]
        generator.append(ClipOutsideTraining(name="g_output"))
        # One attribute that sorts before "d_optimizer", "discriminator", "g_optimizer"
        # and "generator": Keras' weight files visit attributes in name order and each
        # layer once, so every layer is saved under `blocks/...` at every stage.
        self.blocks = {"fade_in": FadeIn(name="fade_in"), "generator": generator,
                       "discriminator": discriminator}
        for stage in range(self.num_stages):
            self._generator_at(stage)
            self._discriminator_at(stage)

    def _block_layers(self, player):
        return {layer.name: layer for layer in self.blocks[player]}

    @property
    def fade(self):
        """The `FadeIn` layer both networks share; `fade.alpha` is the blend weight."""
        return self.blocks["fade_in"]

    def _generator_at(self, stage):
        layer = self._block_layers("generator")
        z = keras.Input((self.latent_dim,), name="z")
        x = layer["g_normalize_z"](z)
        previous = None
        for s in range(stage + 1):
            g = f"g{4 * 2 ** s}_"
            previous = x
            names = (["dense", "reshape", "act0", "norm0"] if s == 0
                     else ["upsample", "conv0", "act0", "norm0"])
            for name in [*names, "conv1", "act1", "norm1"]:
                x = layer[g + name](x)
        g = f"g{self.resolution_at(stage)}_"
        images = layer[g + "to_rgb"](x)
        if stage > 0:
            old = layer[f"g{self.resolution_at(stage - 1)}_to_rgb"](previous)
            images = self.fade([layer[g + "upsample_rgb"](old), images])
        if g + "to_image_size" in layer:
            images = layer[g + "to_image_size"](images)
        images = layer["g_output"](images)
        return keras.Model(z, images, name="generator")

    def _discriminator_at(self, stage):
        layer = self._block_layers("discriminator")
        images = keras.Input(self.image_shape, name="images")

        def from_rgb(s, x):
            d = f"d{self.resolution_at(s)}_"
            return layer[d + "from_rgb_act"](layer[d + "from_rgb"](x))

        def body(s, x):
            d = f"d{self.resolution_at(s)}_"
            names = (["stddev", "conv0", "act0", "flatten", "dense", "act1", "score"]
                     if s == 0 else ["conv0", "act0", "conv1", "act1", "downsample"])
            for name in names:
                x = layer[d + name](x)
            return x

        d = f"d{self.resolution_at(stage)}_"
        x = layer[d + "from_image_size"](images) if d + "from_image_size" in layer else images
        h = body(stage, from_rgb(stage, x))
        if stage > 0:
            old = from_rgb(stage - 1, layer[d + "downsample_rgb"](x))
            h = self.fade([old, h])
            for s in range(stage - 1, -1, -1):
                h = body(s, h)
        return keras.Model(images, h, name="discriminator")

    @staticmethod
    def resolution_at(stage):
        """Side of the images at `stage`: `4 * 2**stage`."""
        return 4 * 2 ** stage

    def grow_to(self, stage):
        """Rebuilds `generator` and `discriminator` with the blocks of resolutions
        `4 .. 4 * 2**stage` (the same layer objects: no weight changes), and makes
        `fit`'s train function anew so the next step traces the new networks."""
        stage = validation.check_int_at_least("stage", stage, 0)
        if stage >= self.num_stages:
            raise ValueError(f"`stage` must be below num_stages={self.num_stages}. "
                             f"Received: stage={stage!r}")
        if stage == self.stage:
            return
        for old in (self.generator, self.discriminator):
            # Keep `model.layers` to the current networks (the old ones hold no state).
            self._tracker.untrack(old)
        self.stage = stage
        self.generator = self._generator_at(stage)
        self.discriminator = self._discriminator_at(stage)
        if getattr(self, "train_function", None) is not None:
            # Keras' fit calls `self.train_function` at every step: the new one traces
            # the grown networks at its first call.
            self.make_train_function(force=True)

    # Schedule -----------------------------------------------------------------------

    def schedule_at(self, step):
        """`(stage, alpha)` of generator step `step` (a Python int).

        Phase `p = step // steps_per_phase`: phase 0 trains 4x4, then odd phases
        fade a new resolution in and even ones train it stable; after the last fade
        the model stays at full size with `alpha = 1`.
        """
        step = validation.check_int_at_least("step", step, 0)
        phase = step // self.steps_per_phase
        stage = min((phase + 1) // 2, self.num_stages - 1)
        return stage, float(self.alpha_at(step, stage))

    def alpha_at(self, step, stage):
        """The fade weight at `step` for the networks of `stage` (a Python number or a
        tensor): 0 to 1 over the fade-in phase of `stage`, 1 once it is over, and
        always 1 at stage 0, which has nothing to fade."""
        if stage == 0:
            return 1.0
        start = (2 * stage - 1) * self.steps_per_phase
        ramp = ops.cast(step - start, "float32") / float(self.steps_per_phase)
        return ops.clip(ramp, 0.0, 1.0)

    def follow_schedule(self):
        """Grows the model to the stage of its step counter and sets `alpha`.

        Returns:
            Whether the networks changed. Does nothing before `compile` (no counter).
        """
        if self.g_optimizer is None:
            return False
        stage, alpha = self.schedule_at(int(self.g_optimizer.iterations.numpy()))
        grown = stage != self.stage
        self.grow_to(stage)
        self.fade.alpha.assign(alpha)
        return grown

    def schedule_callbacks(self):
        """`ProgressiveGrowing`, which `fit` adds to the caller's callbacks."""
        return [ProgressiveGrowing()]

    def load_weights(self, filepath, *args, **kwargs):
        """`keras.Model.load_weights`, then grows the networks to the stage of the
        restored step counter (`BackupAndRestore` resumes through this)."""
        super().load_weights(filepath, *args, **kwargs)
        self.follow_schedule()

    # Optimizers -----------------------------------------------------------------------

    def player_weights(self, player):
        """Every block's trainable weights of `player`, grown or not: `compile` builds
        each optimizer over all of them once, so its slots never change; each step
        applies gradients to the current networks' weights, a subset."""
        if player not in ("generator", "discriminator"):
            return []
        return [w for layer in self.blocks[player] for w in layer.trainable_weights]

    def default_optimizer(self, player):
        """Adam(1e-3, beta_1=0, beta_2=0.99, epsilon=1e-8) for both players
        (Karras et al. 2018, Section A.1)."""
        del player
        return keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    # Training -----------------------------------------------------------------------

    def blend_reals(self, images, alpha):
        """Real images as the networks of the current stage see them: average-pooled
        to the current resolution and, while it fades in, blended with the previous
        resolution by `alpha` (the authors' `process_reals`), then nearest-upsampled
        back to `image_shape`."""
        factor = self.image_shape[0] // self.resolution
        x = _average_pool(images, factor)
        if self.stage > 0:
            coarse = _nearest_upsample(_average_pool(x, 2), 2)
            x = coarse + ops.cast(alpha, x.dtype) * (x - coarse)
        return _nearest_upsample(x, factor)

    def train_step(self, data):
        real_images, labels = self.unpack(data)
        batch_size = tf.shape(real_images)[0]
        # The stage is fixed for a traced step; alpha follows the counter at every step,
        # also between two calls of the callback (steps_per_execution > 1).
        alpha = self.alpha_at(self.g_optimizer.iterations, self.stage)
        if self.stage > 0:
            self.fade.alpha.assign(alpha)
        real_images = self.blend_reals(real_images, alpha)
        discriminator = self.player_networks()["discriminator"]

        def critic(images):
            return self.discriminator(images, training=True)

        # The penalty is taken at the resolution the critic works at: on the pooled
        # images, through the upsampling that is the inverse of the critic's pooling.
        # On the image-size input the norm would be `1 / factor` of it (the authors'
        # code does that), which at 4x4 asks for 8x steeper critics on digits and
        # made the critic lose (negative distance estimates) in tests here.
        factor = self.image_shape[0] // self.resolution

        def critic_at_resolution(images):
            return critic(_nearest_upsample(images, factor))

        critic_logs = []
        for _ in range(self.n_critic):
            fake_images = self.generator(self.sample_latents(batch_size), training=True)
            with tf.GradientTape() as tape:
                real_scores = critic(real_images)
                fake_scores = critic(fake_images)
                wasserstein = losses.wasserstein_discriminator_loss(real_scores, fake_scores)
                penalty = losses.gradient_penalty(
                    critic_at_resolution, _average_pool(real_images, factor),
                    _average_pool(fake_images, factor), weight=self.gp_weight,
                    seed=distribute.replica_seed(self.noise_seed))
                # Section A.1: keeps the real scores near 0 without affecting the game.
                drift = self.drift_weight * ops.mean(ops.square(ops.cast(real_scores, "float32")))
                d_loss = (wasserstein + penalty + drift
                          + self.discriminator_penalty(real_images, labels))
            self.apply_gradients(tape, d_loss, discriminator, self.d_optimizer)
            critic_logs.append({"d_loss": d_loss, "wasserstein_distance": -wasserstein,
                                "gradient_penalty": penalty, "drift": drift})

        with tf.GradientTape() as tape:
            fake_images = self.generator(self.sample_latents(batch_size), training=True)
            g_loss = losses.wasserstein_generator_loss(critic(fake_images))
        self.apply_gradients(tape, g_loss, self.player_networks()["generator"], self.g_optimizer)

        means = {key: tf.add_n([logs[key] for logs in critic_logs]) / self.n_critic
                 for key in critic_logs[0]}
        return self.update_metrics(g_loss=g_loss, alpha=alpha,
                                   resolution=float(self.resolution), **means)

    # Serialization ------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        # The networks are rebuilt from `stage`, not deserialized: their layers are the
        # model's `blocks`, whose weights are saved once, under the same paths at
        # every stage.
        config.pop("generator")
        config.pop("discriminator")
        return {**config, "base_filters": self.base_filters,
                "steps_per_phase": self.steps_per_phase, "n_critic": self.n_critic,
                "gp_weight": self.gp_weight, "drift_weight": self.drift_weight,
                "minibatch_group_size": self.minibatch_group_size, "stage": self.stage}


class ProgressiveGrowing(keras.callbacks.Callback):
    """Grows a `ProGAN` on its schedule during `fit`, and sets the fade weight.

    Before every batch (every `steps_per_execution` steps) it reads the generator's
    step counter and, when the schedule's stage differs from the model's, rebuilds
    the networks (`ProGAN.grow_to`; the next train step is traced anew). A resumed
    run restores the counter, so it grows to the right stage before its first step.
    `ProGAN.fit` adds this callback itself.
    """

    def on_train_batch_begin(self, batch, logs=None):
        self.model.follow_schedule()


# Factories ---------------------------------------------------------------------------


@register_model
def progan(latent_dim=128, image_shape=(32, 32, 1), base_filters=32, steps_per_phase=2000,
           n_critic=1, gp_weight=10.0, drift_weight=0.001, minibatch_group_size=4, seed=None,
           **tricks):
    """ProGAN on 32x32x1 digits (Karras et al. 2018): 4 -> 8 -> 16 -> 32, a fade-in and
    a stable phase of `steps_per_phase` generator steps per resolution; 64x64 or
    larger via `image_shape`. The paper's `latent_dim` is 512."""
    return ProGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                  steps_per_phase=steps_per_phase, n_critic=n_critic, gp_weight=gp_weight,
                  drift_weight=drift_weight, minibatch_group_size=minibatch_group_size,
                  seed=seed, name="progan", **tricks)
