"""CycleGAN's ResNet generator and the checks of its image shapes (Zhu et al. 2017,
Appendix 7.2, https://arxiv.org/abs/1703.10593; Johnson et al. 2016)."""

import keras
import numpy as np
from keras import layers

from kerasgan import networks, validation
from kerasgan.models.cyclegan.layers import ReflectionPadding2D


def check_translation_shape(name, shape):
    """`shape` is `(height, width, channels)` with height and width multiples of 4 and
    >= 8 (two stride-2 convolutions down to at least 2x2, which the residual blocks'
    reflection padding needs). Returns it as a tuple.

    Raises:
        ValueError: naming `name` and the value otherwise.
    """
    try:
        shape = validation.check_image_shape(shape)
    except ValueError:
        raise ValueError(f"`{name}` must be (height, width, channels) of positive integers. "
                         f"Received: {name}={shape!r}") from None
    if any(side % 4 or side < 8 for side in shape[:2]):
        raise ValueError(f"CycleGAN's generators halve the image twice: `{name}`'s height and "
                         f"width must be multiples of 4 and at least 8. Received: "
                         f"{name}={shape}")
    return shape


def check_domain_shapes(image_shape, source_shape, identity_weight, patch_layers):
    """Checks CycleGAN's two domains and its PatchGAN depth together: both shapes as
    `check_translation_shape` wants them, of one height and width, with the same
    channels when the identity loss is on (`identity_weight`), and `patch_layers`
    halvings that fit the image. Returns `patch_layers` (None: 3 for sides >= 64,
    else 2).

    Raises:
        ValueError: naming the argument and the value.
    """
    image_shape = check_translation_shape("image_shape", image_shape)
    if source_shape is not None:
        source_shape = check_translation_shape("source_shape", source_shape)
        if source_shape[:2] != image_shape[:2]:
            raise ValueError(f"CycleGAN translates between images of one size: "
                             f"`source_shape` must have image_shape's height and width "
                             f"{image_shape[:2]}. Received: source_shape={source_shape}")
        if identity_weight and source_shape[-1] != image_shape[-1]:
            raise ValueError(
                f"The identity loss feeds each generator images of its own output domain, "
                f"so both domains need the same channels: pass identity_weight=0 for "
                f"source_shape={source_shape} and image_shape={image_shape}. Received: "
                f"identity_weight={identity_weight!r}")
    if patch_layers is None:
        patch_layers = 3 if min(image_shape[:2]) >= 64 else 2
    patch_layers = validation.check_int_at_least("patch_layers", patch_layers, 1)
    if 2 ** patch_layers > min(image_shape[:2]):
        raise ValueError(f"`patch_layers` halves the image that many times: at most "
                         f"{int(np.log2(min(image_shape[:2])))} for image_shape="
                         f"{image_shape}. Received: patch_layers={patch_layers!r}")
    return patch_layers


def resnet_generator(image_shape, base_filters=64, num_residual_blocks=9, source_shape=None,
                     name="generator"):
    """CycleGAN's ResNet generator (Zhu et al. 2017, Appendix 7.2; Johnson et al. 2016).

    `c7s1-k, d2k, d4k, R4k x num_residual_blocks, u2k, uk, c7s1-C` with `k =
    base_filters` and `C` the output's channels: a 7x7 convolution, two 3x3 stride-2
    convolutions, residual blocks of two 3x3 convolutions each, two 3x3 stride-2
    transposed convolutions and a 7x7 convolution to the image with `tanh`. Every
    convolution but the last is followed by instance normalization and ReLU (the
    second convolution of a residual block by instance norm only, before the add);
    the 7x7 and residual convolutions pad by reflection (`ReflectionPadding2D`), the
    strided ones with zeros. The paper uses `k=64` with 6 blocks at 128x128 and 9 at
    256x256. Convolutions followed by a normalization have no bias (its offset
    replaces it); weights start from N(0, 0.02), as in the paper's code.

    Args:
        image_shape: `(height, width, channels)` of the output; height and width
            multiples of 4, at least 8.
        base_filters: `k`, the first convolution's filters (the residual trunk has 4k).
        num_residual_blocks: Residual blocks, >= 1.
        source_shape: `(height, width, channels)` of the input; default `image_shape`.
            Same height and width as the output.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` (in [-1, 1]) to images in [-1, 1] of
        `image_shape`.
    """
    image_shape = check_translation_shape("image_shape", image_shape)
    source_shape = tuple(source_shape or image_shape)
    sources = keras.Input(shape=source_shape, name="images")

    def conv(x, filters, size, label, strides=1, transpose=False):
        if size > 1 and strides == 1 and not transpose:
            x = ReflectionPadding2D(size // 2, name=f"{label}_pad")(x)
        layer = layers.Conv2DTranspose if transpose else layers.Conv2D
        x = layer(filters, size, strides=strides, padding="same" if strides > 1 else "valid",
                  use_bias=False, kernel_initializer=networks.dcgan_initializer(),
                  name=f"{label}_conv")(x)
        return networks.instance_normalization(name=f"{label}_instance_norm")(x)

    x = layers.ReLU(name="c7s1_relu")(conv(sources, base_filters, 7, "c7s1"))
    for i in range(2):
        x = conv(x, base_filters * 2 ** (i + 1), 3, f"down_{i}", strides=2)
        x = layers.ReLU(name=f"down_{i}_relu")(x)
    for i in range(num_residual_blocks):
        skip = x
        x = conv(x, 4 * base_filters, 3, f"residual_{i}_0")
        x = layers.ReLU(name=f"residual_{i}_relu")(x)
        x = conv(x, 4 * base_filters, 3, f"residual_{i}_1")
        x = layers.Add(name=f"residual_{i}_add")([skip, x])
    for i in range(2):
        x = conv(x, base_filters * 2 ** (1 - i), 3, f"up_{i}", strides=2, transpose=True)
        x = layers.ReLU(name=f"up_{i}_relu")(x)
    x = ReflectionPadding2D(3, name="to_image_pad")(x)
    x = layers.Conv2D(image_shape[-1], 7, kernel_initializer=networks.dcgan_initializer(),
                      name="to_image")(x)
    images = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(sources, images, name=name)
