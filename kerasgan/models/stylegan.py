"""StyleGAN2: a style-based generator with modulated and demodulated convolutions.

The generator maps `z` through an MLP (the mapping network) to an intermediate latent
`w`, and draws the image from a learned constant 4x4 tensor with convolutions whose
weights each `w` modulates (one `w` per layer, so two latents can be mixed), per-pixel
noise, and toRGB outputs at every resolution summed into the image (the "skip"
generator). The discriminator is residual, with a minibatch standard deviation layer.

References:
    Karras, Laine, Aittala, Hellsten, Lehtinen & Aila, 2020, "Analyzing and Improving
    the Image Quality of StyleGAN", CVPR 2020. https://arxiv.org/abs/1912.04958
    (modulation and demodulation, Section 2.2 and Eq. 1-3; skip generator and
    residual discriminator, Section 4.1 and Figure 7; lazy regularization, Section 3.1).

    Karras, Laine & Aila, 2019, "A Style-Based Generator Architecture for Generative
    Adversarial Networks", CVPR 2019. https://arxiv.org/abs/1812.04948 (mapping
    network, Section 2; noise inputs, Section 3.2; style mixing, Section 3.1;
    truncation trick, Section 3.1 and Appendix B; mapping learning rate, Appendix C).
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from kerasgan import distribute, losses, networks, validation
from kerasgan.images import to_uint8
from kerasgan.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNorm
from kerasgan.models.base import AdversarialModel
from kerasgan.registry import register_model

_SQRT2 = math.sqrt(2.0)


# Blocks ------------------------------------------------------------------------------

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


# Networks ----------------------------------------------------------------------------

def _widths(image_shape, base_filters):
    """`{resolution: channels}`: `base_filters` at the image's side, doubling at each
    coarser resolution up to `8 * base_filters` (the paper's 512 cap, relatively)."""
    side = image_shape[0]
    steps = networks.num_resolution_steps(image_shape)
    return {4 * 2 ** k: base_filters * min(8, side // (4 * 2 ** k)) for k in range(steps + 1)}


def num_ws(image_shape):
    """Per-layer `w`s of the synthesis network: two per resolution above 4x4 (its
    convolutions; the toRGB shares the next one's `w`), plus the 4x4 convolution's and
    the last toRGB's: `2 * log2(side) - 2`, 8 for 32x32."""
    return 2 * networks.num_resolution_steps(image_shape) + 2


def mapping_network(latent_dim, w_dim, mapping_layers=8, lr_multiplier=0.01, name="mapping"):
    """StyleGAN's mapping network `z -> w` (Karras et al. 2019, Section 2).

    `PixelNorm` on `z`, then `mapping_layers` equalized dense layers with leaky ReLU
    and a learning rate `lr_multiplier` times the rest (0.01, Appendix C).

    Returns:
        A functional `keras.Model` from `latent` `[batch, latent_dim]` to `w`
        `[batch, w_dim]`.
    """
    z = keras.Input((latent_dim,), name="latent")
    x = PixelNorm(name="normalize_z")(z)
    for i in range(mapping_layers):
        x = EqualizedDense(w_dim, lr_multiplier=lr_multiplier, name=f"dense_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    return keras.Model(z, x, name=name)


def synthesis_network(image_shape, w_dim, base_filters, seed=None, name="synthesis"):
    """StyleGAN2's synthesis network with skip toRGB outputs (Figure 7b of Karras et
    al. 2020).

    From a learned constant 4x4: at each resolution, (2x bilinear upsampling and)
    modulated 3x3 convolutions, each followed by noise, bias and leaky ReLU, and a
    modulated, not demodulated, 1x1 toRGB whose output is added to the upsampled
    image of the coarser resolutions. Bilinear 2x upsampling with half-pixel centres
    is the paper's `[1, 3, 3, 1]` FIR upsampling filter, up to the image border;
    upsampling before a 3x3 convolution stands in for its transposed convolution.
    Each layer's style is an affine map of its own `w` (an equalized dense layer,
    bias initialized to 1). The image is bounded by `tanh`, so every image the
    discriminator sees and the export serves lies in [-1, 1] (the paper leaves it
    unbounded and clips for display).

    Returns:
        A functional `keras.Model` from `ws` `[batch, num_ws(image_shape), w_dim]` to
        images `[batch, H, W, C]` in [-1, 1].
    """
    widths = _widths(image_shape, base_filters)
    ws = keras.Input((num_ws(image_shape), w_dim), name="ws")
    noise_seeds = iter(range(1, 10 ** 6)) if seed is not None else None

    def styled_conv(x, index, filters, label):
        styles = EqualizedDense(x.shape[-1], gain=1.0, bias_init=1.0,
                                name=f"{label}_affine")(ws[:, index])
        x = ModulatedConv2D(filters, 3, name=f"{label}_conv")([x, styles])
        x = NoiseInjection(None if seed is None else seed + next(noise_seeds),
                           name=f"{label}_noise")(x)
        return BiasActivation(name=f"{label}_bias")(x)

    def to_rgb(x, index, label):
        styles = EqualizedDense(x.shape[-1], gain=1.0, bias_init=1.0,
                                name=f"{label}_affine")(ws[:, index])
        x = ModulatedConv2D(image_shape[-1], 1, demodulate=False, name=f"{label}_conv")(
            [x, styles])
        return BiasActivation("linear", name=f"{label}_bias")(x)

    x = ConstantInput(widths[4], name="constant")(ws)
    x = styled_conv(x, 0, widths[4], "4x4")
    images = to_rgb(x, 1, "4x4_to_rgb")
    for k, resolution in enumerate(sorted(widths)[1:], start=1):
        label = f"{resolution}x{resolution}"
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"{label}_upsample")(x)
        x = styled_conv(x, 2 * k - 1, widths[resolution], f"{label}_0")
        x = styled_conv(x, 2 * k, widths[resolution], f"{label}_1")
        images = layers.UpSampling2D(2, interpolation="bilinear",
                                     name=f"{label}_upsample_rgb")(images)
        images = layers.Add(name=f"{label}_add_rgb")([images, to_rgb(x, 2 * k + 1,
                                                                      f"{label}_to_rgb")])
    images = layers.Activation("tanh", name="tanh")(images)
    return keras.Model(ws, images, name=name)


def stylegan_generator(latent_dim, image_shape, base_filters, w_dim, mapping_layers=8,
                       mapping_lr_multiplier=0.01, w_avg_decay=0.995, seed=None,
                       name="generator"):
    """The whole generator `z -> image`: mapping, `Truncation` (identity, holds
    `w_avg`), the same `w` for every layer, synthesis.

    Returns:
        A functional `keras.Model` from `z` `[batch, latent_dim]` to images in [-1, 1];
        its layers `mapping`, `truncation` and `synthesis` are the parts.
    """
    z = keras.Input((latent_dim,), name="z")
    w = mapping_network(latent_dim, w_dim, mapping_layers, mapping_lr_multiplier)(z)
    w = Truncation(w_avg_decay, name="truncation")(w)
    ws = layers.RepeatVector(num_ws(image_shape), name="broadcast_w")(w)
    images = synthesis_network(image_shape, w_dim, base_filters, seed)(ws)
    return keras.Model(z, images, name=name)


def stylegan_discriminator(image_shape, base_filters, name="discriminator"):
    """StyleGAN2's residual discriminator (Figure 7c of Karras et al. 2020).

    fromRGB (1x1), then per resolution two 3x3 convolutions and 2x average pooling,
    added to a pooled 1x1 projection of the block's input and scaled by `1/sqrt(2)`;
    at 4x4 a minibatch standard deviation channel (group 4), a 3x3 convolution and two
    dense layers. Equalized learning rate and leaky ReLU (0.2) throughout. Average
    pooling stands in for the paper's blur-then-subsample.

    Returns:
        A functional `keras.Model` from `images` to one logit `[batch, 1]`.
    """
    widths = _widths(image_shape, base_filters)
    images = keras.Input(image_shape, name="images")
    side = image_shape[0]
    x = EqualizedConv2D(widths[side], 1, name="from_rgb")(images)
    x = layers.LeakyReLU(0.2, name="from_rgb_leaky_relu")(x)
    resolution = side
    while resolution > 4:
        label = f"{resolution}x{resolution}"
        coarser = widths[resolution // 2]
        skip = layers.AveragePooling2D(2, name=f"{label}_skip_pool")(x)
        skip = EqualizedConv2D(coarser, 1, gain=1.0, use_bias=False, name=f"{label}_skip")(skip)
        x = EqualizedConv2D(widths[resolution], 3, name=f"{label}_conv_0")(x)
        x = layers.LeakyReLU(0.2, name=f"{label}_leaky_relu_0")(x)
        x = EqualizedConv2D(coarser, 3, name=f"{label}_conv_1")(x)
        x = layers.LeakyReLU(0.2, name=f"{label}_leaky_relu_1")(x)
        x = layers.AveragePooling2D(2, name=f"{label}_pool")(x)
        x = layers.Add(name=f"{label}_residual")([x, skip])
        x = layers.Rescaling(1.0 / _SQRT2, name=f"{label}_residual_scale")(x)
        resolution //= 2
    x = MinibatchStdDev(group_size=4, name="minibatch_stddev")(x)
    x = EqualizedConv2D(widths[4], 3, name="4x4_conv")(x)
    x = layers.LeakyReLU(0.2, name="4x4_leaky_relu")(x)
    x = layers.Flatten(name="flatten")(x)
    x = EqualizedDense(widths[4], name="dense")(x)
    x = layers.LeakyReLU(0.2, name="dense_leaky_relu")(x)
    logits = EqualizedDense(1, gain=1.0, name="logits")(x)
    return keras.Model(images, logits, name=name)


# Model -------------------------------------------------------------------------------

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

    def check_truncation(self, truncation, num_images):
        """Validates psi for `generate`: a finite number, or one per image. Returns a
        float32 numpy array `[num_images]`, or None for None."""
        if truncation is None:
            return None
        values = np.asarray(truncation)
        if values.ndim == 0:
            values = np.full([num_images], values)
        ok = (values.shape == (num_images,) and values.dtype != bool
              and np.issubdtype(values.dtype, np.number) and np.all(np.isfinite(values)))
        if not ok or isinstance(truncation, bool):
            raise ValueError(
                "`truncation` (psi) must be a finite number or one per image "
                f"({num_images}). Received: truncation={truncation!r}")
        return values.astype(np.float32)

    def generate(self, num_images, labels=None, seed=None, batch_size=256, truncation=None):
        """Generates images in [-1, 1] as a float32 numpy array `[num, H, W, C]`.

        Args:
            num_images: How many images.
            labels: Must be None: the model is unconditional.
            seed: Int seed for reproducible latents; random if None.
            batch_size: Images per generator call.
            truncation: Optional psi (one number, or one per image): images of
                `w_avg + psi * (w - w_avg)`. Lower psi trades variety for typical
                images (0.7 is usual). None or 1: the plain generator.
        """
        num_images = validation.check_positive_int("num_images", num_images)
        if labels is not None:
            raise ValueError(f"{self.name} is unconditional and takes no `labels`.")
        truncation = self.check_truncation(truncation, num_images)
        if seed is None:
            seed = np.random.randint(0, 2**31 - 1)
        inputs = self.draw_latents(num_images, int(seed))
        if truncation is not None:
            inputs["truncation"] = tf.constant(truncation)
        chunks = [self.generate_from({key: value[start:start + batch_size]
                                      for key, value in inputs.items()})
                  for start in range(0, num_images, batch_size)]
        return np.concatenate([np.asarray(c) for c in chunks]).astype(np.float32)

    def export_endpoints(self):
        """The base's endpoints plus `truncated`: `z` float32 `[None, latent_dim]` and
        `truncation` float32 `[None]` (psi per image, or `[psi]` for all) to `images`
        uint8. The `.tflite` holds `serving_default` only (psi = 1)."""
        endpoints = super().export_endpoints()

        def truncated(z, truncation):
            z = tf.ensure_shape(z, [None, self.latent_dim], name="z")
            return {"images": to_uint8(self.truncated_images(z, truncation))}

        endpoints["truncated"] = (truncated, [
            tf.TensorSpec([None, self.latent_dim], tf.float32, name="z"),
            tf.TensorSpec([None], tf.float32, name="truncation")])
        return endpoints

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
                    w_avg_decay=w_avg_decay, r1_weight=r1_weight, r1_interval=r1_interval, seed=seed, name="stylegan",
                    **tricks)
