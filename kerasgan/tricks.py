"""Training tricks that need state: replay buffer, generator EMA, historical averaging.

Each is a small `keras.layers.Layer` that owns non-trainable variables, so the
state is saved in `.keras` checkpoints with the model and restored on resume. The
model creates them from its options (`AdversarialModel(replay_buffer_size=...,
ema_decay=..., historical_averaging=...)`); they are not meant to be called by
users directly. Their variables are updated inside the train step, in replica
context under `tf.distribute`: they aggregate `"only_first_replica"`, so every
replica holds the first replica's copy (the networks' weights are equal on all
replicas, and one replica's history of fakes is as good a history as another's).

The tricks without state live elsewhere: label smoothing (`callbacks.LabelSmoothing`),
DiffAugment and the minibatch layers (`kerasgan.layers`), the R1 penalty
(`AdversarialModel.discriminator_penalty`), feature matching, minimax and `d_steps`
(`models.gan.GAN`), TTUR (`d_learning_rate` / `g_learning_rate` of the training
config).

`TrainingTricks` is the part of `AdversarialModel` that holds the options: it builds
the layers above over every network a class names (`ema_networks`,
`averaged_networks`), wraps the discriminator for DiffAugment, adds the R1 penalty,
and checks in one place (`check_supported`) the options a class declares it cannot use
(`unsupported_tricks = {"replay_buffer_size": "why"}`).
"""

import keras
import tensorflow as tf

from kerasgan import distribute, losses, validation
from kerasgan import layers as kerasgan_layers

#: The training-trick options every variant takes, with their defaults (all off).
#: Registry factories pass them through `**tricks`.
TRICK_DEFAULTS = {
    "ema_decay": None,
    "historical_averaging": 0.0,
    "r1_weight": 0.0,
    "replay_buffer_size": 0,
    "replay_fraction": 0.5,
    "diffaugment": None,
}
#: What a model without a discriminator cannot use.
_DISCRIMINATOR_TRICKS = ("diffaugment", "r1_weight", "replay_buffer_size")


def unsupported(model_class):
    """`{option: why}`: the `unsupported_tricks` of `model_class` and its bases (a
    subclass may map an option to None to allow it again)."""
    merged = {}
    for cls in reversed(model_class.__mro__):
        merged.update(vars(cls).get("unsupported_tricks", {}))
    return {key: why for key, why in merged.items() if why}


def check_supported(model_class, options):
    """Raises for an option that is on (truthy) in `options` and that `model_class`
    declares it cannot use, naming the class, the option, why, and the value."""
    for key, why in unsupported(model_class).items():
        value = options.get(key)
        if value:
            raise ValueError(f"{model_class.__name__} cannot use `{key}`: {why} "
                             f"Received: {key}={value!r}")


class TrainingTricks:
    """The training tricks of `AdversarialModel`, over every network it names.

    Class attributes a variant sets:

    - `unsupported_tricks`: `{option: why}` it refuses (merged with its bases').
    - `ema_networks`: networks `ema_decay` averages, each as `<name>_ema`
      (`averaged(name)` serves the average); default the generator.
    - `averaged_networks`: networks `historical_averaging` pulls toward their
      running mean (`historical_averages[name]`); default both players.
    """

    unsupported_tricks = {}
    ema_networks = ("generator",)
    averaged_networks = ("generator", "discriminator")

    def _build_tricks(self, ema_decay, historical_averaging, r1_weight, replay_buffer_size,
                      replay_fraction):
        self.ema_decay = None if ema_decay is None else validation.check_fraction(
            "ema_decay", ema_decay)
        self.historical_averaging = validation.check_non_negative_number(
            "historical_averaging", historical_averaging)
        self.r1_weight = validation.check_non_negative_number("r1_weight", r1_weight)
        self.replay_buffer_size = validation.check_int_at_least(
            "replay_buffer_size", replay_buffer_size, 0)
        self.replay_fraction = validation.check_fraction(
            "replay_fraction", replay_fraction, upper_inclusive=True)
        for name in self.ema_networks:
            setattr(self, f"{name}_ema", ExponentialMovingAverage(
                getattr(self, name), self.ema_decay, name=f"{name}_ema")
                if self.ema_decay else None)
        self.historical_averages = {
            name: HistoricalAverage(getattr(self, name), self.historical_averaging,
                                    name=f"{name}_historical_average")
            for name in self.averaged_networks if getattr(self, name, None) is not None
        } if self.historical_averaging else {}
        self.replay_buffer = ReplayBuffer(
            self.replay_buffer_size, self.image_shape, self.replay_fraction,
            with_labels=bool(self.num_classes), name="replay_buffer",
        ) if self.replay_buffer_size else None

    def _wrap_discriminator(self, discriminator, options):
        """`discriminator` behind DiffAugment when `options["diffaugment"]` is set
        (loaded models arrive wrapped already); refuses the discriminator's tricks
        when there is none."""
        diffaugment = options.get("diffaugment")
        self.diffaugment = diffaugment or None
        if discriminator is None:
            for key in _DISCRIMINATOR_TRICKS:
                value = options.get(key)
                if value:
                    raise ValueError(f"{type(self).__name__} has no discriminator, so `{key}` "
                                     f"does not apply. Received: {key}={value!r}")
            return None
        if self.diffaugment is None or _find_layer(discriminator, kerasgan_layers.DiffAugment):
            return discriminator
        try:
            return _with_diffaugment(discriminator, self.diffaugment)
        except ValueError as error:
            raise ValueError(f"Invalid diffaugment={diffaugment!r}: {error}") from None

    def trick_config(self):
        """The training-trick options, as `get_config` writes them."""
        return {key: getattr(self, key) for key in TRICK_DEFAULTS}

    def averaged(self, name):
        """What runs network `name` outside training: its `ExponentialMovingAverage`
        when `ema_decay` is set and it is one of `ema_networks`, else the network."""
        average = getattr(self, f"{name}_ema", None)
        return average if average is not None else getattr(self, name)

    @property
    def sampler(self):
        """What makes the model's images: `averaged("generator")`. `generate()`,
        `generate_from()`, `model(z)`, the TensorBoard grids and the export use it;
        training updates `generator`."""
        return self.averaged("generator")

    @property
    def core_discriminator(self):
        """The discriminator without the DiffAugment wrapper (the one the variant built)."""
        if self.discriminator is not None and _find_layer(self.discriminator,
                                                          kerasgan_layers.DiffAugment):
            return self.discriminator.get_layer(_CORE_NAME)
        return self.discriminator

    def replay(self, fake_images, labels=None):
        """The fakes the discriminator trains on: `(fake_images, labels)` as given, or
        with part of the batch taken from the replay buffer when it is on (variants
        call this in their discriminator step, not in the generator step)."""
        if self.replay_buffer is None:
            return fake_images, labels
        return self.replay_buffer(fake_images, labels, distribute.replica_seed(self.noise_seed))

    def discriminator_penalty(self, real_images, labels=None):
        """Regularizers of the discriminator's loss on real data: the R1 penalty
        `r1_weight / 2 * E|grad_x D(x)|^2` on D's first output (its real/fake logit),
        or 0.0 when off. Variants add it to their discriminator loss."""
        if not self.r1_weight:
            return 0.0

        def realness(images):
            return self.realness(self.discriminator(
                self.discriminator_inputs(images, labels), training=True))

        return losses.r1_penalty(realness, real_images, gamma=self.r1_weight)

    def realness(self, outputs):
        """The discriminator's real/fake score among its outputs: the first one."""
        return outputs[0] if isinstance(outputs, (list, tuple)) else outputs

    def _trick_gradients(self, networks, weights, gradients, seed):
        """`gradients` plus the historical-averaging penalty's of the trained
        `networks`, scaled by `seed` like the loss's (replicas, loss scale)."""
        averages = self._averages_of(networks)
        if not averages:
            return gradients
        seed = tf.cast(seed, "float32")
        position = {id(w): i for i, w in enumerate(weights)}
        gradients = [tf.convert_to_tensor(g) for g in gradients]
        for average in averages:
            for weight, penalty in zip(average.network.trainable_weights,
                                       average.penalty_gradients()):
                i = position[id(weight)]
                gradients[i] = gradients[i] + seed * penalty
        return gradients

    def _update_tricks(self, networks):
        """After a step of `networks`: their running means and weight averages."""
        for average in self._averages_of(networks):
            average.update()
        for name in self.ema_networks:
            average = getattr(self, f"{name}_ema", None)
            if average is not None and any(getattr(self, name) is n for n in networks):
                average.update()

    def _averages_of(self, networks):
        return [average for key, average in self.historical_averages.items()
                if any(getattr(self, key) is n for n in networks)]


# DiffAugment wrapping ------------------------------------------------------------------

_CORE_NAME = "core_discriminator"


def _find_layer(network, layer_type):
    return any(isinstance(layer, layer_type) for layer in network.layers)


def _with_diffaugment(discriminator, policy):
    """`discriminator` behind a `DiffAugment` layer on its image input.

    A functional wrapper with the same inputs and outputs, so every variant's train
    step, penalty and loss works unchanged: the augmentation is active only with
    `training=True`, is differentiable (the generator's gradient flows through it),
    and is applied alike to real and generated images, as Zhao et al. 2020 require.
    """
    inputs = [keras.Input(shape=tensor.shape[1:], dtype=tensor.dtype, name=tensor.name)
              for tensor in discriminator.inputs]
    augmented = kerasgan_layers.DiffAugment(policy, name="diffaugment")(inputs[0])
    core = keras.Model(discriminator.inputs, discriminator.outputs, name=_CORE_NAME)
    outputs = core([augmented, *inputs[1:]] if len(inputs) > 1 else augmented)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs,
                       name=discriminator.name)


def _state(initial, name, dtype=None):
    """A non-trainable variable starting at `initial` (a value or a weight to copy),
    updated from the first replica."""
    return keras.Variable(
        keras.ops.convert_to_tensor(initial, dtype), trainable=False,
        dtype=dtype or getattr(initial, "dtype", None), aggregation="only_first_replica",
        name=name,
    )


class ReplayBuffer(keras.layers.Layer):
    """A pool of past generated images shown to the discriminator again.

    Shrivastava et al. 2017 (Section 2.3, https://arxiv.org/abs/1612.07828): the
    discriminator sees half of each fake batch from a buffer of earlier fakes, so it
    keeps penalizing what the generator produced before, and the generator cannot
    cycle back to it. The buffer fills with the first batches; once full, each batch
    overwrites random slots.

    Args:
        size: Images held, >= 1.
        image_shape: `(height, width, channels)` of the images.
        fraction: Share of each fake batch replaced by buffered images, in (0, 1].
        with_labels: Also store the fakes' class labels (conditional models).
        per_image: Replace each row independently with probability `fraction`
            (among rows that can be replaced: once the buffer holds anything) instead
            of the first `round(fraction * batch)` rows. Zhu et al. 2017's image pool
            draws this way, which also replays with batches of one, where the fixed
            share rounds to zero.
    """

    def __init__(self, size, image_shape, fraction=0.5, with_labels=False, per_image=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.size = validation.check_positive_int("replay_buffer_size", size)
        self.fraction = validation.check_fraction("replay_fraction", fraction,
                                                  upper_inclusive=True)
        self.per_image = bool(per_image)
        self.images = _state(keras.ops.zeros((self.size, *image_shape)), "images", "float32")
        self.labels = (_state(keras.ops.zeros((self.size,), "int32"), "labels", "int32")
                       if with_labels else None)
        self.count = _state(0, "count", "int32")
        self.built = True

    def call(self, fake_images, labels, seed):
        """Mixes buffered images into `fake_images` and stores the new ones.

        Args:
            fake_images: This step's fakes `[batch, H, W, C]`.
            labels: Their labels `[batch]`, or None. Without a label store (an
                unconditional model, whose batches may still carry dataset labels)
                they are returned as given.
            seed: Stateless seed `[2]` for the slots read and overwritten.

        Returns:
            `(images, labels)`: the first `round(fraction * batch)` rows (at most as
            many as are stored; with `per_image`, each row with probability
            `fraction` once anything is stored) replaced by random buffered fakes and
            their labels. No gradient flows into buffered rows.
        """
        fake_images = tf.cast(fake_images, self.images.dtype)
        batch = tf.shape(fake_images)[0]
        count = self.count.value
        read_seed, write_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        slots = tf.random.stateless_uniform([batch], read_seed, 0, tf.maximum(count, 1),
                                            dtype=tf.int32, alg="philox")
        if self.per_image:
            # A stream of its own (folded from the seed): the slot draws stay as they are.
            coins = tf.random.stateless_uniform(
                [batch], tf.random.experimental.stateless_fold_in(seed, 2), alg="philox")
            from_buffer = (coins < self.fraction) & (count > 0)
        else:
            replaced = tf.minimum(
                tf.cast(tf.round(self.fraction * tf.cast(batch, tf.float32)), tf.int32), count)
            from_buffer = tf.range(batch) < replaced
        images = tf.where(from_buffer[:, None, None, None],
                          tf.gather(self.images.value, slots), fake_images)
        mixed_labels = labels
        if self.labels is not None:
            mixed_labels = tf.where(from_buffer, tf.gather(self.labels.value, slots), labels)

        # Store this batch: free slots first, then random ones.
        positions = count + tf.range(batch)
        random_positions = tf.random.stateless_uniform([batch], write_seed, 0, self.size,
                                                       dtype=tf.int32, alg="philox")
        positions = tf.where(positions < self.size, positions, random_positions)[:, None]
        self.images.assign(tf.tensor_scatter_nd_update(
            self.images.value, positions, tf.stop_gradient(fake_images)))
        if self.labels is not None:
            self.labels.assign(tf.tensor_scatter_nd_update(
                self.labels.value, positions, tf.cast(labels, tf.int32)))
        self.count.assign(tf.minimum(count + batch, self.size))
        return images, mixed_labels


class ExponentialMovingAverage(keras.layers.Layer):
    """An exponential moving average of a network's weights, callable as that network.

    Karras et al. 2018 (ProGAN, Section A.1) and Yazici et al. 2019
    (https://arxiv.org/abs/1806.04498) sample from an average of the generator's
    recent weights, which removes much of the step-to-step jitter of GAN training.
    After every update, `update()` sets `average = d * average + (1 - d) * weight`
    for trainable weights and copies non-trainable ones (batch norm statistics).
    `d = min(decay, (1 + t) / (10 + t))` after `t` updates, the warm-up of
    `tf.train.ExponentialMovingAverage(num_updates=...)`: early averages do not
    drag the random initial weights along (with a fixed 0.99 they still weigh
    3.6% after 330 steps). Calling the layer runs a clone of the network whose
    weights are read from the averages (through a `keras.StatelessScope`), in eager
    code and in traced functions alike, so an exported signature serves the
    averages as they were when it was traced and holds no update ops.

    Args:
        network: The `keras.Model` to average (the generator).
        decay: In (0, 1); 0.999 is usual, lower for short runs.
    """

    def __init__(self, network, decay, **kwargs):
        super().__init__(**kwargs)
        self.decay = validation.check_fraction("ema_decay", decay)
        self._source = _Untracked(network)
        self.averages = [_state(w, f"average_{i}") for i, w in enumerate(network.weights)]
        self._clone = _Untracked(keras.models.clone_model(network))
        self.updates = _state(0, "updates", "int32")
        self.built = True

    def current_decay(self):
        """The decay the next `update()` uses: `min(decay, (1 + t) / (10 + t))`."""
        t = tf.cast(self.updates.value, tf.float32)
        return tf.minimum(self.decay, (1.0 + t) / (10.0 + t))

    def update(self):
        """One EMA step from the network's current weights (inside the train step)."""
        decay = self.current_decay()
        for average, weight in zip(self.averages, self._source.value.weights):
            value = weight.value
            if weight.trainable:
                value = decay * average.value + (1.0 - decay) * value
            average.assign(value)
        self.updates.assign(self.updates.value + 1)

    def call(self, inputs, training=False):
        clone = self._clone.value
        mapping = [(weight, average.value)
                   for weight, average in zip(clone.weights, self.averages)]
        with keras.StatelessScope(state_mapping=mapping):
            return clone(inputs, training=training)


class HistoricalAverage(keras.layers.Layer):
    """The running mean of a network's past weights, and the gradient of the penalty
    that pulls the weights toward it.

    Salimans et al. 2016 (Section 3.3, https://arxiv.org/abs/1606.03498) add
    `weight * |theta - mean_{i<=t} theta_i|^2` to each player's cost; its gradient,
    `2 * weight * (theta - mean)`, is added to the loss gradient. The mean starts at
    the initial weights and is updated after each step by `update()`.

    Args:
        network: The `keras.Model` whose trainable weights are averaged.
        weight: The penalty weight, > 0.
    """

    def __init__(self, network, weight, **kwargs):
        super().__init__(**kwargs)
        self.weight = validation.check_positive_number("historical_averaging", weight)
        self._source = _Untracked(network)
        self.means = [_state(w, f"mean_{i}") for i, w in enumerate(network.trainable_weights)]
        self.steps = _state(1, "steps", "int32")
        self.built = True

    @property
    def network(self):
        """The network whose weights are averaged."""
        return self._source.value

    def penalty_gradients(self):
        """`2 * weight * (theta - mean)` for each trainable weight."""
        return [2.0 * self.weight * (w.value - m.value)
                for w, m in zip(self._source.value.trainable_weights, self.means)]

    def update(self):
        """Adds the current weights to the running mean."""
        steps = self.steps.value + 1
        rate = 1.0 / tf.cast(steps, tf.float32)
        for mean, weight in zip(self.means, self._source.value.trainable_weights):
            mean.assign(mean.value + rate * (weight.value - mean.value))
        self.steps.assign(steps)


class _Untracked:
    """Holds a reference Keras must not track (a network owned by someone else)."""

    def __init__(self, value):
        self.value = value
