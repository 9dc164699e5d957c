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
import os

import keras
import tensorflow as tf

from kerasgan import losses, validation
from kerasgan.models.image_to_image import ImageToImageModel
from kerasgan.models.srgan.networks import (CONTENT_LOSSES, VGG_FEATURE_SCALE, check_scale,
                                            find_vgg19_weights, low_resolution_shape,
                                            residual_generator, vgg19_weights_location,
                                            vgg_discriminator, vgg_feature_network)
from kerasgan.registry import register_model
from kerasgan.tricks import _Untracked

_LOGGER = logging.getLogger(__name__)


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
    >>> low, high = kerasgan.evaluation.example_pairs(model, 2)
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
                     self.vgg_weights_path
                     or "not found in " + os.path.dirname(vgg19_weights_location()))

    def _resolve_content_loss(self, content_loss, image_shape):
        vgg_usable = min(image_shape[:2]) >= 32  # VGG19's smallest input
        if content_loss == "auto":
            return "vgg" if self.vgg_weights_path and vgg_usable else "discriminator"
        if content_loss == "vgg":
            if not self.vgg_weights_path:
                expected = vgg19_weights_location()
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

    def serving_spec(self):
        """The image-to-image spec, with the content loss trained with and the
        generator's bilinear skip as the model card's `details`."""
        return super().serving_spec().replace(details={
            "content_loss": self.content_loss,
            "requested_content_loss": self.requested_content_loss,
            "scale": self.scale, "source_shape": list(self.source_shape),
            "upsampled_skip": self.upsampled_skip})

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
