"""The `ProGAN` model: the WGAN-GP step at the current stage, growth by the step
counter, and the `progan` factory. See the family's `__init__` for how growth fits
Keras and the reference."""

import keras
from keras import ops

from kerasgan import distribute, losses, networks, validation
from kerasgan.models.adversarial_step import CriticStepsModel
from kerasgan.models.progan import networks as progan_networks
from kerasgan.models.progan import schedule
from kerasgan.models.progan.layers import average_pool, nearest_upsample
from kerasgan.registry import register_model

# Model --------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class ProGAN(CriticStepsModel):
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
    objective = losses.get("wasserstein", "objective")
    unsupported_tricks = dict.fromkeys(
        ("ema_decay", "historical_averaging", "replay_buffer_size", "diffaugment"),
        "its networks are rebuilt as they grow, and this option is built on fixed ones.")
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
        self.n_critic = self.critic_steps = validation.check_positive_int("n_critic", n_critic)
        self.gp_weight = validation.check_non_negative_number("gp_weight", gp_weight)
        self.drift_weight = validation.check_non_negative_number("drift_weight", drift_weight)
        self.minibatch_group_size = validation.check_positive_int(
            "minibatch_group_size", minibatch_group_size)
        for key, network in (("generator", generator), ("discriminator", discriminator)):
            if network is not None:
                raise ValueError(
                    f"ProGAN builds its own growing networks and takes no ready-made "
                    f"`{key}`. Received: {key}={network!r}")
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
        return progan_networks.filters_at(stage, self.num_stages, self.base_filters)

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
        # One attribute that sorts before "d_optimizer", "discriminator", "g_optimizer"
        # and "generator": Keras' weight files visit attributes in name order and each
        # layer once, so every layer is saved under `blocks/...` at every stage.
        self.blocks = progan_networks.create_blocks(self.image_shape, self.num_stages,
                                                    self.base_filters,
                                                    self.minibatch_group_size)
        for stage in range(self.num_stages):
            self._generator_at(stage)
            self._discriminator_at(stage)

    @property
    def fade(self):
        """The `FadeIn` layer both networks share; `fade.alpha` is the blend weight."""
        return self.blocks["fade_in"]

    def _generator_at(self, stage):
        return progan_networks.generator_at(self.blocks, stage, self.latent_dim)

    def _discriminator_at(self, stage):
        return progan_networks.discriminator_at(self.blocks, stage, self.image_shape)

    resolution_at = staticmethod(progan_networks.resolution_at)

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
        """`(stage, alpha)` of generator step `step` (`schedule.schedule_at`)."""
        return schedule.schedule_at(step, self.steps_per_phase, self.num_stages)

    def alpha_at(self, step, stage):
        """The fade weight at `step` for the networks of `stage` (`schedule.alpha_at`)."""
        return schedule.alpha_at(step, stage, self.steps_per_phase)

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

    def fit(self, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, with a `ProgressiveGrowing` callback first unless the caller
        passed one, so a plain `model.fit` follows the schedule."""
        callbacks = list(callbacks or [])
        if not any(isinstance(c, schedule.ProgressiveGrowing) for c in callbacks):
            callbacks.insert(0, schedule.ProgressiveGrowing())
        return super().fit(*args, callbacks=callbacks, **kwargs)

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
        x = average_pool(images, factor)
        if self.stage > 0:
            coarse = nearest_upsample(average_pool(x, 2), 2)
            x = coarse + ops.cast(alpha, x.dtype) * (x - coarse)
        return nearest_upsample(x, factor)

    def critic_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        """One critic step's loss (Section A.1): Wasserstein, the gradient penalty at the
        current resolution and the drift term; and their logs."""
        del labels, fake_labels
        real_scores = self.discriminator(real_images, training=True)
        fake_scores = self.discriminator(fake_images, training=True)
        wasserstein = losses.wasserstein_discriminator_loss(real_scores, fake_scores)
        # The penalty is taken at the resolution the critic works at: on the pooled
        # images, through the upsampling that is the inverse of the critic's pooling.
        # On the image-size input the norm would be `1 / factor` of it (the authors'
        # code does that), which at 4x4 asks for 8x steeper critics on digits and
        # made the critic lose (negative distance estimates) in tests here.
        factor = self.image_shape[0] // self.resolution

        def critic_at_resolution(images):
            return self.discriminator(nearest_upsample(images, factor), training=True)

        penalty = losses.gradient_penalty(
            critic_at_resolution, average_pool(real_images, factor),
            average_pool(fake_images, factor), weight=self.gp_weight,
            seed=distribute.replica_seed(self.noise_seed))
        # Keeps the real scores near 0 without affecting the game.
        drift = self.drift_weight * ops.mean(ops.square(ops.cast(real_scores, "float32")))
        return wasserstein + penalty + drift, {
            "wasserstein_distance": -wasserstein, "gradient_penalty": penalty, "drift": drift}

    def train_step(self, data):
        """The k-critic-steps step (`CriticStepsModel`) on the reals as the current stage
        sees them (`blend_reals`), with `alpha` set from the step counter."""
        real_images, labels = self.unpack(data)
        # The stage is fixed for a traced step; alpha follows the counter at every step,
        # also between two calls of the callback (steps_per_execution > 1).
        alpha = self.alpha_at(self.g_optimizer.iterations, self.stage)
        if self.stage > 0:
            self.fade.alpha.assign(alpha)
        real_images = self.blend_reals(real_images, alpha)
        super().train_step(real_images if labels is None else (real_images, labels))
        return self.update_metrics(alpha=alpha, resolution=float(self.resolution))

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
