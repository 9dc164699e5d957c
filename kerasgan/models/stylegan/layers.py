"""StyleGAN2's layers: modulated convolution, noise injection, bias and activation, the
learned constant input, and the truncation trick's running mean of `w` (Karras et al.
2020, https://arxiv.org/abs/1912.04958; Karras et al. 2019,
https://arxiv.org/abs/1812.04948)."""

import math

import keras
import tensorflow as tf
from keras import ops

from kerasgan import distribute, validation

_SQRT2 = math.sqrt(2.0)


@keras.saving.register_keras_serializable(package="kerasgan")
class ModulatedConv2D(keras.layers.Layer):
    """A convolution whose kernel every sample's style scales, then demodulates.

    Karras et al. 2020, Eq. 1-3: with kernel `w[k, i, j]` (tap `k`, input channel `i`,
    output channel `j`) and the sample's style `s[i]`, the sample's kernel is
    `w'[k, i, j] = s[i] * w[k, i, j]`, and demodulation divides it by
    `sigma[j] = sqrt(sum_{k,i} w'[k, i, j]^2 + epsilon)`, so that unit-variance
    inputs give unit-variance outputs whatever the style.

    Computed as "scale the inputs, convolve with the shared kernel, scale the
    outputs": `conv(x * s, w) / sigma`, which equals `conv(x, w')` with
    `w'[k, i, j] = w[k, i, j] s[i] / sigma[j]` because the convolution is linear in each
    input channel (the paper's Section 2.2 notes the same, and its code offers it as
    the non-fused form). The alternative, a grouped convolution over per-sample
    kernels, needs a kernel that depends on the batch, which XLA on CPU runs slowly
    and LiteRT's builtin CONV_2D does not take; this form is plain MUL, CONV_2D and
    MUL ops, so the generator exports to `.tflite` with builtin ops only.

    The kernel has the equalized learning rate (`N(0, 1)`, scaled at run time by
    `1 / sqrt(kernel_size^2 * in_channels)`). No bias: the synthesis network adds
    noise, then the bias (`BiasActivation`), as StyleGAN2 does.

    Args:
        filters: Output channels.
        kernel_size: Square kernel side (3 for the convolutions, 1 for toRGB).
        demodulate: Whether to divide by `sigma` (False for toRGB, as in the paper).
        epsilon: Added under the square root of `sigma`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[x, styles]`: `x` NHWC `[batch, H, W, in_channels]` and `styles`
            `[batch, in_channels]` (one scale per input channel and sample).

    Returns:
        `[batch, H, W, filters]`, 'same' padding, stride 1.

    Example:

    >>> import numpy as np
    >>> layer = ModulatedConv2D(4)
    >>> x, styles = np.ones((2, 8, 8, 3), "float32"), np.ones((2, 3), "float32")
    >>> layer([x, styles]).shape
    TensorShape([2, 8, 8, 4])
    """

    def __init__(self, filters, kernel_size=3, demodulate=True, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.filters = validation.check_positive_int("filters", filters)
        self.kernel_size = validation.check_positive_int("kernel_size", kernel_size)
        self.demodulate = bool(demodulate)
        self.epsilon = validation.check_positive_number("epsilon", epsilon)

    def build(self, input_shape):
        x_shape, style_shape = input_shape
        if len(x_shape) != 4 or x_shape[-1] is None:
            raise ValueError("`ModulatedConv2D` expects NHWC inputs with known channels. "
                             f"Received: input_shape={tuple(x_shape)}")
        channels = int(x_shape[-1])
        if len(style_shape) != 2 or style_shape[-1] != channels:
            raise ValueError(
                f"`ModulatedConv2D` expects styles of shape [batch, {channels}] (one per "
                f"input channel). Received: styles shape={tuple(style_shape)}")
        self.scale = 1.0 / math.sqrt(self.kernel_size ** 2 * channels)
        self.kernel = self.add_weight(
            name="kernel", shape=(self.kernel_size, self.kernel_size, channels, self.filters),
            initializer=keras.initializers.RandomNormal(stddev=1.0))

    def call(self, inputs):
        x, styles = inputs
        kernel = self.kernel * self.scale
        x = x * styles[:, None, None, :]
        outputs = ops.conv(x, kernel, strides=1, padding="same")
        if self.demodulate:
            # sigma[b, j]^2 = sum_i s[b, i]^2 * sum_k w[k, i, j]^2  (Eq. 3).
            energy = ops.sum(ops.square(kernel), axis=(0, 1))  # [in, out]
            sigma_inv = ops.rsqrt(ops.matmul(ops.square(styles), energy) + self.epsilon)
            outputs = outputs * sigma_inv[:, None, None, :]
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "demodulate": self.demodulate,
                "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="kerasgan")
class NoiseInjection(keras.layers.Layer):
    """Adds per-pixel Gaussian noise scaled by a learned per-channel strength.

    Karras et al. 2019, Section 3.2: one noise image `[H, W, 1]` per sample is added
    to every channel `c` times `strength[c]` (initialized to 0, as in StyleGAN2's
    code). With `training=True` the noise is fresh on every call: drawn with stateless
    ops from the layer's own `SeedGenerator`, folded with the replica id
    (`distribute.replica_seed`), so replicas draw different noise. Otherwise it is a
    fixed noise image stored in the layer (a non-trainable weight, drawn once at
    build), so inference is deterministic and the exported SavedModel and `.tflite`
    (which cannot hold random ops) compute the same images.

    Args:
        seed: Optional int >= 0 seeding the training noise stream and the stored map.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> layer = NoiseInjection(seed=0)
    >>> x = np.zeros((2, 4, 4, 3), "float32")
    >>> bool(np.all(layer(x) == layer(x)))
    True
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = None if seed is None else validation.check_int_at_least("seed", seed, 0)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="seed_generator")

    def build(self, input_shape):
        if len(input_shape) != 4 or None in tuple(input_shape[1:]):
            raise ValueError("`NoiseInjection` expects NHWC inputs with a static height, "
                             f"width and channels. Received: input_shape={tuple(input_shape)}")
        _, height, width, channels = input_shape
        self.strength = self.add_weight(name="strength", shape=(channels,),
                                        initializer="zeros")
        self.noise = self.add_weight(
            name="noise", shape=(1, height, width, 1), trainable=False,
            initializer=keras.initializers.RandomNormal(stddev=1.0, seed=self.seed))

    def call(self, inputs, training=False):
        if training:
            shape = (ops.shape(inputs)[0], *inputs.shape[1:3], 1)
            noise = tf.random.stateless_normal(
                shape, seed=distribute.replica_seed(self.seed_generator), dtype=inputs.dtype,
                alg="philox")
        else:
            noise = ops.cast(self.noise, inputs.dtype)
        return inputs + noise * ops.cast(self.strength, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="kerasgan")
class BiasActivation(keras.layers.Layer):
    """Adds a per-channel bias, then a leaky ReLU (slope 0.2) times `sqrt(2)`, or
    nothing (`activation="linear"`): StyleGAN2's bias and activation, applied after
    the noise so the bias is added before the nonlinearity."""

    def __init__(self, activation="leaky_relu", **kwargs):
        super().__init__(**kwargs)
        self.activation = validation.check_choice("activation", activation,
                                                  ("leaky_relu", "linear"))

    def build(self, input_shape):
        self.bias = self.add_weight(name="bias", shape=(input_shape[-1],), initializer="zeros")

    def call(self, inputs):
        x = inputs + self.bias
        if self.activation == "leaky_relu":
            # The gain keeps unit-variance activations unit-variance (He et al. 2015).
            x = ops.leaky_relu(x, negative_slope=0.2) * _SQRT2
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}


@keras.saving.register_keras_serializable(package="kerasgan")
class ConstantInput(keras.layers.Layer):
    """The synthesis network's learned constant `[size, size, channels]` (Karras et
    al. 2019, Section 2), repeated over the batch of its input."""

    def __init__(self, channels, size=4, **kwargs):
        super().__init__(**kwargs)
        self.channels = validation.check_positive_int("channels", channels)
        self.size = validation.check_positive_int("size", size)

    def build(self, input_shape):
        self.constant = self.add_weight(
            name="constant", shape=(1, self.size, self.size, self.channels),
            initializer=keras.initializers.RandomNormal(stddev=1.0))

    def call(self, inputs):
        return ops.tile(self.constant, (ops.shape(inputs)[0], 1, 1, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}


@keras.saving.register_keras_serializable(package="kerasgan")
class Truncation(keras.layers.Layer):
    """Holds `w_avg`, the running mean of the mapping network's outputs, and applies
    the truncation trick `w' = w_avg + psi * (w - w_avg)` (Karras et al. 2019,
    Section 3.1 and Appendix B).

    In the generator it is called without `truncation` and returns `w` unchanged
    (psi = 1); it sits there so `w_avg` travels with the generator's weights (saved,
    exported, and copied by the generator EMA). `update(w)` moves `w_avg` toward the
    batch mean of `w` in the train step.

    Args:
        decay: `beta` of `w_avg <- beta * w_avg + (1 - beta) * mean(w)`, in [0, 1)
            (0.995 in StyleGAN's code).
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, decay=0.995, **kwargs):
        super().__init__(**kwargs)
        self.decay = validation.check_fraction("w_avg_decay", decay)

    def build(self, input_shape):
        # "mean": under tf.distribute every replica's update is averaged, which for
        # this linear update is the update with the global batch mean.
        self.w_avg = self.add_weight(name="w_avg", shape=(input_shape[-1],),
                                     initializer="zeros", trainable=False,
                                     aggregation="mean")

    def call(self, inputs, truncation=None):
        if truncation is None:
            return inputs
        psi = ops.cast(ops.reshape(truncation, (-1, 1)), inputs.dtype)
        psi = ops.broadcast_to(psi, (ops.shape(inputs)[0], 1))
        # (1 - psi) * w_avg + psi * w is exactly w at psi = 1 and w_avg at psi = 0.
        return (1.0 - psi) * ops.cast(self.w_avg, inputs.dtype)[None, :] + psi * inputs

    def update(self, w):
        """One step of the running mean from a batch of `w` `[batch, w_dim]`."""
        batch_mean = ops.mean(ops.cast(w, "float32"), axis=0)
        self.w_avg.assign(self.decay * self.w_avg + (1.0 - self.decay) * batch_mean)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "decay": self.decay}
