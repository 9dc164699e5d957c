"""ProGAN's growing networks (Karras et al. 2018, Table 2,
https://arxiv.org/abs/1710.10196): every layer of every resolution, created once
(`create_blocks`), and the functional generator and discriminator of one stage
(`generator_at`, `discriminator_at`), rebuilt from those same layers as the model grows."""

import keras
from keras import layers

from kerasgan.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNorm
from kerasgan.models.progan.layers import ClipOutsideTraining, FadeIn, NearestUpSampling2D

_LEAK = 0.2


def resolution_at(stage):
    """Side of the images at `stage`: `4 * 2**stage`."""
    return 4 * 2 ** stage


def filters_at(stage, num_stages, base_filters):
    """Feature maps at the resolution of `stage`: `base_filters` at the image size,
    doubling per coarser resolution, at most `8 * base_filters`."""
    return min(base_filters * 2 ** (num_stages - 1 - stage), 8 * base_filters)


def create_blocks(image_shape, num_stages, base_filters, minibatch_group_size):
    """Every layer of every resolution, unbuilt: `{"fade_in": FadeIn, "generator":
    [layers], "discriminator": [layers]}` (the model's `blocks`)."""
    side, channels = image_shape[0], image_shape[-1]
    generator = [PixelNorm(name="g_normalize_z")]
    discriminator = []
    for stage in range(num_stages):
        size, width = resolution_at(stage), filters_at(stage, num_stages, base_filters)
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
                MinibatchStdDev(minibatch_group_size, name=d + "stddev"),
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
                EqualizedConv2D(filters_at(stage - 1, num_stages, base_filters), 3,
                                name=d + "conv1"),
                layers.LeakyReLU(_LEAK, name=d + "act1"),
                layers.AveragePooling2D(2, name=d + "downsample"),
                layers.AveragePooling2D(2, name=d + "downsample_rgb")]
    generator.append(ClipOutsideTraining(name="g_output"))
    return {"fade_in": FadeIn(name="fade_in"), "generator": generator,
            "discriminator": discriminator}


def _by_name(blocks, player):
    return {layer.name: layer for layer in blocks[player]}


def generator_at(blocks, stage, latent_dim):
    """The generator of `stage` from `blocks`: `z` to images of the image size (the
    stage's resolution, nearest-upsampled), fading in the stage's block."""
    layer = _by_name(blocks, "generator")
    z = keras.Input((latent_dim,), name="z")
    x = layer["g_normalize_z"](z)
    previous = None
    for s in range(stage + 1):
        g = f"g{resolution_at(s)}_"
        previous = x
        names = (["dense", "reshape", "act0", "norm0"] if s == 0
                 else ["upsample", "conv0", "act0", "norm0"])
        for name in [*names, "conv1", "act1", "norm1"]:
            x = layer[g + name](x)
    g = f"g{resolution_at(stage)}_"
    images = layer[g + "to_rgb"](x)
    if stage > 0:
        old = layer[f"g{resolution_at(stage - 1)}_to_rgb"](previous)
        images = blocks["fade_in"]([layer[g + "upsample_rgb"](old), images])
    if g + "to_image_size" in layer:
        images = layer[g + "to_image_size"](images)
    images = layer["g_output"](images)
    return keras.Model(z, images, name="generator")


def discriminator_at(blocks, stage, image_shape):
    """The discriminator of `stage` from `blocks`: image-size images (average-pooled
    to the stage's resolution) to one score, fading in the stage's block."""
    layer = _by_name(blocks, "discriminator")
    images = keras.Input(image_shape, name="images")

    def from_rgb(s, x):
        d = f"d{resolution_at(s)}_"
        return layer[d + "from_rgb_act"](layer[d + "from_rgb"](x))

    def body(s, x):
        d = f"d{resolution_at(s)}_"
        names = (["stddev", "conv0", "act0", "flatten", "dense", "act1", "score"]
                 if s == 0 else ["conv0", "act0", "conv1", "act1", "downsample"])
        for name in names:
            x = layer[d + name](x)
        return x

    d = f"d{resolution_at(stage)}_"
    x = layer[d + "from_image_size"](images) if d + "from_image_size" in layer else images
    h = body(stage, from_rgb(stage, x))
    if stage > 0:
        old = from_rgb(stage - 1, layer[d + "downsample_rgb"](x))
        h = blocks["fade_in"]([old, h])
        for s in range(stage - 1, -1, -1):
            h = body(s, h)
    return keras.Model(images, h, name="discriminator")
