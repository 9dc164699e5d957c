"""GAN training tricks as Keras layers, for the models to insert into their networks.

- `MinibatchStdDev` (Karras et al. 2018): appends the standard deviation of each
  feature over a group of images as extra channels, so the discriminator sees how
  varied a batch is and the generator is pushed away from mode collapse.
- `MinibatchDiscrimination` (Salimans et al. 2016): appends, per example, learned
  similarities to the other examples of the batch, for the same purpose.
- `DiffAugment` (Zhao et al. 2020): random differentiable color, translation and
  cutout augmentations of real and fake images alike, applied only when training,
  so a discriminator trained on little data overfits less.

All three are registered for `.keras` saving (package `kerasgan`) and accept a
`None` batch dimension.

References:
    Karras, Aila, Laine & Lehtinen, 2018, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", ICLR. https://arxiv.org/abs/1710.10196

    Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen, 2016, "Improved Techniques
    for Training GANs", NeurIPS. https://arxiv.org/abs/1606.03498

    Zhao, Liu, Lin, Zhu & Han, 2020, "Differentiable Augmentation for Data-Efficient
    GAN Training", NeurIPS. https://arxiv.org/abs/2006.10738
"""

import keras
import tensorflow as tf
from keras import ops

from kerasgan import distribute, validation


# Radford et al. 2015, Section 4: weights from N(0, 0.02).
def dcgan_initializer():
    """N(0, 0.02), as in Radford et al. 2015. A new initializer per layer: a shared one
    draws its seed once (at import, before `keras.utils.set_random_seed`) and gives
    every layer of the same shape the same weights."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _check_rank(layer, input_shape, rank, layout):
    if len(input_shape) != rank:
        raise ValueError(
            f"`{layer}` expects inputs of rank {rank}, {layout}. "
            f"Received: input_shape={tuple(input_shape)}"
        )


@keras.saving.register_keras_serializable(package="kerasgan")
class MinibatchStdDev(keras.layers.Layer):
    """Appends the minibatch standard deviation as extra channels (ProGAN, Section 3).

    The batch is split into groups of `G` images; for each feature the standard
    deviation over the group is taken, averaged over height, width and the channels
    of the feature, and the resulting `num_features` numbers are appended to every
    pixel of every image of the group. As in the authors' code, image `i` of a batch
    of `N` is grouped with images `i + k * N / G`, the variance divides by `G`, and
    the statistic is computed in float32 with 1e-8 added under the square root.

    `G` is the largest divisor of the batch size that is at most `group_size`:
    `min(group_size, batch)` when that divides the batch (the paper's case), else,
    for example, 3 for a last batch of 6 with `group_size=4`, or 1 (a near-zero
    feature) for a prime batch. The same rule applies to static and `None` batch
    sizes, so a model behaves the same whether called eagerly or inside `fit`.

    Args:
        group_size: Largest group size, >= 1 (4 in the paper).
        num_features: Number of appended channels, >= 1; the input channels are
            split into this many equal groups, one statistic each (1 in the paper).
        **kwargs: `keras.layers.Layer` arguments.

    Returns:
        `[batch, height, width, channels + num_features]`, from NHWC inputs.

    Example:

    >>> import numpy as np
    >>> images = np.stack([np.zeros((2, 2, 3)), 2 * np.ones((2, 2, 3))]).astype("float32")
    >>> outputs = MinibatchStdDev(group_size=2)(images)
    >>> outputs.shape, round(float(outputs[0, 0, 0, 3]), 4)
    (TensorShape([2, 2, 2, 4]), 1.0)
    """

    def __init__(self, group_size=4, num_features=1, **kwargs):
        super().__init__(**kwargs)
        self.group_size = validation.check_positive_int("group_size", group_size)
        self.num_features = validation.check_positive_int("num_features", num_features)

    def build(self, input_shape):
        _check_rank("MinibatchStdDev", input_shape, 4, "[batch, height, width, channels]")
        channels = input_shape[-1]
        if channels is None or channels % self.num_features:
            raise ValueError(
                "The input channels must be known and divisible by `num_features`. "
                f"Received: channels={channels}, num_features={self.num_features}"
            )

    def call(self, inputs):
        batch, height, width, channels = ops.shape(inputs)
        candidates = ops.arange(1, self.group_size + 1, dtype="int32")
        divides = ops.equal(ops.mod(ops.cast(batch, "int32"), candidates), 0)
        group = ops.max(ops.where(divides, candidates, 1))
        features = self.num_features
        x = ops.cast(inputs, "float32")
        x = ops.reshape(x, (group, -1, height, width, features, channels // features))
        variance = ops.var(x, axis=0)  # [M, H, W, F, c], population variance
        std = ops.mean(ops.sqrt(variance + 1e-8), axis=(1, 2, 4))  # [M, F]
        std = ops.tile(std, (group, 1))  # image n = k * M + m gets row m
        std = ops.broadcast_to(std[:, None, None, :], (batch, height, width, features))
        return ops.concatenate([inputs, ops.cast(std, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] + self.num_features
        return (*input_shape[:-1], channels)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size,
                "num_features": self.num_features}


@keras.saving.register_keras_serializable(package="kerasgan")
class MinibatchDiscrimination(keras.layers.Layer):
    """Appends learned closeness to the rest of the batch (Salimans et al. 2016, 3.2).

    With a learned tensor `T` of shape `[features, num_kernels * kernel_dim]`, each
    example's `M_i = x_i T` is read as `num_kernels` rows of `kernel_dim`; for row
    `b`, `c_b(i, j) = exp(-||M_i,b - M_j,b||_1)` and `o(x_i)_b = sum_{j != i}
    c_b(i, j)`. The output is `concat([x, o(x)])`. Cost and memory grow as
    `batch**2 * num_kernels * kernel_dim`. `T` starts from N(0, 0.02), as the
    DCGAN weights do.

    Args:
        num_kernels: Number of similarity features appended, >= 1 (`B` in the paper).
        kernel_dim: Size of each row compared with the L1 distance, >= 1 (`C`).
        **kwargs: `keras.layers.Layer` arguments.

    Returns:
        `[batch, features + num_kernels]`, from flat `[batch, features]` inputs.

    Example:

    >>> import numpy as np
    >>> layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    >>> layer(np.ones((4, 5), "float32")).shape
    TensorShape([4, 8])
    """

    def __init__(self, num_kernels=50, kernel_dim=5, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels = validation.check_positive_int("num_kernels", num_kernels)
        self.kernel_dim = validation.check_positive_int("kernel_dim", kernel_dim)

    def build(self, input_shape):
        _check_rank("MinibatchDiscrimination", input_shape, 2, "[batch, features]")
        if input_shape[-1] is None:
            raise ValueError(
                f"The number of input features must be known. Received: input_shape={input_shape}"
            )
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=dcgan_initializer(),
        )

    def call(self, inputs):
        m = ops.reshape(ops.matmul(inputs, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        l1 = ops.sum(ops.abs(m[:, None] - m[None, :]), axis=-1)  # [i, j, b]
        # c_b(i, i) = exp(0) = 1 exactly, so subtracting 1 drops the j == i term.
        closeness = ops.sum(ops.exp(-l1), axis=1) - 1.0
        return ops.concatenate([inputs, closeness], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] + self.num_kernels)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels,
                "kernel_dim": self.kernel_dim}


# Augmentation names and the random draws (seeds) each one takes per call.
DIFF_AUGMENTATIONS = {"color": 3, "translation": 2, "cutout": 2}


def _parse_policy(policy):
    if not isinstance(policy, str):
        raise ValueError(f"`policy` must be a comma-separated string. Received: policy={policy!r}")
    names = tuple(name.strip() for name in policy.split(",") if name.strip())
    for name in names:
        if name not in DIFF_AUGMENTATIONS:
            raise ValueError(
                f"`policy` has an unknown augmentation {name!r}; valid ones are "
                f"{', '.join(map(repr, DIFF_AUGMENTATIONS))}. Received: policy={policy!r}"
            )
    return names


@keras.saving.register_keras_serializable(package="kerasgan")
class DiffAugment(keras.layers.Layer):
    """Differentiable augmentation of images in [-1, 1] (Zhao et al. 2020).

    Put it in front of the discriminator so that real and generated images are
    augmented the same way and the generator's gradients flow back through the
    augmentation. When `training` is falsy the input is returned unchanged. When
    training, each image gets its own random draw of each augmentation of `policy`,
    applied in the order written, with the authors' TF code's formulas and ranges:

    - `"color"`: add a brightness in [-0.5, 0.5); scale the deviation from the
      pixel's channel mean by a saturation in [0, 2); scale the deviation from the
      image mean by a contrast in [0.5, 1.5).
    - `"translation"`: shift by whole pixels, up to `round(translation_ratio * side)`
      in each axis, filling with zeros (a gather from the zero-padded image).
    - `"cutout"`: zero a `round(cutout_ratio * side)` rectangle centred anywhere in
      the image (clipped at its borders), through a multiplicative mask.

    Randomness comes from a `keras.random.SeedGenerator` owned by the layer (saved
    with it), so every call, eager or inside `tf.function`/`fit`, draws anew; its seed
    is folded with the replica id, so replicas of a distribution strategy draw
    different augmentations. Height and width must be static; batch may be `None`.

    Args:
        policy: Comma-separated augmentation names out of `"color"`,
            `"translation"` and `"cutout"`; `""` is the identity.
        translation_ratio: Largest shift as a fraction of the side, in [0, 1).
        cutout_ratio: Cutout side as a fraction of the image side, in [0, 1].
        seed: Optional int >= 0 seeding the layer's `SeedGenerator`.
        **kwargs: `keras.layers.Layer` arguments.

    Returns:
        Images of the input's shape and dtype.

    Example:

    >>> import numpy as np
    >>> images = np.zeros((2, 8, 8, 3), "float32")
    >>> augment = DiffAugment(seed=0)
    >>> bool(np.all(augment(images) == images)), augment(images, training=True).shape
    (True, TensorShape([2, 8, 8, 3]))
    """

    def __init__(self, policy="color,translation,cutout", translation_ratio=0.125,
                 cutout_ratio=0.5, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.policy = policy
        self.augmentations = _parse_policy(policy)
        self.translation_ratio = validation.check_fraction("translation_ratio", translation_ratio)
        self.cutout_ratio = validation.check_fraction("cutout_ratio", cutout_ratio,
                                                      upper_inclusive=True)
        self.seed = None if seed is None else validation.check_int_at_least("seed", seed, 0)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="seed_generator")

    def build(self, input_shape):
        _check_rank("DiffAugment", input_shape, 4, "[batch, height, width, channels]")
        if None in tuple(input_shape[1:3]):
            raise ValueError(
                "`DiffAugment` needs a static height and width. "
                f"Received: input_shape={tuple(input_shape)}"
            )

    def call(self, inputs, training=False):
        if not training or not self.augmentations:
            return inputs
        seed = distribute.replica_seed(self.seed_generator)  # differs per replica
        draws = sum(DIFF_AUGMENTATIONS[name] for name in self.augmentations)
        seeds = iter(tf.unstack(tf.random.experimental.stateless_split(seed, draws)))
        x = inputs
        for name in self.augmentations:
            x = getattr(self, f"_{name}")(x, seeds)
        return x

    @staticmethod
    def _uniform(seeds, x, low, high):
        """One draw per image, `[batch, 1, 1, 1]`, in [low, high)."""
        shape = (tf.shape(x)[0], 1, 1, 1)
        return tf.random.stateless_uniform(shape, next(seeds), low, high, dtype=x.dtype,
                                           alg="philox")

    @staticmethod
    def _randint(seeds, x, low, high):
        """One integer per image, `[batch, 1, 1, 1]`, in [low, high)."""
        shape = (tf.shape(x)[0], 1, 1, 1)
        return tf.random.stateless_uniform(shape, next(seeds), low, high, dtype=tf.int32,
                                           alg="philox")

    def _color(self, x, seeds):
        x = x + self._uniform(seeds, x, -0.5, 0.5)
        mean = ops.mean(x, axis=3, keepdims=True)
        x = (x - mean) * self._uniform(seeds, x, 0.0, 2.0) + mean
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        return (x - mean) * self._uniform(seeds, x, 0.5, 1.5) + mean

    def _translation(self, x, seeds):
        for axis in (1, 2):
            side = x.shape[axis]
            shift = int(side * self.translation_ratio + 0.5)
            offset = self._randint(seeds, x, -shift, shift + 1)
            # Output pixel p reads input pixel p + offset; indices that fall off the
            # image land on the zero padding at 0 or side + 1.
            positions = ops.reshape(ops.arange(side, dtype="int32"),
                                    (1, side, 1, 1) if axis == 1 else (1, 1, side, 1))
            index = ops.clip(positions + offset + 1, 0, side + 1)
            padding = [[0, 0]] * 4
            padding[axis] = [1, 1]
            x = ops.take_along_axis(ops.pad(x, padding), index, axis=axis)
        return x

    def _cutout(self, x, seeds):
        inside = None
        for axis in (1, 2):
            side = x.shape[axis]
            size = int(side * self.cutout_ratio + 0.5)
            # The authors' range for the centre, so odd and even sizes are unbiased.
            start = self._randint(seeds, x, 0, side + 1 - size % 2) - size // 2
            positions = ops.reshape(ops.arange(side, dtype="int32"),
                                    (1, side, 1, 1) if axis == 1 else (1, 1, side, 1))
            axis_inside = ops.logical_and(positions >= start, positions < start + size)
            inside = axis_inside if inside is None else ops.logical_and(inside, axis_inside)
        return x * ops.cast(ops.logical_not(inside), x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "policy": self.policy,
                "translation_ratio": self.translation_ratio,
                "cutout_ratio": self.cutout_ratio, "seed": self.seed}


# Equalized learning rate and pixel normalization (ProGAN, StyleGAN) ------------------

def _equalized_scale(fan_in, gain, lr_multiplier):
    return gain / float(fan_in) ** 0.5 * lr_multiplier


@keras.saving.register_keras_serializable(package="kerasgan")
class EqualizedDense(keras.layers.Layer):
    """A dense layer with the equalized learning rate of Karras et al. 2018 (Section 4.1).

    Weights are drawn from `N(0, 1 / lr_multiplier^2)` and multiplied at run time by
    `gain / sqrt(fan_in) * lr_multiplier` (He's constant), so every weight has the
    same dynamic range and Adam's per-weight normalisation updates them all at the
    same speed. `lr_multiplier=0.01` is StyleGAN's mapping network (Karras et al.
    2019, Appendix C); the bias is scaled by it as well.

    Args:
        units: Output features.
        gain: `sqrt(2)` before a leaky ReLU, 1 for a linear output.
        lr_multiplier: Learning-rate multiplier of this layer, > 0.
        use_bias: Whether to add a bias (initialized to `bias_init`).
        bias_init: Initial bias value (StyleGAN's style affines start at 1).
    """

    def __init__(self, units, gain=2 ** 0.5, lr_multiplier=1.0, use_bias=True, bias_init=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.gain = validation.check_positive_number("gain", gain)
        self.lr_multiplier = validation.check_positive_number("lr_multiplier", lr_multiplier)
        self.use_bias = bool(use_bias)
        self.bias_init = float(bias_init)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.scale = _equalized_scale(fan_in, self.gain, self.lr_multiplier)
        self.kernel = self.add_weight(
            name="kernel", shape=(fan_in, self.units),
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = self.add_weight(
            name="bias", shape=(self.units,),
            initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier),
        ) if self.use_bias else None

    def call(self, inputs):
        outputs = ops.matmul(inputs, self.kernel * self.scale)
        if self.bias is not None:
            outputs = outputs + self.bias * self.lr_multiplier
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "use_bias": self.use_bias,
                "bias_init": self.bias_init}


@keras.saving.register_keras_serializable(package="kerasgan")
class EqualizedConv2D(keras.layers.Layer):
    """A 'same'-padded, stride-1 convolution with the equalized learning rate
    (Karras et al. 2018, Section 4.1): kernel `N(0, 1)` scaled at run time by
    `gain / sqrt(kernel_size^2 * in_channels)`.

    Args:
        filters: Output channels.
        kernel_size: Square kernel side (3, or 1 for toRGB / fromRGB).
        gain: `sqrt(2)` before a leaky ReLU, 1 for toRGB.
        use_bias: Whether to add a bias.
    """

    def __init__(self, filters, kernel_size=3, gain=2 ** 0.5, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = validation.check_positive_int("filters", filters)
        self.kernel_size = validation.check_positive_int("kernel_size", kernel_size)
        self.gain = validation.check_positive_number("gain", gain)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        _check_rank("EqualizedConv2D", input_shape, 4, "[batch, height, width, channels]")
        channels = int(input_shape[-1])
        self.scale = _equalized_scale(self.kernel_size ** 2 * channels, self.gain, 1.0)
        self.kernel = self.add_weight(
            name="kernel", shape=(self.kernel_size, self.kernel_size, channels, self.filters),
            initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                    initializer="zeros") if self.use_bias else None

    def call(self, inputs):
        # conv(x, w) * c rather than conv(x, w * c): the same numbers, and the kernel
        # stays a constant the LiteRT converter can quantize to int8.
        outputs = ops.conv(inputs, self.kernel, strides=1, padding="same") * self.scale
        if self.bias is not None:
            outputs = outputs + self.bias
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "gain": self.gain, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="kerasgan")
class PixelNorm(keras.layers.Layer):
    """Pixelwise feature vector normalization (Karras et al. 2018, Section 4.2):
    `x / sqrt(mean(x^2 over channels) + epsilon)` at every pixel (or, on rank-2
    inputs, every vector: StyleGAN normalizes `z` this way)."""

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = validation.check_positive_number("epsilon", epsilon)

    def call(self, inputs):
        return inputs * ops.rsqrt(ops.mean(ops.square(inputs), axis=-1, keepdims=True)
                                  + self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
