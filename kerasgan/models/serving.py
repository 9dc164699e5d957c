"""What a model exports, described by data: `ServingSpec`.

A model's `serving_spec()` returns one `ServingSpec`: the SavedModel signatures and the
networks they hold, which signatures become `.tflite` files, how a client draws each
input (written into `model_card.json`), example and int8-calibration inputs, extra
files, one-line descriptions, the card's `details`, and the TensorBoard grid.
`kerasgan.export` and `callbacks.TensorBoardImages` read the spec and nothing else, so
a variant with a further signature or file changes its spec, not the exporter:

```python
def serving_spec(self):
    spec = super().serving_spec()
    return spec.replace(files={"vocab.txt": self.vocabulary_bytes()},
                        details={"content_loss": self.content_loss})
```

`latent_spec` is the default of models that sample latents (`AdversarialModel`),
`translation_spec` that of image-to-image models (`ImageToImageModel`).
"""

import dataclasses
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from kerasgan.images import from_uint8, to_uint8

TFLITE_SIGNATURE = "serving_default"


@dataclasses.dataclass(frozen=True)
class ServingSpec:
    """How a model is served: read by `kerasgan.export` and `TensorBoardImages`.

    Args:
        signatures: `{name: (function, [tf.TensorSpec, ...])}`, the SavedModel's
            endpoints (`serving_default` first).
        networks: The networks whose variables the SavedModel holds.
        inputs: `{input: {"distribution": ...}}`: how a client draws each input of
            `serving_default` (the card's `inputs`).
        examples: `(num_images, seed) -> {input: numpy array}` of `serving_default`,
            or None where the inputs are data (image-to-image models: callers pass
            held-out images, `kerasgan.evaluation.example_pairs`).
        tflite_signatures: The signatures converted to `.tflite` files.
        calibration: `{signature: (num_examples, seed) -> [{input: array}, ...]}`,
            batch-1 int8 calibration inputs. `serving_default` falls back to
            `examples`; another signature without an entry gets no `.int8.tflite`.
        files: `{file name: bytes}` written beside the `.tflite` files.
        descriptions: `{signature: one line}` for the model card.
        details: The card's `details`: the variant's own choices (JSON-serializable).
        int8_skip_reason: Why no `.int8.tflite` is written, or None.
        grid: `(num_images, seed, examples=None) -> None or {"images": fn, "columns":
            int, "text": [str]}`: a TensorBoard grid of the variant's own (`images()`
            returns float images in [-1, 1] from fixed inputs); None: the default grid.
            `examples` is held-out data the caller loaded for it (text-to-image
            models: `kerasgan.data.caption_arrays("test")`), as models read no data.
    """

    signatures: dict
    networks: tuple
    inputs: dict
    examples: Optional[Callable] = None
    tflite_signatures: tuple = (TFLITE_SIGNATURE,)
    calibration: dict = dataclasses.field(default_factory=dict)
    files: dict = dataclasses.field(default_factory=dict)
    descriptions: dict = dataclasses.field(default_factory=dict)
    details: dict = dataclasses.field(default_factory=dict)
    int8_skip_reason: Optional[str] = None
    grid: Optional[Callable] = None

    def replace(self, **changes):
        """A copy with `changes` (`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)

    def calibration_inputs(self, signature, num_examples=128, seed=1234):
        """Batch-1 int8 calibration inputs of `signature`, or None (no int8 file)."""
        if signature in self.calibration:
            return self.calibration[signature](num_examples, seed)
        if signature != TFLITE_SIGNATURE or self.examples is None:
            return None
        inputs = self.examples(num_examples, seed)
        return [{key: value[i:i + 1] for key, value in inputs.items()}
                for i in range(num_examples)]


class LatentInputs:
    """The generator's serving inputs of a model that samples latents (mixed into
    `AdversarialModel`): what they are (`latent_specs`, `condition_specs`), how a
    client draws them (`input_distributions`), drawing them (`draw_latents`), and the
    model's `serving_spec()`. Variants with more latents (InfoGAN's codes, LAPGAN's
    noise) extend the first three together.
    """

    def latent_specs(self):
        """The generator's random inputs, `{name: TensorSpec}` with batch dimension None.

        `z` float32 `[None, latent_dim]` by default; variants with latent codes
        (InfoGAN) add theirs. They are inputs of `serving_default` and are drawn
        inside the graph by the `sample` signature.
        """
        return {"z": tf.TensorSpec([None, self.latent_dim], tf.float32, name="z")}

    def condition_specs(self):
        """The generator's chosen (not random) inputs: `label` int32 `[None]` when
        class-conditional, else nothing."""
        if self.num_classes:
            return {"label": tf.TensorSpec([None], tf.int32, name="label")}
        return {}

    def input_distributions(self):
        """How a client draws each serving input, written into `model_card.json` so a
        phone app (which has no `sample` signature) can make valid inputs.

        Returns:
            `{name: {"distribution": "normal"}}` for `z`, and `{"distribution":
            "categorical", "num_values": num_classes}` for `label`. Variants with
            other latents override this next to `latent_specs`.
        """
        distributions = {"z": {"distribution": "normal", "mean": 0.0, "stddev": 1.0}}
        if self.num_classes:
            distributions["label"] = {"distribution": "categorical",
                                      "num_values": int(self.num_classes)}
        return distributions

    def draw_latents(self, num_images, seed):
        """Draws the random inputs of `latent_specs` with stateless ops.

        The same `(num_images, seed)` gives the same latents in eager code, in the
        exported `sample` signature and in `generate(seed=...)`.

        Args:
            num_images: Int or int32 scalar tensor.
            seed: Int or int32 scalar tensor.

        Returns:
            Dict of tensors keyed like `latent_specs()`.
        """
        seed = tf.stack([tf.cast(seed, tf.int32), 0])
        return {"z": tf.random.stateless_normal([num_images, self.latent_dim], seed=seed,
                                                alg="philox")}

    def serving_spec(self):
        """What export serves, as data (`serving.ServingSpec`): by default
        `latent_spec(self)`, the `serving_default`, `sample` (and `encode`)
        signatures. Variants extend it with `spec.replace(...)`."""
        return latent_spec(self)


def latent_signatures(model):
    """The endpoints of a model that samples latents, `{name: (function, specs)}`.

    - `serving_default`: the inputs of `latent_specs` and `condition_specs` (`z`
      float32 `[None, latent_dim]`, plus `label` int32 `[None]` when conditional) to
      `images` uint8 `[None, H, W, C]`.
    - `sample`: `num_images` and `seed` int32 scalars (plus `label` int32 `[None]`,
      repeated in turn over the images) to `images` uint8, `images_float` float32 in
      [-1, 1], and the drawn latents, so a client asks for images without noise.
    - `encode` (models with an encoder): `images` uint8 `[None, H, W, C]` to `z`.

    The networks run in inference mode.
    """
    latent_specs = model.latent_specs()
    condition_specs = model.condition_specs()
    serving_specs = [*latent_specs.values(), *condition_specs.values()]
    serving_names = [*latent_specs, *condition_specs]

    def serve(*args):
        # Signature calls do not check shapes: say which input is wrong instead of
        # failing deep inside a MatMul. (LiteRT conversion drops these checks.)
        inputs = {name: tf.ensure_shape(arg, spec.shape, name=name)
                  for name, arg, spec in zip(serving_names, args, serving_specs)}
        return {"images": to_uint8(model.generate_from(inputs))}

    def sample(num_images, seed, *conditions):
        inputs = model.draw_latents(num_images, seed)
        if "label" in condition_specs:
            label = conditions[0]
            inputs["label"] = tf.gather(label, tf.range(num_images) % tf.size(label))
        images = model.generate_from(inputs)
        return {"images": to_uint8(images), "images_float": images,
                **{key: inputs[key] for key in latent_specs}}

    sample_specs = [tf.TensorSpec([], tf.int32, name="num_images"),
                    tf.TensorSpec([], tf.int32, name="seed"), *condition_specs.values()]
    endpoints = {"serving_default": (serve, serving_specs), "sample": (sample, sample_specs)}
    if model.encoder_name:
        image_spec = tf.TensorSpec([None, *model.image_shape], tf.uint8, name="images")

        def encode(images):
            images = tf.ensure_shape(images, [None, *model.image_shape], name="images")
            return {"z": model.encode(from_uint8(images))}

        endpoints["encode"] = (encode, [image_spec])
    return endpoints


def latent_examples(model, num_images, seed=0):
    """Inputs of `serving_default` as numpy arrays: the latents drawn with `seed`, and
    classes in turn for conditional models."""
    inputs = {key: np.asarray(value)
              for key, value in model.draw_latents(num_images, seed).items()}
    if "label" in model.condition_specs():
        inputs["label"] = (np.arange(num_images) % model.num_classes).astype(np.int32)
    return inputs


def latent_spec(model):
    """The `ServingSpec` of a model that samples latents: `latent_signatures`, the
    sampler (and encoder) as networks, `serving_default` (and `encode`) as `.tflite`."""
    encoder = [getattr(model, model.encoder_name)] if model.encoder_name else []
    return ServingSpec(
        signatures=latent_signatures(model),
        networks=(model.sampler, *encoder),
        inputs=model.input_distributions(),
        examples=lambda num_images, seed=0: latent_examples(model, num_images, seed),
        tflite_signatures=(TFLITE_SIGNATURE, "encode") if encoder else (TFLITE_SIGNATURE,),
        int8_skip_reason=model.int8_skip_reason,
    )


def translation_signatures(model):
    """`serving_default` of an image-to-image model: `images` uint8
    `[None, *source_shape]` to `images` uint8 `[None, *image_shape]`, the generator
    (averaged when `ema_decay` is set) in inference mode."""
    source_spec = tf.TensorSpec([None, *model.source_shape], tf.uint8, name="images")

    def serve(images):
        images = tf.ensure_shape(images, [None, *model.source_shape], name="images")
        return {"images": to_uint8(model.sampler(from_uint8(images), training=False))}

    return {TFLITE_SIGNATURE: (serve, [source_spec])}


def translation_spec(model):
    """The `ServingSpec` of an image-to-image model: `translation_signatures`, no
    examples (its inputs are data) and no `.int8.tflite` (`int8_skip_reason`)."""
    return ServingSpec(
        signatures=translation_signatures(model),
        networks=(model.sampler,),
        inputs=model.input_distributions(),
        int8_skip_reason=model.int8_skip_reason,
    )
