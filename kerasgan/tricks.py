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
"""

import keras
import tensorflow as tf

from kerasgan import validation


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
