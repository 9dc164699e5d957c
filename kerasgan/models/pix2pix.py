"""pix2pix: image-to-image translation with a conditional GAN and an L1 term.

Reference:
    Isola, Zhu, Zhou & Efros, 2016, "Image-to-Image Translation with Conditional
    Adversarial Networks", CVPR 2017. https://arxiv.org/abs/1611.07004
"""

import keras
import tensorflow as tf
from keras import layers

from kerasgan import losses, networks, validation
from kerasgan.models.image_to_image import ImageToImageModel
from kerasgan.networks import patch_discriminator
from kerasgan.registry import register_model

# Networks -------------------------------------------------------------------------------

_BATCH_NORM_MOMENTUM = networks.TORCH_BATCH_NORM_MOMENTUM


def unet_depth(image_shape):
    """Number of stride-2 convolutions from `image_shape` down to 1x1.

    Raises:
        ValueError: unless the image is square with a power-of-two side >= 8.
    """
    return networks.num_resolution_steps(image_shape, min_size=4) + 2


def unet_generator(image_shape, base_filters=64, dropout=0.5, source_shape=None,
                   name="generator"):
    """The pix2pix U-Net generator (Isola et al. 2017, Section 3.2.1 and Appendix 6.1.1).

    The encoder halves the image with 4x4 stride-2 convolutions down to 1x1 (`C64-C128-
    C256-C512-C512-...` at `base_filters=64`; batch norm on every layer but the first
    and the 1x1 bottleneck, LeakyReLU(0.2)); the decoder doubles it back with
    transposed convolutions (batch norm, ReLU), and each decoder layer's output is
    concatenated with the encoder layer of the same size: the skip connections that
    carry the source's layout (edges, positions) straight to the output. The first
    three decoder layers have dropout, the paper's only noise source (no `z`). The
    output is `tanh`.

    Args:
        image_shape: `(height, width, channels)` of the output, square, side a power
            of two >= 8.
        base_filters: Filters of the first convolution; deeper layers double them,
            up to 8x.
        dropout: Dropout rate of the first three decoder layers, in [0, 1).
        source_shape: `(height, width, channels)` of the input; default `image_shape`.
            Same height and width as the output.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` (sources in [-1, 1]) to images in
        [-1, 1] of `image_shape`.
    """
    depth = unet_depth(image_shape)
    source_shape = tuple(source_shape or image_shape)
    sources = keras.Input(shape=source_shape, name="images")
    x = sources
    skips = []
    for i in range(depth):
        normalize = 0 < i < depth - 1
        x = layers.Conv2D(base_filters * min(2**i, 8), 4, strides=2, padding="same",
                          use_bias=not normalize,
                          kernel_initializer=networks.dcgan_initializer(),
                          name=f"down_{i}")(x)
        if normalize:
            x = layers.BatchNormalization(momentum=_BATCH_NORM_MOMENTUM,
                                          name=f"down_batch_norm_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"down_leaky_relu_{i}")(x)
        skips.append(x)
    for j, skip in enumerate(reversed(skips[:-1])):
        x = layers.Conv2DTranspose(skip.shape[-1], 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=networks.dcgan_initializer(),
                                   name=f"up_{j}")(x)
        x = layers.BatchNormalization(momentum=_BATCH_NORM_MOMENTUM,
                                      name=f"up_batch_norm_{j}")(x)
        if j < 3:
            x = layers.Dropout(dropout, name=f"up_dropout_{j}")(x)
        x = layers.ReLU(name=f"up_relu_{j}")(x)
        x = layers.Concatenate(name=f"skip_{j}")([x, skip])
    x = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same",
                               kernel_initializer=networks.dcgan_initializer(),
                               name="to_image")(x)
    images = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(sources, images, name=name)


# Model ----------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class Pix2Pix(ImageToImageModel):
    """pix2pix: a U-Net generator `G: x -> y` and a PatchGAN discriminator `D(y, x)`
    trained on paired images (Isola et al. 2017).

    The objective is `min_G max_D L_cGAN(G, D) + lambda * L_L1(G)` (Eq. 4): D tells
    real pairs `(y, x)` from translated ones `(G(x), x)` patch by patch, and G both
    fools D (non-saturating loss) and stays close to the target, `|y - G(x)|_1`, with
    `lambda = l1_weight = 100`. D's loss is halved, as in the paper, to slow it down
    relative to G. One-sided label smoothing (`label_smoothing`) and the R1 penalty
    (`r1_weight`, on the real target given its source) apply to D.

    The paper's noise is the generator's dropout (there is no `z`); like most of its
    reimplementations, inference here runs without it, so translations, the export
    and LiteRT are deterministic. `translate(images)` gives `G(x)`; `generate` raises.

    Args:
        base_filters: Width of the first convolution of both nets (64 in the paper).
        dropout: Rate of the generator's decoder dropout, in [0, 1). 0.5 in the paper.
        patch_layers: D's stride-2 convolutions (1: 16x16 patches, 2: 34x34, 3:
            70x70). None: 3 (70x70, the paper's) for sides >= 64, 2 at 32x32.
        l1_weight: `lambda`, the weight of the L1 term, >= 0. 100 in the paper; 0
            leaves the cGAN alone.
        **kwargs: `ImageToImageModel` and `AdversarialModel` arguments (`image_shape`,
            `seed`, `ema_decay`, `r1_weight`, `historical_averaging`). `image_shape` must
            be square with a power-of-two side >= 8.

    Example:

    >>> import kerasgan, numpy as np
    >>> model = kerasgan.create_model("pix2pix", base_filters=4)
    >>> edges, digits = kerasgan.evaluation.example_pairs(model, 2)
    >>> model.translate(edges).shape
    (2, 32, 32, 1)
    >>> model.discriminator.output_shape
    (None, 8, 8, 1)
    """

    metric_names = ("d_loss", "g_loss", "gan_loss", "l1_loss", "real_score", "fake_score")
    paper = "Isola et al. 2016, https://arxiv.org/abs/1611.07004"

    def __init__(self, base_filters=64, dropout=0.5, patch_layers=None, l1_weight=100.0,
                 **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.dropout = validation.check_fraction("dropout", dropout)
        self.l1_weight = validation.check_non_negative_number("l1_weight", l1_weight)
        image_shape = validation.check_image_shape(kwargs.get("image_shape", (32, 32, 1)))
        depth = unet_depth(image_shape)
        if patch_layers is None:
            patch_layers = min(3, depth - 3)
        self.patch_layers = validation.check_int_at_least("patch_layers", patch_layers, 1)
        if self.patch_layers > depth - 1:
            raise ValueError(f"`patch_layers` must be at most {depth - 1} for image_shape="
                             f"{image_shape}. Received: patch_layers={patch_layers!r}")
        source_shape = kwargs.get("source_shape")
        if source_shape is not None and tuple(source_shape[:2]) != image_shape[:2]:
            raise ValueError(f"pix2pix translates between images of one size: `source_shape` "
                             f"must have image_shape's height and width {image_shape[:2]}. "
                             f"Received: source_shape={tuple(source_shape)}")
        super().__init__(**kwargs)

    def build_generator(self):
        return unet_generator(self.image_shape, self.base_filters, self.dropout,
                              self.source_shape)

    def build_discriminator(self):
        return patch_discriminator(self.image_shape, self.base_filters, self.patch_layers,
                                   self.source_shape)

    def train_step(self, data):
        sources, targets = self.unpack_pairs(data)

        # Discriminator step: real pairs (y, x) against translated pairs (G(x), x),
        # every patch its own real/fake verdict; halved as in the paper.
        fakes = self.generator(sources, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(self.discriminator_inputs(targets, sources),
                                             training=True)
            fake_logits = self.discriminator(self.discriminator_inputs(fakes, sources),
                                             training=True)
            d_loss = 0.5 * losses.minimax_discriminator_loss(
                real_logits, fake_logits, real_target=1.0 - self.label_smoothing
            ) + self.discriminator_penalty(targets, sources)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Generator step: fool D and stay within L1 of the target (Eq. 4).
        with tf.GradientTape() as tape:
            fakes = self.generator(sources, training=True)
            g_logits = self.discriminator(self.discriminator_inputs(fakes, sources),
                                          training=True)
            gan_loss = losses.non_saturating_generator_loss(g_logits)
            l1_loss = losses.l1_loss(fakes, targets)
            g_loss = gan_loss + self.l1_weight * l1_loss
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        return self.update_metrics(
            d_loss=d_loss, g_loss=g_loss, gan_loss=gan_loss, l1_loss=l1_loss,
            real_score=tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, "float32"))),
            fake_score=tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, "float32"))),
        )

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters,
                "dropout": self.dropout, "patch_layers": self.patch_layers,
                "l1_weight": self.l1_weight}


@register_model(default_dataset=Pix2Pix.default_dataset)
def pix2pix(image_shape=(32, 32, 1), base_filters=32, dropout=0.5, patch_layers=None,
            l1_weight=100.0, seed=None, **tricks):
    """pix2pix on the embedded `digits_edges` pairs (edge maps to 32x32x1 digits; Isola
    et al. 2017): U-Net generator, 34x34 PatchGAN, L1 weight 100. 64x64 and 256x256
    (70x70 patches) via `image_shape`.

    `**tricks`: the training tricks of `AdversarialModel` that keep the pairs whole
    (`ema_decay`, `r1_weight`, `historical_averaging`).
    """
    return Pix2Pix(image_shape=image_shape, base_filters=base_filters, dropout=dropout,
                   patch_layers=patch_layers, l1_weight=l1_weight, seed=seed, name="pix2pix",
                   **tricks)
