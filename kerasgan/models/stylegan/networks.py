"""StyleGAN2's networks: the mapping network, the skip synthesis network, the whole
generator and the residual discriminator (Karras et al. 2020, Figure 7,
https://arxiv.org/abs/1912.04958)."""

import math

import keras
from keras import layers

from kerasgan import networks
from kerasgan.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNorm
from kerasgan.models.stylegan.layers import (BiasActivation, ConstantInput, ModulatedConv2D,
                                             NoiseInjection, Truncation)

_SQRT2 = math.sqrt(2.0)


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
