"""SRGAN: single-image super-resolution with a residual generator and a VGG-style
discriminator.

Reference:
    Ledig, Theis, Huszar, Caballero, Cunningham, Acosta, Aitken, Tejani, Totz, Wang &
    Shi, 2016, "Photo-Realistic Single Image Super-Resolution Using a Generative
    Adversarial Network", CVPR 2017. https://arxiv.org/abs/1609.04802

The generator's optional bilinear skip (`upsampled_skip`, not in SRGAN) is VDSR's global
residual learning: Kim, Lee & Lee, 2016, "Accurate Image Super-Resolution Using Very
Deep Convolutional Networks", CVPR 2016. https://arxiv.org/abs/1511.04587
"""

import logging
import math
import os

import keras
import tensorflow as tf
from keras import layers

from kerasgan import losses, validation
from kerasgan.models.base import ImageToImageModel
from kerasgan.registry import register_model

_LOGGER = logging.getLogger(__name__)

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
# Keras' default momentum (0.99) averages over ~100 steps; 0.9 keeps inference-mode
# outputs of short runs close to the training-mode ones (as in pix2pix.py).
_BATCH_NORM_MOMENTUM = 0.9

# Blocks ----------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class SubPixelUpsampling(layers.Layer):
    """Sub-pixel convolution's shuffle (Shi et al. 2016): rearranges `[b, h, w, c *
    scale**2]` into `[b, h * scale, w * scale, c]` with `tf.nn.depth_to_space`, so
    `output[b, h * scale + i, w * scale + j, k] = input[b, h, w, (i * scale + j) * c + k]`.

    It converts to LiteRT's builtin `DEPTH_TO_SPACE` op.

    Args:
        scale: Upsampling factor, an int >= 2.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> SubPixelUpsampling(2)(np.zeros((1, 3, 3, 8), "float32")).shape
    TensorShape([1, 6, 6, 2])

    Reference:
        Shi et al., 2016, "Real-Time Single Image and Video Super-Resolution Using an
        Efficient Sub-Pixel Convolutional Neural Network". https://arxiv.org/abs/1609.05158
    """

    def __init__(self, scale=2, **kwargs):
        super().__init__(**kwargs)
        self.scale = validation.check_int_at_least("scale", scale, 2)

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.scale)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        if channels is not None and channels % self.scale**2:
            raise ValueError(f"SubPixelUpsampling(scale={self.scale}) needs channels divisible "
                             f"by {self.scale**2}. Received: input_shape={tuple(input_shape)}")
        return (batch, None if height is None else height * self.scale,
                None if width is None else width * self.scale,
                None if channels is None else channels // self.scale**2)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


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


def _keras_cache_dirs():
    # Where keras.utils.get_file puts downloads: $KERAS_HOME, else ~/.keras, else
    # /tmp/.keras when the home directory is not writable.
    bases = [os.environ.get("KERAS_HOME"), os.path.join(os.path.expanduser("~"), ".keras"),
             os.path.join("/tmp", ".keras")]
    return [os.path.join(base, "models") for base in bases if base]


def find_vgg19_weights():
    """The path of Keras' cached VGG19 ImageNet weights (`VGG19_WEIGHTS_FILE` in
    `$KERAS_HOME/models`, `~/.keras/models` or `/tmp/.keras/models`), or None. Never
    downloads."""
    for directory in _keras_cache_dirs():
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


class _Untracked:
    """Holds a network out of Keras' tracking: the frozen VGG19 is neither trained nor
    saved with the model (its weights are Keras' cached file)."""

    def __init__(self, value):
        self.value = value


# Model ----------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class SRGAN(ImageToImageModel):
    """SRGAN: a residual generator `G` that upsamples low-resolution images `scale`
    times, against a discriminator `D` of high-resolution images (Ledig et al. 2017).

    The generator minimizes the perceptual loss `l_content + adversarial_weight *
    l_adversarial` (Eq. 3): `l_adversarial = -log D(G(x))` (Eq. 6, non-saturating) with
    `adversarial_weight = 1e-3`, and the content loss is chosen by `content_loss`:

    - `"vgg"`: the paper's VGG54 loss (Eq. 5): the mean squared difference of VGG19
      `block5_conv4` activations of `G(x)` and `y`, rescaled by 1/12.75 (Section 3.2).
      Needs the ImageNet weights in Keras' cache (`~/.keras/models/` or
      `$KERAS_HOME/models/`, file `VGG19_WEIGHTS_FILE`); they are never downloaded.
    - `"discriminator"`: for machines without those weights: the pixel MSE (Eq. 4)
      plus the mean squared difference of D's last convolution block's activations
      on `G(x)` and on `y` (feature matching per pair, D's features standing in for
      VGG's).
    - `"mse"`: the pixel MSE alone (the paper's SRGAN-MSE).
    - `"auto"` (default): `"vgg"` when the weights file is found, else
      `"discriminator"`.

    The choice made is the `content_loss` attribute (what `get_config` saves, so a
    reloaded model trains with the same loss) and is logged; `requested_content_loss`
    keeps the argument, and the export's model card records both. D is unconditional,
    as in the paper: `discriminator_inputs` passes the judged image alone, so the R1
    penalty (`r1_weight`) differentiates with respect to it. D's loss is the sigmoid
    cross-entropy of real against super-resolved images, with one-sided label
    smoothing (`label_smoothing`).

    The generator is deterministic (no noise, no dropout): `translate(images)` gives
    `G(x)`; `generate` raises.

    `upsampled_skip=True` departs from the paper for short CPU runs: `G` predicts a
    residual on top of a fixed bilinear upsampling of `x` (VDSR's global residual
    learning, Kim et al. 2016), its last convolution zero-initialized, so training
    starts from bilinear upsampling instead of a random image (see
    `residual_generator`). The paper instead starts SRGAN from an SRResNet trained for
    10^6 steps, which a CPU run cannot afford.

    Args:
        scale: Upsampling factor, a power of two (4 in the paper). `source_shape` is
            `image_shape` divided by it.
        num_residual_blocks: Residual blocks `B` of the generator, >= 1 (16 in the paper).
        base_filters: Channels of the generator's trunk and D's first convolutions (64
            in the paper).
        content_loss: `"auto"`, `"vgg"`, `"discriminator"` or `"mse"` (see above).
        adversarial_weight: Weight of the adversarial loss, >= 0 (1e-3 in the paper).
        upsampled_skip: Whether the generator adds its output to a bilinear upsampling
            of the source (global residual learning, not in the paper; see above).
            Default False, the paper's generator.
        **kwargs: `ImageToImageModel` and `AdversarialModel` arguments (`image_shape`,
            the high-resolution shape; `source_shape`, which must equal `image_shape`
            divided by `scale` when given; `seed`, `ema_decay`, `r1_weight`,
            `historical_averaging`).

    Raises:
        ValueError: for a bad argument (naming it), or `content_loss="vgg"` without
            the weights file (naming the path looked for).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("srgan", base_filters=4, num_residual_blocks=1)
    >>> low, high = model.example_pairs(2)
    >>> low.shape, model.translate(low).shape
    ((2, 24, 24, 3), (2, 96, 96, 3))
    """

    metric_names = ("d_loss", "g_loss", "content_loss", "adversarial_loss", "pixel_mse",
                    "real_score", "fake_score")
    paper = "Ledig et al. 2016, https://arxiv.org/abs/1609.04802"
    default_dataset = "sample_patches"
    #: The generator increases resolution: `kerasgan.evaluation.super_resolution_metrics`
    #: (PSNR, SSIM, against bicubic upsampling) applies.
    super_resolution = True

    def __init__(self, scale=4, num_residual_blocks=16, base_filters=64, content_loss="auto",
                 adversarial_weight=1e-3, upsampled_skip=False, **kwargs):
        self.scale = check_scale(scale)
        self.upsampled_skip = validation.check_bool("upsampled_skip", upsampled_skip)
        self.num_residual_blocks = validation.check_int_at_least(
            "num_residual_blocks", num_residual_blocks, 1)
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.adversarial_weight = validation.check_non_negative_number(
            "adversarial_weight", adversarial_weight)
        self.requested_content_loss = validation.check_choice(
            "content_loss", content_loss, CONTENT_LOSSES)
        image_shape = validation.check_image_shape(kwargs.get("image_shape", (96, 96, 3)))
        kwargs["image_shape"] = image_shape
        expected_source = low_resolution_shape(image_shape, self.scale)
        source_shape = kwargs.get("source_shape")
        if source_shape is not None and validation.check_image_shape(
                source_shape) != expected_source:
            raise ValueError(
                f"SRGAN upsamples {self.scale}x: `source_shape` must be image_shape="
                f"{image_shape} divided by scale={self.scale}, {expected_source}. Received: "
                f"source_shape={tuple(source_shape)}")
        kwargs["source_shape"] = expected_source
        self.vgg_weights_path = find_vgg19_weights()
        self.content_loss = self._resolve_content_loss(content_loss, image_shape)
        super().__init__(**kwargs)
        self._content_network = _Untracked(
            vgg_feature_network(image_shape, self.vgg_weights_path)
            if self.content_loss == "vgg" else None)
        _LOGGER.info("SRGAN content loss: %s (requested %r; VGG19 weights %s)",
                     self.content_loss, content_loss,
                     self.vgg_weights_path or "not found in " + _keras_cache_dirs()[0])

    def _resolve_content_loss(self, content_loss, image_shape):
        vgg_usable = min(image_shape[:2]) >= 32  # VGG19's smallest input
        if content_loss == "auto":
            return "vgg" if self.vgg_weights_path and vgg_usable else "discriminator"
        if content_loss == "vgg":
            if not self.vgg_weights_path:
                expected = os.path.join(_keras_cache_dirs()[0], VGG19_WEIGHTS_FILE)
                raise ValueError(
                    "content_loss='vgg' needs the VGG19 ImageNet weights, which are never "
                    f"downloaded here: expected the file {expected} (or the same name under "
                    "$KERAS_HOME/models/). On a machine with internet, "
                    "`keras.applications.VGG19(include_top=False)` saves it there. Or use "
                    "content_loss='discriminator' or 'mse'. Received: content_loss='vgg'")
            if not vgg_usable:
                raise ValueError(f"content_loss='vgg' needs images of at least 32x32 (VGG19's "
                                 f"smallest input). Received: image_shape={image_shape}")
        return content_loss

    def build_generator(self):
        return residual_generator(self.image_shape, self.scale, self.num_residual_blocks,
                                  self.base_filters, upsampled_skip=self.upsampled_skip)

    def build_discriminator(self):
        return vgg_discriminator(self.image_shape, self.base_filters)

    def discriminator_inputs(self, images, sources=None):
        """The judged images alone: SRGAN's discriminator is unconditional."""
        del sources
        return images

    def content_network(self):
        """The frozen VGG54 feature network of `content_loss="vgg"`, else None."""
        return self._content_network.value

    def content_term(self, outputs, targets, fake_features=None, real_features=None):
        """The content loss `l_content` of super-resolved `outputs` against `targets`.

        Args:
            outputs: `G(x)`, `[batch, *image_shape]`.
            targets: `y`, same shape.
            fake_features: D's features of `outputs` (for `"discriminator"`).
            real_features: D's features of `targets` (for `"discriminator"`).

        Returns:
            A scalar float32 tensor.
        """
        if self.content_loss == "vgg":
            network = self.content_network()
            return losses.mse_loss(VGG_FEATURE_SCALE * network(outputs, training=False),
                                   VGG_FEATURE_SCALE * tf.stop_gradient(
                                       network(targets, training=False)))
        pixel = losses.mse_loss(outputs, targets)
        if self.content_loss == "discriminator":
            return pixel + losses.mse_loss(fake_features, tf.stop_gradient(real_features))
        return pixel

    def train_step(self, data):
        sources, targets = self.unpack_pairs(data)

        # Discriminator step: high-resolution images against super-resolved ones.
        fakes = self.generator(sources, training=True)
        with tf.GradientTape() as tape:
            real_logits, _ = self.discriminator(self.discriminator_inputs(targets, sources),
                                                training=True)
            fake_logits, _ = self.discriminator(self.discriminator_inputs(fakes, sources),
                                                training=True)
            d_loss = losses.minimax_discriminator_loss(
                real_logits, fake_logits, real_target=1.0 - self.label_smoothing
            ) + self.discriminator_penalty(targets, sources)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Generator step: the perceptual loss, content + 1e-3 * adversarial (Eq. 3).
        with tf.GradientTape() as tape:
            fakes = self.generator(sources, training=True)
            g_logits, fake_features = self.discriminator(
                self.discriminator_inputs(fakes, sources), training=True)
            real_features = None
            if self.content_loss == "discriminator":
                _, real_features = self.discriminator(
                    self.discriminator_inputs(targets, sources), training=True)
            adversarial_loss = losses.non_saturating_generator_loss(g_logits)
            content_loss = self.content_term(fakes, targets, fake_features, real_features)
            g_loss = content_loss + self.adversarial_weight * adversarial_loss
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        return self.update_metrics(
            d_loss=d_loss, g_loss=g_loss, content_loss=content_loss,
            adversarial_loss=adversarial_loss, pixel_mse=losses.mse_loss(fakes, targets),
            real_score=tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, "float32"))),
            fake_score=tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, "float32"))),
        )

    def default_optimizer(self, player):
        """Adam(1e-4, beta_1=0.9), the paper's (Section 3.2)."""
        del player
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.9)

    def card_details(self):
        """The content loss trained with and the generator's bilinear skip, for the
        model card."""
        return {"content_loss": self.content_loss,
                "requested_content_loss": self.requested_content_loss,
                "scale": self.scale, "source_shape": list(self.source_shape),
                "upsampled_skip": self.upsampled_skip}

    def get_config(self):
        # The resolved content loss, so a reloaded model trains as the saved one did.
        return {**super().get_config(), "scale": self.scale,
                "num_residual_blocks": self.num_residual_blocks,
                "base_filters": self.base_filters, "content_loss": self.content_loss,
                "adversarial_weight": self.adversarial_weight,
                "upsampled_skip": self.upsampled_skip}


@register_model(default_dataset=SRGAN.default_dataset)
def srgan(image_shape=(96, 96, 3), source_shape=None, scale=4, num_residual_blocks=4,
          base_filters=32, content_loss="auto", adversarial_weight=1e-3, upsampled_skip=False,
          seed=None, **tricks):
    """SRGAN x4 on the embedded `sample_patches` pairs (24x24x3 to 96x96x3 patches of
    scikit-learn's two photos; Ledig et al. 2017). Smaller than the paper's for a CPU:
    4 residual blocks of 32 channels (paper: 16 of 64), via `num_residual_blocks` and
    `base_filters`. `content_loss="auto"` is VGG54 when Keras' cached VGG19 weights are
    present, else D-feature matching plus pixel MSE (see `SRGAN`). `upsampled_skip=True`
    makes the generator a residual on bilinear upsampling (VDSR's global residual
    learning, not in the paper; see `SRGAN`).

    `**tricks`: the training tricks of `AdversarialModel` that keep the pairs whole
    (`ema_decay`, `r1_weight`, `historical_averaging`).
    """
    return SRGAN(image_shape=image_shape, source_shape=source_shape, scale=scale,
                 num_residual_blocks=num_residual_blocks, base_filters=base_filters,
                 content_loss=content_loss, adversarial_weight=adversarial_weight,
                 upsampled_skip=upsampled_skip, seed=seed, name="srgan", **tricks)
