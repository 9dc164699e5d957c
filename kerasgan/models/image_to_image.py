"""`ImageToImageModel`: the base of the image-to-image models (pix2pix, CycleGAN, SRGAN).

The generator maps a source image to a target image, with no latent vector. The model
does not load data: held-out pairs for grids, tests and evaluation come from
`kerasgan.evaluation.example_pairs(model, n)`, which callers (callbacks, export,
training) use and pass in.
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgan import validation
from kerasgan.images import from_uint8
from kerasgan.models import serving
from kerasgan.models.base import AdversarialModel


@keras.saving.register_keras_serializable(package="kerasgan")
class ImageToImageModel(AdversarialModel):
    """Base class of the image-to-image models (pix2pix; CycleGAN and SRGAN reuse it):
    the generator maps a source image to a target image, with no latent vector.

    What differs from `AdversarialModel`:

    - Batches are `(sources, targets)` pairs (`kerasgan.data.load_pairs`);
      `unpack_pairs` splits and checks them. `default_dataset` names the pairs the
      defaults are made for (the registry records it for training; held-out pairs:
      `kerasgan.evaluation.example_pairs(model, n)`).
    - `translate(images)` takes the place of `generate`, which raises: there are no
      latents to draw.
    - The discriminator takes `[images, sources]` (`discriminator_inputs(images,
      sources)`): the judged image first, conditioned on its source, so the base's R1
      penalty (`discriminator_penalty(targets, sources)`) differentiates with respect
      to the judged image only.
    - Export serves `serving_default`: `images` uint8 `[None, *source_shape]` to
      `images` uint8 `[None, *image_shape]`; there is no `sample` signature and no
      `.int8.tflite` (see `int8_skip_reason`).

    Args:
        source_shape: `(height, width, channels)` of the source images; default
            `image_shape` (pix2pix translates between images of one size).
        **kwargs: `AdversarialModel` arguments; `latent_dim` stays None. `diffaugment`
            and `replay_buffer_size` are refused: both act on the judged image alone
            and would separate it from its source.
    """

    image_input = True
    default_dataset = "digits_edges"
    unsupported_tricks = {
        key: "it acts on the judged image alone and would separate it from its source."
        for key in ("diffaugment", "replay_buffer_size")}
    int8_skip_reason = (
        "full-integer quantization is calibrated on representative inputs, and an "
        "image-to-image model's inputs are its dataset's images, which the export "
        "cannot see and `verify` (which runs from the files alone, on inputs drawn as "
        "the model card describes) cannot reproduce: an int8 file calibrated on one "
        "input distribution and checked on another could fail or pass unchecked. "
        "The float32 and float16 files are written and verified."
    )

    def __init__(self, source_shape=None, **kwargs):
        kwargs.setdefault("latent_dim", None)
        image_shape = validation.check_image_shape(kwargs.get("image_shape", (32, 32, 1)))
        self.source_shape = (image_shape if source_shape is None
                             else validation.check_image_shape(source_shape))
        super().__init__(**kwargs)

    # Data ------------------------------------------------------------------------

    def unpack_pairs(self, data):
        """Splits a batch into `(sources, targets)` and checks their shapes.

        Raises:
            ValueError: if the batch is not a pair, or a shape is not the model's.
        """
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError(
                f"{type(self).__name__} trains on (sources, targets) batches of image pairs "
                f"(kerasgan.data.load_pairs). Received: a batch of type {type(data).__name__}")
        sources, targets = data
        advice = ("Load the pairs at the model's size or build the model with matching "
                  "image_shape/source_shape.")
        self._check_batch_shape("sources", sources, self.source_shape, advice)
        self._check_batch_shape("targets", targets, self.image_shape, advice)
        return sources, targets

    def _check_batch_shape(self, what, tensor, shape, advice):
        """`validation.check_batch_shape` for this model."""
        validation.check_batch_shape(type(self).__name__, what, tensor, shape, advice)

    # Sampling --------------------------------------------------------------------

    def translate(self, images, batch_size=256, training=False):
        """Translates source images with the generator (the averaged one when
        `ema_decay` is set).

        Args:
            images: Sources `[n, *source_shape]`: floats in [-1, 1], or uint8.
            batch_size: Images per generator call.
            training: Run dropout and batch norm in training mode.

        Returns:
            numpy array, float32 in [-1, 1], `[n, *image_shape]`.
        """
        network = self.generator if training else self.sampler
        return self._translate_with(network, images, self.source_shape, batch_size, training)

    @staticmethod
    def _translate_with(network, images, shape, batch_size, training, what="`images`"):
        """Runs `network` on `images` (uint8, or floats in [-1, 1], `[n, *shape]`) in
        batches of `batch_size`; returns float32 numpy outputs. Raises a ValueError
        naming `what` and its shape for images of another shape."""
        images = np.asarray(images)
        if images.ndim != 4 or tuple(images.shape[1:]) != tuple(shape):
            raise ValueError(f"{what} must have shape [n, {', '.join(map(str, shape))}]. "
                             f"Received: images with shape {images.shape}")
        if images.dtype == np.uint8:
            images = np.asarray(from_uint8(images))
        images = images.astype(np.float32)
        chunks = [np.asarray(network(images[start:start + batch_size], training=training))
                  for start in range(0, len(images), batch_size)]
        return np.concatenate(chunks).astype(np.float32)

    def generate(self, num_images, labels=None, seed=None, batch_size=256):
        """Refused: an image-to-image generator has no latents to draw. Raises ValueError."""
        raise ValueError(
            f"{type(self).__name__} translates images and has no latent vector to sample: "
            f"use model.translate(images). Received: num_images={num_images!r}")

    def sample_latents(self, batch_size):
        """Refused, like `generate`: there is no latent vector."""
        raise ValueError(f"{type(self).__name__} has no latent vector to sample.")

    def discriminator_inputs(self, images, sources=None):
        """Packs the discriminator's inputs: `[images, sources]`, the judged image
        (target or translation) and the source it is judged against."""
        return [images, sources]

    # Export ----------------------------------------------------------------------

    def latent_specs(self):
        """None: the generator's only input is chosen (`condition_specs`)."""
        return {}

    def condition_specs(self):
        """`images` uint8 `[None, *source_shape]`: the source images."""
        return {"images": tf.TensorSpec([None, *self.source_shape], tf.uint8, name="images")}

    def input_distributions(self):
        """Source images: uint8 images (`export.draw_inputs` draws uniform noise images
        for verification; a client sends its own)."""
        return {"images": {"distribution": "image", "low": 0, "high": 255}}

    def draw_latents(self, num_images, seed):
        """None to draw: `{}`."""
        del num_images, seed
        return {}

    def generate_from(self, inputs, training=False):
        """Runs the generator on serving inputs `{"images": uint8 or float sources}`;
        returns float images in [-1, 1]."""
        images = inputs["images"]
        if tf.as_dtype(images.dtype) == tf.uint8:
            images = from_uint8(images)
        return self.sampler(images, training=training)

    def serving_spec(self):
        """`serving.translation_spec`: `serving_default` uint8 sources to uint8
        translations; no examples (the inputs are data) and no int8 file."""
        return serving.translation_spec(self)

    def get_config(self):
        return {**super().get_config(), "source_shape": list(self.source_shape)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("source_shape") is not None:
            config["source_shape"] = tuple(config["source_shape"])
        return super().from_config(config)
