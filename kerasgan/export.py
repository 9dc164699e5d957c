"""Export of trained generators to SavedModel (TF Serving) and LiteRT (`.tflite`).

Layout written by `export_generator(model, export_dir)`:

```
export_dir/
  1/                   SavedModel in TF Serving's layout (model_base_path/<version>/)
  <name>.tflite        float32, builtin ops only, runs in ai_edge_litert
  model_card.json      variant, latent_dim, num_classes, image shape, signatures, files
```

The SavedModel's `serving_default` signature takes `z` float32 `[None, latent_dim]`
(and `label` int32 `[None]` for class-conditional generators) and returns `images`
uint8 `[None, H, W, C]`. Neither artifact needs kerasgan to run.

Example:

>>> import kerasgan, tempfile
>>> model = kerasgan.create_model("dcgan", base_filters=8)
>>> paths = kerasgan.export.export_generator(model, tempfile.mkdtemp(), verbose=False)
>>> sorted(paths)
['model_card', 'saved_model', 'tflite']
"""

import json
import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from kerasgan.io_utils import atomic_write_bytes

TFLITE_SIGNATURE = "serving_default"


def _versions(export_dir):
    return sorted(int(entry) for entry in os.listdir(export_dir)
                  if entry.isdigit() and os.path.isdir(os.path.join(export_dir, entry)))


def _next_version(export_dir):
    return max(_versions(export_dir), default=0) + 1


def latest_saved_model(export_dir):
    """The SavedModel directory of the highest version in `export_dir` (what TF Serving
    serves).

    Raises:
        FileNotFoundError: if `export_dir` is missing or holds no version directory.
    """
    export_dir = os.fspath(export_dir)
    if not os.path.isdir(export_dir):
        raise FileNotFoundError(f"Export directory not found: export_dir={export_dir!r}")
    versions = [v for v in _versions(export_dir)
                if os.path.exists(os.path.join(export_dir, str(v), "saved_model.pb"))]
    if not versions:
        raise FileNotFoundError(
            f"No SavedModel version (e.g. {export_dir}/1/saved_model.pb) in "
            f"export_dir={export_dir!r}. Export one with scripts/export.py."
        )
    return os.path.join(export_dir, str(versions[-1]))


def write_saved_model(model, path):
    """Writes the model's export endpoints as a SavedModel at `path`.

    Uses `keras.export.ExportArchive` on the functional networks, not
    `model.export()`, which loses input names and dtypes of subclassed models.
    """
    archive = keras.export.ExportArchive()
    for network in model.export_networks():
        archive.track(network)
    for name, (function, signature) in model.export_endpoints().items():
        archive.add_endpoint(name, function, input_signature=signature)
    archive.write_out(path, verbose=False)


def convert_to_tflite(saved_model_dir, signature=TFLITE_SIGNATURE):
    """Converts one signature of a SavedModel to a float32 `.tflite` flatbuffer.

    Only TFLite builtin ops are allowed: `SELECT_TF_OPS` (Flex) files do not run in
    the plain LiteRT runtime that mobile apps ship.

    Returns:
        The flatbuffer as bytes.
    """
    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model_dir, signature_keys=[signature]
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def _signature_card(function_specs):
    return {
        spec.name: {"dtype": spec.dtype.name, "shape": [d for d in spec.shape.as_list()]}
        for spec in function_specs
    }


def export_generator(model, export_dir, name=None, version=None, overwrite=False,
                     extra_card=None, verbose=True):
    """Exports `model`'s generator as a SavedModel version, a `.tflite` and a model card.

    The SavedModel is written to a temporary directory beside the target and renamed
    into place, so an interrupted export never leaves a half-written version.

    Args:
        model: An `AdversarialModel`.
        export_dir: Directory of this model's exports, e.g. `exported/dcgan_digits`.
        name: Base name of the `.tflite` file; default: the last part of `export_dir`.
        version: SavedModel version number; default: one above the highest present
            (TF Serving serves the highest), 1 in a new directory.
        overwrite: Allow replacing an existing `version`.
        extra_card: Dict merged into `model_card.json` (training recipe, metrics, ...).
        verbose: Print where the files went.

    Returns:
        Dict of the written paths: `saved_model`, `tflite`, `model_card`.

    Raises:
        FileExistsError: if `version` exists and `overwrite` is False.
    """
    export_dir = os.path.abspath(os.fspath(export_dir))
    os.makedirs(export_dir, exist_ok=True)
    name = name or os.path.basename(export_dir.rstrip(os.sep)) or model.name
    if version is None:
        version = _next_version(export_dir)
    saved_model_dir = os.path.join(export_dir, str(int(version)))
    if os.path.exists(saved_model_dir) and not overwrite:
        raise FileExistsError(
            f"{saved_model_dir} already exists. Pass overwrite=True (--overwrite) to replace "
            "it, or version=None to write the next version."
        )

    staging = tempfile.mkdtemp(dir=export_dir, prefix=".tmp-export-")
    try:
        staged_model = os.path.join(staging, "saved_model")
        write_saved_model(model, staged_model)
        tflite_bytes = convert_to_tflite(staged_model)
        if os.path.exists(saved_model_dir):
            retired = staging + "-old"
            os.replace(saved_model_dir, retired)
            os.replace(staged_model, saved_model_dir)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staged_model, saved_model_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    tflite_path = os.path.join(export_dir, f"{name}.tflite")
    atomic_write_bytes(tflite_path, tflite_bytes)

    endpoints = model.export_endpoints()
    card = {
        "name": name,
        "variant": type(model).__name__,
        "registry_name": model.name,
        "paper": model.paper,
        "latent_dim": model.latent_dim,
        "num_classes": model.num_classes,
        "image_shape": list(model.image_shape),
        "saved_model": {
            "path": str(int(version)),
            "signatures": {
                key: {"inputs": _signature_card(specs),
                      "outputs": {"images": {"dtype": "uint8",
                                             "shape": [None, *model.image_shape]}}}
                for key, (_, specs) in endpoints.items()
            },
        },
        "tflite": {os.path.basename(tflite_path): {"bytes": len(tflite_bytes),
                                                   "signature": TFLITE_SIGNATURE}},
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        **(extra_card or {}),
    }
    card_path = os.path.join(export_dir, "model_card.json")
    atomic_write_bytes(card_path, json.dumps(card, indent=2).encode())
    if verbose:
        print(f"Exported SavedModel to {saved_model_dir}")
        print(f"Exported LiteRT model to {tflite_path} ({len(tflite_bytes) / 1024:.0f} KiB)")
    return {"saved_model": saved_model_dir, "tflite": tflite_path, "model_card": card_path}


def example_inputs(latent_dim, num_classes=None, batch_size=4, seed=0):
    """Deterministic serving inputs: `{"z": ..., "label": ...}` as numpy arrays."""
    rng = np.random.default_rng(seed)
    inputs = {"z": rng.standard_normal((batch_size, latent_dim)).astype(np.float32)}
    if num_classes:
        inputs["label"] = (np.arange(batch_size) % num_classes).astype(np.int32)
    return inputs


def run_saved_model(saved_model_dir, inputs, signature="serving_default"):
    """Runs a SavedModel signature on numpy `inputs`; returns a dict of numpy outputs."""
    loaded = tf.saved_model.load(saved_model_dir)
    function = loaded.signatures[signature]
    outputs = function(**{key: tf.constant(value) for key, value in inputs.items()})
    return {key: value.numpy() for key, value in outputs.items()}


def run_tflite(tflite_path, inputs, signature=TFLITE_SIGNATURE):
    """Runs a `.tflite` signature in the LiteRT runtime (`ai_edge_litert`), one example
    at a time as a phone would, and stacks the outputs."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as error:
        raise ImportError(
            "Running .tflite files needs the LiteRT runtime: pip install ai-edge-litert"
        ) from error
    interpreter = Interpreter(model_path=os.fspath(tflite_path))
    runner = interpreter.get_signature_runner(signature)
    batch = len(next(iter(inputs.values())))
    results = [runner(**{key: value[i:i + 1] for key, value in inputs.items()})
               for i in range(batch)]
    return {key: np.concatenate([r[key] for r in results]) for key in results[0]}


def compare_exports(paths, inputs):
    """Runs the SavedModel and the `.tflite` on the same inputs.

    Returns:
        Dict with the SavedModel's and the LiteRT images and `max_abs_diff`, the largest
        difference in uint8 levels.
    """
    saved = run_saved_model(paths["saved_model"], inputs)["images"]
    lite = run_tflite(paths["tflite"], inputs)["images"]
    diff = int(np.max(np.abs(saved.astype(np.int32) - lite.astype(np.int32))))
    return {"saved_model": saved, "tflite": lite, "max_abs_diff": diff}
