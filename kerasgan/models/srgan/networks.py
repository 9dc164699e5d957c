"""SRGAN's networks: the SRResNet generator, the VGG-style discriminator, and the frozen
VGG19 feature network of the VGG54 content loss (Ledig et al. 2017)."""

import math
import os

import keras
from keras import layers

from kerasgan import io_utils, validation
from kerasgan.networks import TORCH_BATCH_NORM_MOMENTUM
from kerasgan.models.srgan.layers import SubPixelUpsampling

#: The content losses SRGAN can train with (see `SRGAN`).
CONTENT_LOSSES = ("auto", "vgg", "discriminator", "mse")
#: Keras' file name of the VGG19 ImageNet weights without the classifier head.
VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
#: The VGG19 layer of the paper's VGG54 loss: the 4th convolution (after its ReLU)
#: before the 5th max-pooling (Ledig et al. 2017, Section 2.2.1).
VGG_FEATURE_LAYER = "block5_conv4"
#: The paper rescales the VGG feature maps by 1/12.75 "to obtain VGG losses of a scale
#: comparable to the MSE loss" (Section 3.2).
VGG_FEATURE_SCALE = 1.0 / 12.75
# 0.9, not Keras' 0.99: inference-mode outputs of short runs stay close to the
# training-mode ones (see `kerasgan.networks.TORCH_BATCH_NORM_MOMENTUM`).
_BATCH_NORM_MOMENTUM = TORCH_BATCH_NORM_MOMENTUM


def _prelu(name):
    # One slope per channel, as in the paper's per-feature-map PReLU; Keras' default
    # (one per pixel and channel) would tie the weights to the image size.
    return layers.PReLU(shared_axes=[1, 2], alpha_initializer=keras.initializers.Constant(0.25),
                        name=name)


def check_scale(scale):
    """`scale` is a power of two >= 2. Returns it as an int.

    Raises:
        ValueError: naming the value otherwise.
    """
    scale = validation.check_int_at_least("scale", scale, 2)
    if scale & (scale - 1):
        raise ValueError(f"`scale` must be a power of two (each upsampling block doubles the "
                         f"size). Received: scale={scale}")
    return scale


def low_resolution_shape(image_shape, scale):
    """The source shape `(h / scale, w / scale, c)` of high-resolution `image_shape`.

    Raises:
        ValueError: if the height or width is not a multiple of `scale`.
    """
    height, width, channels = image_shape
    if height % scale or width % scale:
        raise ValueError(f"`image_shape`'s height and width must be multiples of scale={scale}. "
                         f"Received: image_shape={tuple(image_shape)}")
    return (height // scale, width // scale, channels)


def residual_generator(image_shape, scale=4, num_residual_blocks=16, base_filters=64,
                       upsampled_skip=False, name="generator"):
    """The SRGAN generator (Ledig et al. 2017, Figure 4, top): SRResNet.

    A 9x9 convolution with PReLU; `num_residual_blocks` residual blocks (3x3 conv, batch
    norm, PReLU, 3x3 conv, batch norm, plus the block's input); a 3x3 convolution with
    batch norm added to the first PReLU's output (the long skip); `log2(scale)`
    sub-pixel blocks that each double the size (3x3 conv to `4 * base_filters`
    channels, `SubPixelUpsampling(2)`, PReLU); a 9x9 convolution to the image's
    channels with `tanh`. The paper's sizes are `num_residual_blocks=16`,
    `base_filters=64`.

    With `upsampled_skip=True` (not in the paper) the network predicts a residual on
    top of a fixed bilinear upsampling of its input, VDSR's global residual learning
    (Kim et al. 2016): `clip(bilinear(x) + r, -1, 1)`, where `r` is the last 9x9
    convolution's linear output (no `tanh`) and that convolution starts at zero, so
    the untrained generator is exactly bilinear upsampling. A from-scratch SRResNet
    needs far more steps than a CPU run affords to beat bicubic upsampling (the paper
    starts SRGAN from an SRResNet trained for 10^6 steps); the residual starts from
    a sound image and only has to learn the missing detail. The upsampling is a
    static-size `keras.layers.Resizing`, LiteRT's builtin `RESIZE_BILINEAR`, in
    float32 like the output.

    Args:
        image_shape: `(height, width, channels)` of the high-resolution output, height
            and width multiples of `scale`.
        scale: Upsampling factor, a power of two (4 in the paper).
        num_residual_blocks: `B`, the residual blocks, >= 1.
        base_filters: Channels of the residual trunk.
        upsampled_skip: Whether to add the network's output, as a residual, to a
            bilinear upsampling of the input (see above; False is the paper's).
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` `[batch, h / scale, w / scale,
        channels]` in [-1, 1] to images of `image_shape` in [-1, 1].

    Example:

    >>> generator = residual_generator((32, 32, 3), num_residual_blocks=1, base_filters=4,
    ...                                upsampled_skip=True)
    >>> generator.output_shape
    (None, 32, 32, 3)

    Reference:
        Ledig et al. 2016, https://arxiv.org/abs/1609.04802; for `upsampled_skip`, Kim,
        Lee & Lee 2016 (VDSR), https://arxiv.org/abs/1511.04587
    """
    scale = check_scale(scale)
    upsampled_skip = validation.check_bool("upsampled_skip", upsampled_skip)
    source_shape = low_resolution_shape(image_shape, scale)
    sources = keras.Input(shape=source_shape, name="images")
    x = layers.Conv2D(base_filters, 9, padding="same", name="head_conv")(sources)
    x = head = _prelu("head_prelu")(x)
    for i in range(num_residual_blocks):
        skip = x
        x = layers.Conv2D(base_filters, 3, padding="same", use_bias=False,
                          name=f"residual_{i}_conv_0")(x)
        x = layers.BatchNormalization(momentum=_BATCH_NORM_MOMENTUM,
                                      name=f"residual_{i}_batch_norm_0")(x)
        x = _prelu(f"residual_{i}_prelu")(x)
        x = layers.Conv2D(base_filters, 3, padding="same", use_bias=False,
                          name=f"residual_{i}_conv_1")(x)
        x = layers.BatchNormalization(momentum=_BATCH_NORM_MOMENTUM,
                                      name=f"residual_{i}_batch_norm_1")(x)
        x = layers.Add(name=f"residual_{i}_add")([skip, x])
    x = layers.Conv2D(base_filters, 3, padding="same", use_bias=False, name="trunk_conv")(x)
    x = layers.BatchNormalization(momentum=_BATCH_NORM_MOMENTUM, name="trunk_batch_norm")(x)
    x = layers.Add(name="long_skip")([head, x])
    for i in range(int(math.log2(scale))):
        x = layers.Conv2D(4 * base_filters, 3, padding="same", name=f"upsample_{i}_conv")(x)
        x = SubPixelUpsampling(2, name=f"upsample_{i}_shuffle")(x)
        x = _prelu(f"upsample_{i}_prelu")(x)
    if not upsampled_skip:
        x = layers.Conv2D(image_shape[-1], 9, padding="same", name="to_image")(x)
        images = layers.Activation("tanh", dtype="float32", name="tanh")(x)
        return keras.Model(sources, images, name=name)
    # Zero-initialized so that the untrained generator is the bilinear upsampling; its
    # kernel still gets a gradient at the first step (from the features it multiplies).
    residual = layers.Conv2D(image_shape[-1], 9, padding="same", kernel_initializer="zeros",
                             name="to_image")(x)
    upsampled = layers.Resizing(image_shape[0], image_shape[1], interpolation="bilinear",
                                dtype="float32", name="bilinear_upsample")(sources)
    x = layers.Add(dtype="float32", name="upsampled_skip")([upsampled, residual])
    # A clip, not tanh: tanh would shrink the bilinear image (tanh(1) = 0.76).
    images = layers.Activation("hard_tanh", dtype="float32", name="clip")(x)
    return keras.Model(sources, images, name=name)


def vgg_discriminator(image_shape, base_filters=64, name="discriminator"):
    """The SRGAN discriminator (Ledig et al. 2017, Figure 4, bottom), judging
    high-resolution images alone (no source).

    Eight 3x3 convolutions with `1, 1, 2, 2, 4, 4, 8, 8` times `base_filters` filters,
    alternately stride 1 and 2 (`k3n64s1, k3n64s2, k3n128s1, ..., k3n512s2` at
    `base_filters=64`), batch norm on all but the first, LeakyReLU(0.2); then dense
    `16 * base_filters` units (1024 in the paper), LeakyReLU(0.2), and one logit (the
    paper's sigmoid is in the loss).

    Args:
        image_shape: `(height, width, channels)` of the judged images.
        base_filters: Filters of the first convolutions.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` to `[logits [batch, 1], features]`:
        the real/fake logit and the last convolution block's activations
        `[batch, h / 16, w / 16, 8 * base_filters]`, which SRGAN's
        `content_loss="discriminator"` matches.
    """
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i in range(8):
        normalize = i > 0
        x = layers.Conv2D(base_filters * 2 ** (i // 2), 3, strides=1 + i % 2, padding="same",
                          use_bias=not normalize, name=f"conv_{i}")(x)
        if normalize:
            x = layers.BatchNormalization(momentum=_BATCH_NORM_MOMENTUM,
                                          name=f"batch_norm_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    features = layers.Activation("linear", dtype="float32", name="features")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(16 * base_filters, name="dense")(x)
    x = layers.LeakyReLU(0.2, name="dense_leaky_relu")(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(images, [logits, features], name=name)


def find_vgg19_weights():
    """The path of Keras' cached VGG19 ImageNet weights (`VGG19_WEIGHTS_FILE` in
    `$KERAS_HOME/models`, `~/.keras/models` or `/tmp/.keras/models`), or None. Never
    downloads."""
    for directory in io_utils.keras_cache_dirs():
        candidate = os.path.join(directory, VGG19_WEIGHTS_FILE)
        if os.path.isfile(candidate):
            return candidate
    return None


def vgg_feature_network(image_shape, weights_path):
    """VGG19's `block5_conv4` activations (the paper's VGG54) of images in [-1, 1].

    The images are brought to VGG's input: `[0, 255]`, grey repeated to RGB, then
    `keras.applications.vgg19.preprocess_input` (BGR, ImageNet mean subtracted). The
    network is frozen.

    Args:
        image_shape: `(height, width, channels)`, height and width >= 32.
        weights_path: A VGG19 `..._notop.h5` ImageNet weights file.

    Returns:
        A functional `keras.Model` from images to `[batch, h / 16, w / 16, 512]`.
    """
    images = keras.Input(shape=image_shape, name="images")
    x = layers.Rescaling(127.5, offset=127.5, name="to_pixels")(images)
    if image_shape[-1] == 1:
        x = layers.Concatenate(name="grey_to_rgb")([x, x, x])
    x = layers.Lambda(keras.applications.vgg19.preprocess_input, name="vgg19_preprocess")(x)
    vgg = keras.applications.VGG19(include_top=False, weights=weights_path,
                                   input_shape=(*image_shape[:2], 3))
    vgg.trainable = False
    features = keras.Model(vgg.input, vgg.get_layer(VGG_FEATURE_LAYER).output,
                           name="vgg19_block5_conv4")(x)
    network = keras.Model(images, features, name="vgg54")
    network.trainable = False
    return network


def vgg19_weights_location():
    """Where `find_vgg19_weights` looks first, and where Keras would download the file."""
    return os.path.join(io_utils.keras_cache_dirs()[0], VGG19_WEIGHTS_FILE)
