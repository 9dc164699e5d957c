"""Export of trained generators to SavedModel (TF Serving) and LiteRT (`.tflite`).

Layout written by `export_generator(model, "exported/<name>")`:

```
exported/<name>/
  1/                     SavedModel in TF Serving's layout (model_base_path/<version>/)
  <name>.tflite          float32, builtin ops only, runs in ai_edge_litert
  <name>.fp16.tflite     float16 weights (half the size; computes in float32 on CPU)
  <name>.int8.tflite     full-integer quantized ops, float32 `z` in and uint8 images out
  model_card.json        variant, paper, inputs, signatures, files, sizes, versions, metrics,
                         and `details` of the variant's own choices (`ServingSpec.details`,
                         e.g. SRGAN's content loss) when it has any
```

SavedModel signatures:

- `serving_default`: `z` float32 `[None, latent_dim]` (and `label` int32 `[None]` for
  class-conditional generators) to `images` uint8 `[None, H, W, C]`.
- `sample`: `num_images` and `seed` int32 scalars (and `label` int32 `[None]`, used in
  turn) to `images` uint8, `images_float` float32 in [-1, 1] and the drawn `z`: the
  latents are drawn inside the graph with stateless ops, so a client needs no noise.

Image-to-image models (pix2pix) serve `serving_default` only: source `images` uint8
`[None, H, W, C]` to `images` uint8; they have no `.int8.tflite` (the card's
`skipped_formats` gives the reason, `ImageToImageModel.int8_skip_reason`). CycleGAN
serves both directions: `a_to_b` (the same as `serving_default`, `<name>.tflite`) and
`b_to_a` (`<name>.b_to_a.tflite`); the card's `description` of each signature and
file says which is which (`ServingSpec.descriptions`).

Text-to-image models (text2image) serve `serving_default` with `text` tf.string `[None]`
and `z`, and `sample` with `text` used in turn. String ops are not LiteRT builtins, so
`ServingSpec.tflite_signatures` leaves `serving_default` out: the `.tflite` files hold
`generate_from_tokens` (`token_ids` int32 `[None, 48]`, `z`), and the export writes the
vocabulary beside them (`vocab.txt`, from `ServingSpec.files`, listed under the card's
`files`) with the tokenization rules in the card (`inputs.text.tokenizer`). `verify`
tokenizes its captions with that file, as a client would (`litert_inputs`), and checks
the token signature and its `.tflite` files against `serving_default`.

The `.tflite` files hold `serving_default` (stateless random ops are not LiteRT
builtins); clients draw `z` themselves as `model_card.json` describes. Nothing here is
needed to run the artifacts: TF Serving, `tf.saved_model.load` and `ai_edge_litert`
read them as they are. `verify(export_dir)` checks that they agree.

Reading an export back (`load_model_card`, `load_saved_model`, `load_tflite`) raises
`CorruptExportError`, a `ValueError` naming the damaged file, for truncated or garbled
files; `locate_export` accepts a `.tflite` file of an export where its directory is
expected. The converter's and LiteRT's console logs are hidden (`quiet` in
`convert_to_tflite` and `run_tflite`; `TF_CPP_MIN_LOG_LEVEL=0` shows them);
`export_generator` prints only where the files went and the verification table
(`verbose`).

Example:

>>> import kerasgan, tempfile
>>> model = kerasgan.create_model("dcgan", base_filters=8)
>>> paths = kerasgan.export.export_generator(model, tempfile.mkdtemp(), verbose=False)
>>> sorted(paths)
['float16', 'float32', 'int8', 'model_card', 'saved_model', 'verification']
>>> paths["verification"]["ok"]
True
"""

import contextlib
import ctypes
import json
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from kerasgan import text
from kerasgan.version import __version__

TFLITE_SIGNATURE = "serving_default"
# Suffix of each `.tflite` flavour, after the export's name.
TFLITE_FORMATS = {"float32": ".tflite", "float16": ".fp16.tflite", "int8": ".int8.tflite"}
# Largest difference from the SavedModel, in uint8 levels, that `verify` accepts. The
# float files compute in float32 like the SavedModel (float16 only stores the weights
# in half precision); int8 computes in 8-bit integers, so its bound is loose and its
# measured difference is what the model card and README report.
DEFAULT_TOLERANCE = {"float32": 2, "float16": 16, "int8": 96}
# For float outputs (the `encode` signature's `z`): the largest difference from the
# SavedModel `verify` accepts, relative to the largest magnitude of its output.
DEFAULT_FLOAT_TOLERANCE = {"float32": 1e-3, "float16": 5e-2, "int8": 0.5}
_STAGING_PREFIX = ".tmp-export-"
# What a user can do about an unreadable file of an export.
_REEXPORT = ("The file is damaged or incomplete: re-export it with scripts/export.py, "
             "or copy the export again.")


class CorruptExportError(ValueError):
    """A file of an export (model card, SavedModel, `.tflite`) cannot be read."""


def _one_line(error, limit=300):
    text = " ".join(str(error).split()).rstrip(".")
    return text if len(text) <= limit else text[:limit - 3] + "..."


# Quiet native code ---------------------------------------------------------------------

class _NativeOutputHidden:
    """Hides what native code writes to the process's stdout and stderr in the block.

    The TFLite converter's MLIR passes and SavedModel reader log through TF's C++
    logging (~10 lines per conversion), int8 calibration prints its settings, and
    LiteRT announces its XNNPACK delegate on the first run. `TF_CPP_MIN_LOG_LEVEL`
    is read once, when TensorFlow loads, and none of them has a Python switch, so the
    block points file descriptors 1 and 2 at a temporary file and back (also on
    error). Python's own loggers (`absl`, `tensorflow`) are raised to ERROR for the
    block too, for when `sys.stderr` is not descriptor 2 (notebooks, pytest).

    Output of other threads during the block is hidden as well. With `replay_on_error`,
    what was hidden is written to stderr when the block raises (LiteRT prints the
    reason a file does not run there, not in its exception).
    """

    def __init__(self, replay_on_error=False):
        self.replay_on_error = replay_on_error
        self.text = ""

    @staticmethod
    def _flush():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):  # closed or replaced streams
                pass
        try:
            ctypes.CDLL(None).fflush(None)  # C stdio buffers (printf, std::cout)
        except (OSError, AttributeError, TypeError):  # no C library to ask (Windows)
            pass

    def __enter__(self):
        self._saved, self._capture = None, None
        self._levels = [(logger, logger.level) for logger in
                        (logging.getLogger("absl"), logging.getLogger("tensorflow"))]
        for logger, _ in self._levels:
            logger.setLevel(logging.ERROR)
        self._flush()
        try:
            saved = [os.dup(1), os.dup(2)]
        except OSError:  # no descriptors 1 and 2 (an embedded interpreter): hide nothing
            return self
        self._saved, self._capture = saved, tempfile.TemporaryFile()
        os.dup2(self._capture.fileno(), 1)
        os.dup2(self._capture.fileno(), 2)
        return self

    def __exit__(self, exc_type, exc, traceback):
        for logger, level in self._levels:
            logger.setLevel(level)
        if self._saved is None:
            return False
        self._flush()
        os.dup2(self._saved[0], 1)
        os.dup2(self._saved[1], 2)
        for descriptor in self._saved:
            os.close(descriptor)
        self._capture.seek(0)
        self.text = self._capture.read().decode("utf-8", "replace")
        self._capture.close()
        if exc_type is not None and self.replay_on_error and self.text:
            os.write(2, self.text.encode())
        return False


def _hidden(quiet, **kwargs):
    """Hides native output when `quiet`; `quiet=None` hides it unless the environment
    asks for TensorFlow's logs (`TF_CPP_MIN_LOG_LEVEL` set to 0 or 1, as the scripts do
    for `--verbosity=0`)."""
    if quiet is None:
        quiet = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() not in ("0", "1")
    return _NativeOutputHidden(**kwargs) if quiet else contextlib.nullcontext()


# Versions -----------------------------------------------------------------------------

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


def tflite_file_name(name, signature, fmt):
    """`<name>.tflite`, `<name>.fp16.tflite`, ... for `serving_default`, and
    `<name>.<signature>.tflite`, ... for further signatures (`encode`)."""
    infix = "" if signature == TFLITE_SIGNATURE else f".{signature}"
    return name + infix + TFLITE_FORMATS[fmt]


def tflite_paths(export_dir, signature=TFLITE_SIGNATURE):
    """`{format: path}` of the `.tflite` files of one signature present in
    `export_dir`, by the card's names when there is a card, else by suffix."""
    export_dir = os.fspath(export_dir)
    card = load_model_card(export_dir, missing_ok=True)
    if card and "tflite" in card:
        return {entry["format"]: os.path.join(export_dir, file)
                for file, entry in card["tflite"].items()
                if entry.get("signature", TFLITE_SIGNATURE) == signature
                and os.path.exists(os.path.join(export_dir, file))}
    if signature != TFLITE_SIGNATURE:
        return {}
    found = {}
    for file in sorted(os.listdir(export_dir)):
        for fmt, suffix in sorted(TFLITE_FORMATS.items(), key=lambda kv: -len(kv[1])):
            if file.endswith(suffix) and fmt not in found:
                found[fmt] = os.path.join(export_dir, file)
                break
    return found


def check_export_dir(export_dir):
    """Returns `export_dir` as a string if it is a directory.

    Raises:
        FileNotFoundError: if nothing is there.
        NotADirectoryError: if it is a file (a `.tflite` file, a model card, ...).
    """
    export_dir = os.fspath(export_dir)
    if not os.path.exists(export_dir):
        raise FileNotFoundError(f"Export directory not found: export_dir={export_dir!r}")
    if not os.path.isdir(export_dir):
        raise NotADirectoryError(
            f"export_dir={export_dir!r} is a file, not an export directory: pass the "
            f"directory that holds model_card.json, e.g. "
            f"export_dir={_export_dir_above(export_dir)!r}.")
    return export_dir


def _export_dir_above(path):
    """The export directory (with a model card) holding `path`, one or two levels up
    (`<export>/<name>.tflite`, `<export>/1/saved_model.pb`), else `path`'s directory."""
    parent = os.path.dirname(os.path.normpath(path)) or os.curdir
    for candidate in (parent, os.path.dirname(parent)):
        if candidate and os.path.isfile(os.path.join(candidate, "model_card.json")):
            return candidate
    return parent


def locate_export(path):
    """The export directory and the artifact a user's path names.

    A user may pass a `.tflite` file of an export where a directory is expected; it
    names the export beside it and that file's format.

    Args:
        path: An export directory, or a `.tflite` file in one.

    Returns:
        `(export_dir, format)`: `format` is `None` for a directory, else the `.tflite`
        file's format (`"float32"`, `"float16"` or `"int8"`, from the model card).

    Raises:
        FileNotFoundError: if nothing is at `path`.
        NotADirectoryError: for a file that is not a `.tflite` file listed in the model
            card beside it.
        ValueError: for a SavedModel version directory (`<export>/1`: the export
            directory's highest version is what is served), or the `.tflite` file of a
            further signature (CycleGAN's `b_to_a`).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Export directory not found: export_dir={path!r}")
    if os.path.isdir(path):
        above = _export_dir_above(path)
        if (os.path.basename(os.path.normpath(path)).isdigit()
                and os.path.isfile(os.path.join(path, "saved_model.pb"))
                and os.path.isfile(os.path.join(above, "model_card.json"))):
            raise ValueError(
                f"export_dir={path!r} is a SavedModel version directory: pass the export "
                f"directory that holds it, export_dir={above!r} (its highest version is "
                "used).")
        return path, None
    parent = os.path.dirname(os.path.normpath(path)) or os.curdir
    card = load_model_card(parent, missing_ok=True) if path.endswith(".tflite") else None
    if card is None:
        check_export_dir(path)  # raises: a file
    entry = card.get("tflite", {}).get(os.path.basename(path))
    if entry is None:
        raise NotADirectoryError(
            f"export_dir={path!r} is not one of the .tflite files its model card lists "
            f"({', '.join(sorted(card.get('tflite', {}))) or 'none'}): pass the export "
            f"directory, export_dir={parent!r}.")
    signature = entry.get("signature", TFLITE_SIGNATURE)
    token_signatures = {tokenizer["signature"] for _, tokenizer in _tokenizers(card).values()}
    if signature != TFLITE_SIGNATURE and signature not in token_signatures:
        raise ValueError(
            f"export_dir={path!r} holds the {signature!r} signature, and samples and "
            f"metrics come from serving_default's file: pass export_dir={parent!r} with "
            f"the format ({entry['format']}).")
    return parent, entry["format"]


def load_model_card(export_dir, missing_ok=False):
    """Reads `export_dir/model_card.json`; None if absent and `missing_ok`.

    Raises:
        FileNotFoundError: if `export_dir` or its card is missing (and not
            `missing_ok`).
        NotADirectoryError: if `export_dir` is a file.
        CorruptExportError: if the card is not a model card's JSON.
    """
    path = os.path.join(os.fspath(export_dir), "model_card.json")
    if not os.path.exists(path):
        if missing_ok:
            return None
        check_export_dir(export_dir)
        raise FileNotFoundError(
            f"No model_card.json in export_dir={os.fspath(export_dir)!r}: an export "
            "directory holds one beside its SavedModel versions and .tflite files. "
            "Re-export the model with scripts/export.py to write it.")
    try:
        with open(path, encoding="utf-8") as file:
            card = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CorruptExportError(f"Cannot read the model card {path} ({_one_line(error)}). "
                                 f"{_REEXPORT}") from error
    missing = [key for key in ("name", "inputs", "saved_model")
               if not isinstance(card, dict) or key not in card]
    if missing:
        raise CorruptExportError(f"The model card {path} lacks {', '.join(missing)}. "
                                 f"{_REEXPORT}")
    return card


def load_saved_model(path):
    """`tf.saved_model.load(path)`, with a one-line error for damaged files.

    Raises:
        CorruptExportError: if the SavedModel cannot be read (a truncated
            `saved_model.pb`, missing variables, ...).
    """
    path = os.fspath(path)
    try:
        return tf.saved_model.load(path)
    except Exception as error:  # TF raises OSError, DataLossError, ValueError, ...
        raise CorruptExportError(f"Cannot load the SavedModel in {path} "
                                 f"({_one_line(error)}). {_REEXPORT}") from error


# Writing ------------------------------------------------------------------------------

def write_saved_model(model, path, spec=None):
    """Writes the model's serving signatures (`model.serving_spec()`, or `spec`) as a
    SavedModel at `path`.

    Uses `keras.export.ExportArchive` on the functional networks, not
    `model.export()`, which loses input names and dtypes of subclassed models.
    """
    spec = spec or model.serving_spec()
    archive = keras.export.ExportArchive()
    for network in spec.networks:
        archive.track(network)
    for name, (function, signature) in spec.signatures.items():
        archive.add_endpoint(name, function, input_signature=signature)
    archive.write_out(path, verbose=False)


def representative_inputs(model, num_examples=128, seed=1234):
    """Serving inputs for int8 calibration of `serving_default`, one example per item
    (LiteRT's batch of 1): latents drawn as the model draws them, every class in turn
    (`ServingSpec.calibration_inputs`)."""
    return model.serving_spec().calibration_inputs(TFLITE_SIGNATURE, num_examples, seed)


def convert_to_tflite(saved_model_dir, signature=TFLITE_SIGNATURE, quantization="float32",
                      representative=None, quiet=None):
    """Converts one signature of a SavedModel to a `.tflite` flatbuffer.

    Only TFLite builtin ops are allowed: `SELECT_TF_OPS` (Flex) files do not run in
    the plain LiteRT runtime that mobile apps ship.

    Args:
        saved_model_dir: The SavedModel to convert.
        signature: Its signature key.
        quantization: `"float32"` (none), `"float16"` (weights stored in float16) or
            `"int8"` (full-integer ops; the interface stays float32 in and the
            signature's own output dtype out).
        representative: For `"int8"`: a list of input dicts (batch 1) covering the
            inputs' range, e.g. `representative_inputs(model)`.
        quiet: Hide the converter's console logs (~10 lines of C++ INFO and WARNING
            per call: SavedModel reading, MLIR passes, calibration settings). A failed
            conversion's errors stay in the raised `ConverterError`. Default: hidden
            unless `TF_CPP_MIN_LOG_LEVEL` is set to 0 or 1.

    Returns:
        The flatbuffer as bytes.
    """
    if quantization not in TFLITE_FORMATS:
        raise ValueError(f"`quantization` must be one of {sorted(TFLITE_FORMATS)}. "
                         f"Received: quantization={quantization!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(
        os.fspath(saved_model_dir), signature_keys=[signature]
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantization == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantization == "int8":
        if not representative:
            raise ValueError("int8 conversion needs `representative` inputs "
                             "(see representative_inputs).")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(representative)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with warnings.catch_warnings(), _hidden(quiet):
        # Calibration runs the deprecated tf.lite.Interpreter internally and says so.
        warnings.simplefilter("ignore", UserWarning)
        return converter.convert()


def _signature_io(function):
    def describe(spec):
        return {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}

    return {
        "inputs": {key: describe(spec)
                   for key, spec in sorted(function.structured_input_signature[1].items())},
        "outputs": {key: describe(spec)
                    for key, spec in sorted(function.structured_outputs.items())},
    }


def _tflite_io(tflite_bytes, signature=TFLITE_SIGNATURE):
    interpreter = _litert_interpreter(model_content=tflite_bytes)
    runner = interpreter.get_signature_runner(signature)

    def describe(details):
        scale, zero_point = details["quantization"]
        entry = {"tensor": details["name"], "dtype": np.dtype(details["dtype"]).name,
                 "shape": [int(d) for d in details["shape_signature"]]}
        if scale:
            entry["quantization"] = {"scale": float(scale), "zero_point": int(zero_point)}
        return entry

    return {
        "inputs": {key: describe(d) for key, d in sorted(runner.get_input_details().items())},
        "outputs": {key: describe(d) for key, d in sorted(runner.get_output_details().items())},
    }


def _dir_bytes(path):
    return sum(os.path.getsize(os.path.join(root, file))
               for root, _, files in os.walk(path) for file in files)


def library_versions():
    """Versions of the libraries an export was made with."""
    versions = {"kerasgan": __version__, "tensorflow": tf.__version__,
                "keras": keras.__version__, "python": platform.python_version()}
    try:
        from importlib.metadata import version

        versions["ai_edge_litert"] = version("ai-edge-litert")
    except Exception:  # the runtime is optional for exporting
        pass
    return versions


def _remove_stale_staging(export_dir):
    for entry in os.listdir(export_dir):
        if entry.startswith(_STAGING_PREFIX):
            shutil.rmtree(os.path.join(export_dir, entry), ignore_errors=True)


class ExportError(RuntimeError):
    """An export failed its verification and was not put in place."""


def export_generator(model, export_dir, name=None, version=None, overwrite=False,
                     formats=tuple(TFLITE_FORMATS), extra_card=None, check=True,
                     latency_runs=20, verbose=True):
    """Exports `model`'s generator: a SavedModel version, `.tflite` files, a model card.

    The whole export is first written to a temporary directory inside `export_dir` in
    the final layout and checked there with `verify`; only an export that passes is
    renamed into place: the SavedModel version first, the `.tflite` files next and the
    model card last. So a failed or interrupted export leaves the previous files whole
    (each rename is atomic) and at most a `.tmp-export-*` directory, which the next
    export removes.

    Args:
        model: An `AdversarialModel`.
        export_dir: Directory of this model's exports, e.g. `exported/dcgan_digits`.
        name: Base name of the `.tflite` files; default: the last part of `export_dir`.
        version: SavedModel version number; default: one above the highest present
            (TF Serving serves the highest), 1 in a new directory.
        overwrite: Allow replacing an existing `version`.
        formats: Which `.tflite` flavours to write, from `"float32"`, `"float16"`,
            `"int8"`. A model with an `int8_skip_reason` (image-to-image models) gets no
            int8 file; the card's `skipped_formats` says why.
        extra_card: Dict merged into `model_card.json` (training recipe, steps,
            metrics, ...).
        check: Run `verify` on the staged export and refuse to ship a failing one.
            Its measurements (differences, sizes, latency) go into the card.
        latency_runs: Batch-1 calls timed per artifact by `verify`.
        verbose: Print where the files went and the verification table.

    Returns:
        Dict of the written paths (`saved_model`, `model_card`, one per format of
        `serving_default`'s `.tflite`, and `<signature>_<format>` for the `.tflite`
        files of further signatures such as `encode`) and `verification`, the `verify` report (None when `check` is False).

    Raises:
        FileExistsError: if `version` exists and `overwrite` is False.
        ValueError: for an unknown format or a non-positive version.
        ExportError: if `check` is on and the export fails verification (for example
            non-finite generator outputs, Flex ops or LiteRT disagreeing).
    """
    unknown = [f for f in formats if f not in TFLITE_FORMATS]
    if unknown:
        raise ValueError(f"Unknown `formats` {unknown}; choose from {sorted(TFLITE_FORMATS)}.")
    export_dir = os.path.abspath(os.fspath(export_dir))
    os.makedirs(export_dir, exist_ok=True)
    _remove_stale_staging(export_dir)
    name = name or os.path.basename(export_dir.rstrip(os.sep)) or model.name
    if version is None:
        version = _next_version(export_dir)
    if int(version) < 1:
        raise ValueError(f"`version` must be a positive integer. Received: version={version}")
    version = str(int(version))
    saved_model_dir = os.path.join(export_dir, version)
    if os.path.exists(saved_model_dir) and not overwrite:
        raise FileExistsError(
            f"{saved_model_dir} already exists. Pass overwrite=True (--overwrite) to replace "
            "it, or version=None to write the next version."
        )

    staging = tempfile.mkdtemp(dir=export_dir, prefix=_STAGING_PREFIX)
    try:
        staged_model = os.path.join(staging, version)
        spec = model.serving_spec()
        write_saved_model(model, staged_model, spec)
        loaded = tf.saved_model.load(staged_model)
        descriptions = spec.descriptions
        signatures = {key: {**_signature_io(function), **_description(descriptions, key)}
                      for key, function in sorted(loaded.signatures.items())}
        skipped = {}
        if "int8" in formats and spec.int8_skip_reason:
            formats = tuple(f for f in formats if f != "int8")
            skipped["int8"] = spec.int8_skip_reason
        tflite_card = {}
        for signature in spec.tflite_signatures:
            # Further signatures get an int8 file only where the spec gives calibration
            # inputs for them (text2image's token ids, not `encode`).
            calibration = (spec.calibration_inputs(signature) if "int8" in formats
                           else None)
            for fmt in formats:
                if fmt == "int8" and calibration is None:
                    continue
                file = tflite_file_name(name, signature, fmt)
                try:
                    payload = convert_to_tflite(staged_model, signature, quantization=fmt,
                                                representative=calibration)
                except Exception as error:  # the converter raises its own ConverterError
                    if fmt != "int8":
                        raise
                    # Full-integer kernels need static channel counts and constant
                    # weights; a graph that has neither everywhere (ProGAN's grown
                    # blocks) still gets its float32 and float16 files.
                    first_line = str(error).strip().splitlines()[0][:300]
                    skipped["int8"] = ("the LiteRT converter found no builtin int8 kernel "
                                       f"for an op of this graph: {first_line}")
                    warnings.warn(f"No int8 .tflite for {name}: {skipped['int8']}")
                    continue
                with open(os.path.join(staging, file), "wb") as handle:
                    handle.write(payload)
                tflite_card[file] = {"format": fmt, "bytes": len(payload),
                                     "signature": signature,
                                     **_description(descriptions, signature),
                                     **_tflite_io(payload, signature)}
        files = spec.files  # e.g. text2image's vocab.txt, staged like the rest
        for file, payload in files.items():
            with open(os.path.join(staging, file), "wb") as handle:
                handle.write(payload)
        card = {
            "name": name,
            "variant": type(model).__name__,
            "registry_name": model.name,
            "paper": model.paper,
            "latent_dim": model.latent_dim,
            "num_classes": model.num_classes,
            "image_shape": list(model.image_shape),
            "inputs": spec.inputs,
            **({"details": spec.details} if spec.details else {}),
            "saved_model": {"version": int(version), "path": version,
                            "bytes": _dir_bytes(staged_model), "signatures": signatures},
            "tflite": tflite_card,
            **({"files": {file: {"bytes": len(payload)} for file, payload in files.items()}}
               if files else {}),
            **({"skipped_formats": skipped} if skipped else {}),
            "versions": library_versions(),
            **(extra_card or {}),
        }
        staged_card = os.path.join(staging, "model_card.json")
        _write_json(staged_card, card)

        report = None
        if check:
            report = verify(staging, latency_runs=latency_runs)
            card["verification"] = {
                "num_images": report["num_images"],
                "artifacts": {key: {k: v for k, v in entry.items() if k != "flex_ops"}
                              for key, entry in report["artifacts"].items()},
            }
            _write_json(staged_card, card)
            if not report["ok"]:
                raise ExportError(
                    f"The export to {export_dir} failed verification and was not written: "
                    + "; ".join(report["problems"])
                )

        # Into place: the version directory, then the .tflite and other files, then the
        # card.
        if os.path.exists(saved_model_dir):
            os.replace(saved_model_dir, os.path.join(staging, "retired"))
        os.replace(staged_model, saved_model_dir)
        paths = {"saved_model": saved_model_dir}
        for file, entry in tflite_card.items():
            key = _path_key(entry)
            paths[key] = os.path.join(export_dir, file)
            os.replace(os.path.join(staging, file), paths[key])
        for file in files:
            paths.setdefault("files", {})[file] = os.path.join(export_dir, file)
            os.replace(os.path.join(staging, file), paths["files"][file])
        paths["model_card"] = os.path.join(export_dir, "model_card.json")
        os.replace(staged_card, paths["model_card"])
        paths["verification"] = report
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    if verbose:
        print(f"Exported SavedModel version {version} to {saved_model_dir}")
        for file, entry in tflite_card.items():
            print(f"Exported LiteRT {entry['format']} model of `{entry['signature']}` to "
                  f"{paths[_path_key(entry)]} ({entry['bytes'] / 1024:.0f} KiB)")
        for file, path in paths.get("files", {}).items():
            print(f"Exported {file} to {path}")
        if report:
            print(format_report(report))
    return paths


def _description(descriptions, signature):
    """`{"description": ...}` for a signature the model describes, else `{}`."""
    return {"description": descriptions[signature]} if signature in descriptions else {}


def _path_key(entry):
    """Key of a `.tflite` file in `export_generator`'s result: its format for
    `serving_default` ("float32", ...), `<signature>_<format>` for others."""
    if entry["signature"] == TFLITE_SIGNATURE:
        return entry["format"]
    return f"{entry['signature']}_{entry['format']}"


def _write_json(path, payload):
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=2)
        handle.write("\n")


# Running ------------------------------------------------------------------------------

def _litert_interpreter(**kwargs):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as error:
        raise ImportError(
            "Running .tflite files needs the LiteRT runtime: pip install ai-edge-litert"
        ) from error
    path = kwargs.get("model_path")
    if path is not None and not os.path.isfile(path):
        raise FileNotFoundError(f"No .tflite file at {path}")
    try:
        return Interpreter(**kwargs)
    except (ValueError, RuntimeError) as error:  # "not a valid Flatbuffer buffer", ...
        if path is None:
            raise
        raise CorruptExportError(f"LiteRT cannot read {path} ({_one_line(error)}). "
                                 f"{_REEXPORT}") from error


def load_tflite(path):
    """A LiteRT (`ai_edge_litert`) Interpreter of the `.tflite` file at `path`.

    Raises:
        FileNotFoundError: if there is no file at `path`.
        CorruptExportError: if LiteRT cannot read it (truncated, not a model).
    """
    return _litert_interpreter(model_path=os.fspath(path))


def draw_inputs(distributions, batch_size, seed=0, label=None):
    """Draws serving inputs with numpy as `model_card.json`'s `inputs` describes them:
    what a client without the `sample` signature (a phone) does.

    Args:
        distributions: The card's `inputs`, e.g. `{"z": {"distribution": "normal"},
            "label": {"distribution": "categorical", "num_values": 10}}`, plus each
            input's shape from `shapes`.
        batch_size: Examples to draw.
        seed: numpy seed.
        label: Class labels to use instead of classes in turn: one int or one per example.

    Returns:
        Dict of numpy arrays; float inputs float32 and categorical ones int32.
    """
    rng = np.random.default_rng(seed)
    inputs = {}
    for key, entry in sorted(distributions.items()):
        kind = entry["distribution"]
        shape = [batch_size, *entry.get("shape", [])]
        if kind == "normal":
            values = rng.normal(entry.get("mean", 0.0), entry.get("stddev", 1.0), shape)
            inputs[key] = values.astype(np.float32)
        elif kind == "uniform":
            values = rng.uniform(entry.get("low", -1.0), entry.get("high", 1.0), shape)
            inputs[key] = values.astype(np.float32)
        elif kind == "image":
            # Source images of image-to-image models: uniform uint8 noise images.
            values = rng.integers(entry.get("low", 0), entry.get("high", 255) + 1, shape)
            inputs[key] = values.astype(np.uint8)
        elif kind == "categorical":
            if key == "label" and label is not None:
                values = np.broadcast_to(np.asarray(label, np.int32), (batch_size,))
            else:
                values = np.arange(batch_size) % entry["num_values"]
            inputs[key] = np.asarray(values, np.int32).reshape(shape)
        elif kind == "text":
            # Captions of text-to-image models: the card's examples in turn.
            examples = entry["examples"]
            inputs[key] = np.array([examples[i % len(examples)] for i in range(batch_size)],
                                   dtype=object)
        else:
            raise ValueError(f"Unknown distribution {kind!r} for input {key!r}.")
    return inputs


def read_vocabulary(path):
    """The tokens of a vocabulary file as export writes it (one token per line, line
    number = id; a line may be a single space, so only the newline is stripped)."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def tokenize_with_vocabulary(texts, tokenizer, vocabulary):
    """Token ids of captions as a LiteRT client makes them, from the model card's
    `tokenizer` entry and the vocabulary file's tokens (`read_vocabulary`), without the
    model's code: one id per character, ASCII letters lowercased, characters not in the
    vocabulary `unknown_id`, rows padded with `padding_id` to `max_length`.

    Returns:
        int32 numpy array `[len(texts), max_length]`.

    Raises:
        ValueError: for a caption that is empty or longer than `max_length`, naming it.
    """
    return text.CharacterTokenizer.from_card(tokenizer, vocabulary)(texts)


def _tokenizers(card):
    """`{token input: (text input, tokenizer)}` of the card's text inputs."""
    return {entry["tokenizer"]["input"]: (key, entry["tokenizer"])
            for key, entry in card["inputs"].items() if "tokenizer" in entry}


def card_input_distributions(card, signature="serving_default"):
    """The card's input distributions, with each input's non-batch shape attached."""
    specs = card["saved_model"]["signatures"][signature]["inputs"]
    return {key: {**entry, "shape": specs[key]["shape"][1:]}
            for key, entry in card["inputs"].items()}


def example_inputs(model, batch_size=4, seed=0):
    """Serving inputs for `model` as numpy arrays (`serving_spec().examples`): its
    latents drawn with `seed` and classes in turn for conditional models, held-out
    source images (`evaluation.example_pairs`) for image-to-image models."""
    spec = model.serving_spec()
    if spec.examples is not None:
        return spec.examples(batch_size, seed)
    from kerasgan import evaluation
    from kerasgan.images import to_uint8

    sources, _ = evaluation.example_pairs(model, batch_size)
    return {"images": np.asarray(to_uint8(sources))}


def run_saved_model(saved_model, inputs, signature="serving_default"):
    """Runs a SavedModel signature on numpy `inputs`; returns a dict of numpy outputs.

    Args:
        saved_model: A SavedModel directory or an object from `tf.saved_model.load`.
        inputs: Dict of numpy arrays keyed by the signature's input names.
        signature: Signature key.
    """
    if isinstance(saved_model, (str, os.PathLike)):
        saved_model = load_saved_model(saved_model)
    function = saved_model.signatures[signature]
    outputs = function(**{key: tf.constant(value) for key, value in inputs.items()})
    return {key: value.numpy() for key, value in outputs.items()}


def run_tflite(tflite, inputs, signature=TFLITE_SIGNATURE, quiet=None):
    """Runs a `.tflite` signature in the LiteRT runtime (`ai_edge_litert`), one example
    at a time as a phone would, and stacks the outputs.

    Args:
        tflite: A `.tflite` path or an `ai_edge_litert` Interpreter.
        inputs: Dict of numpy arrays keyed by the signature's input names.
        signature: Signature key.
        quiet: Hide LiteRT's console messages ("Created TensorFlow Lite XNNPACK
            delegate for CPU."); they are shown when a run fails. Default: hidden
            unless `TF_CPP_MIN_LOG_LEVEL` is set to 0 or 1.
    """
    if isinstance(tflite, (str, os.PathLike)):
        tflite = _litert_interpreter(model_path=os.fspath(tflite))
    runner = tflite.get_signature_runner(signature)
    batch = len(next(iter(inputs.values())))
    with _hidden(quiet, replay_on_error=True):
        results = [runner(**{key: value[i:i + 1] for key, value in inputs.items()})
                   for i in range(batch)]
    return {key: np.concatenate([r[key] for r in results]) for key in results[0]}


def tflite_ops(tflite_path):
    """Names of the operators a `.tflite` file uses (custom ones, such as Flex ops, by
    their custom code), read from the flatbuffer without running it.

    Raises:
        CorruptExportError: if the file is not a readable flatbuffer.
    """
    import struct

    from ai_edge_litert import schema_py_generated as schema

    with open(tflite_path, "rb") as handle:
        payload = handle.read()
    builtin_names = {value: key for key, value in vars(schema.BuiltinOperator).items()
                     if not key.startswith("_")}
    names = []
    try:
        model = schema.Model.GetRootAs(payload, 0)
        for i in range(model.OperatorCodesLength()):
            code = model.OperatorCodes(i)
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            custom = code.CustomCode()
            names.append(custom.decode() if custom else builtin_names.get(builtin, str(builtin)))
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as error:
        raise CorruptExportError(f"Cannot read the operators of {tflite_path} "
                                 f"({_one_line(error)}). {_REEXPORT}") from error
    return sorted(set(names))


def compare_exports(paths, inputs):
    """Runs the SavedModel and the float32 `.tflite` of an export on the same inputs.

    Returns:
        Dict with the SavedModel's and the LiteRT images and `max_abs_diff`, the largest
        difference in uint8 levels.
    """
    saved = run_saved_model(paths["saved_model"], inputs)["images"]
    lite_path, signature, lite_inputs = paths.get("float32") or paths.get("tflite"), \
        TFLITE_SIGNATURE, inputs
    if lite_path is None and "model_card" in paths:
        # `serving_default` takes strings and is not converted (text2image): run the
        # token signature, with token ids made from the texts as a LiteRT client does.
        export_dir = os.path.dirname(paths["model_card"])
        signature, lite_inputs = litert_inputs(load_model_card(export_dir), export_dir, inputs)
        lite_path = tflite_paths(export_dir, signature)["float32"]
    lite = run_tflite(lite_path, lite_inputs, signature)["images"]
    return {"saved_model": saved, "tflite": lite, "max_abs_diff": _level_diff(saved, lite)[0]}


def litert_inputs(card, export_dir, inputs):
    """The `.tflite` signature that takes the place of a string `serving_default`, and
    its inputs made from serving inputs: each text input tokenized with the export's
    vocabulary file as the card's `tokenizer` says, the other inputs as they are.

    Returns:
        `(signature, inputs)`; `(serving_default, inputs)` for a card without text inputs.
    """
    signature, converted = TFLITE_SIGNATURE, dict(inputs)
    for token_key, (text_key, tokenizer) in _tokenizers(card).items():
        vocabulary = read_vocabulary(os.path.join(os.fspath(export_dir),
                                                  tokenizer["vocabulary"]))
        converted[token_key] = tokenize_with_vocabulary(converted.pop(text_key), tokenizer,
                                                        vocabulary)
        signature = tokenizer["signature"]
    return signature, converted


def _level_diff(a, b):
    diff = np.abs(a.astype(np.int32) - b.astype(np.int32))
    return int(diff.max()), float(diff.mean())


def _median_ms(function, runs):
    function()  # warm-up: first calls trace or allocate
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# Verification -------------------------------------------------------------------------

def verify(export_dir, num_images=8, seed=0, tolerance=None, latency_runs=20):
    """Loads every artifact of an export, runs them on the same inputs and compares.

    Checks that: the SavedModel's `serving_default` gives uint8 images of the card's
    shape; its `sample` signature is reproducible by seed and equals `serving_default`
    on the latents it returns; every `.tflite` runs in `ai_edge_litert`, uses no Flex
    (SELECT_TF_OPS) op, and stays within `tolerance` uint8 levels of the SavedModel.
    The `.tflite` files of further signatures (`encode`) run on the generator's
    images and must match the SavedModel's signature within `DEFAULT_FLOAT_TOLERANCE`
    (relative) for float outputs.
    Needs only TensorFlow, ai_edge_litert and the files, not the model's code.

    Args:
        export_dir: An export directory (`exported/<name>`).
        num_images: Inputs to compare on, drawn as the model card describes.
        seed: Seed of those inputs.
        tolerance: `{format: max uint8 difference}`; default `DEFAULT_TOLERANCE`.
        latency_runs: Batch-1 calls timed per artifact (median reported); 0 skips timing.

    Returns:
        A dict: `ok`, `problems` (list of strings), `saved_model`, `version`, and
        `artifacts`, `{artifact: {"format", "bytes", "max_abs_diff", "mean_abs_diff",
        "latency_ms", "flex_ops"}}` with the SavedModel as the reference row.
    """
    export_dir = os.fspath(export_dir)
    tolerance = {**DEFAULT_TOLERANCE, **(tolerance or {})}
    card = load_model_card(export_dir)
    saved_model_dir = latest_saved_model(export_dir)
    loaded = load_saved_model(saved_model_dir)
    problems = []

    inputs = draw_inputs(card_input_distributions(card), num_images, seed)
    reference = run_saved_model(loaded, inputs)["images"]
    expected_shape = (num_images, *card["image_shape"])
    if reference.dtype != np.uint8 or reference.shape != expected_shape:
        problems.append(f"serving_default gave {reference.dtype} {reference.shape}, "
                        f"expected uint8 {expected_shape}")
    one = {key: value[:1] for key, value in inputs.items()}
    artifacts = {os.path.basename(saved_model_dir) + "/": {
        "format": "SavedModel", "bytes": _dir_bytes(saved_model_dir),
        "max_abs_diff": 0, "mean_abs_diff": 0.0, "flex_ops": [],
        "latency_ms": _median_ms(lambda: run_saved_model(loaded, one), latency_runs)
        if latency_runs else None,
    }}

    if "sample" in loaded.signatures:
        sample_inputs = {"num_images": np.int32(num_images), "seed": np.int32(seed)}
        if "label" in card["inputs"]:
            sample_inputs["label"] = np.arange(card["num_classes"], dtype=np.int32)
        # Captions (text2image), like labels, are used in turn.
        texts = {key: np.array(entry["examples"], dtype=object)
                 for key, entry in card["inputs"].items() if entry["distribution"] == "text"}
        sample_inputs.update(texts)
        first = run_saved_model(loaded, sample_inputs, "sample")
        second = run_saved_model(loaded, sample_inputs, "sample")
        if not np.all(np.isfinite(first["images_float"])):
            problems.append("the generator produces non-finite (NaN or Inf) images")
        if not np.array_equal(first["images"], second["images"]):
            problems.append("`sample` gave different images for the same seed")
        replay = {key: first[key] for key in card["inputs"] if key in first}
        if "label" in sample_inputs:
            replay["label"] = np.arange(num_images, dtype=np.int32) % card["num_classes"]
        for key, values in texts.items():
            replay[key] = values[np.arange(num_images) % len(values)]
        replayed = run_saved_model(loaded, replay)["images"]
        if _level_diff(replayed, first["images"])[0] > 1:
            problems.append("`sample` images differ from serving_default on its latents")

    for signature in sorted({entry.get("signature", TFLITE_SIGNATURE)
                             for entry in card.get("tflite", {}).values()} - {TFLITE_SIGNATURE}):
        _verify_signature(loaded, card, signature, export_dir, reference, latency_runs,
                          artifacts, problems, seed=seed)

    for fmt, path in sorted(tflite_paths(export_dir).items()):
        entry = {"format": fmt, "bytes": os.path.getsize(path)}
        interpreter = _open_artifact(path, entry, problems)
        if interpreter is None:
            artifacts[os.path.basename(path)] = entry
            continue
        _check_tflite(interpreter, path, entry, TFLITE_SIGNATURE, inputs, one,
                      lambda outputs: _level_diff(outputs["images"], reference),
                      tolerance.get(fmt), lambda diff: f"the SavedModel by {diff} levels",
                      problems, latency_runs)
        artifacts[os.path.basename(path)] = entry

    return {"ok": not problems, "problems": problems, "saved_model": saved_model_dir,
            "version": int(os.path.basename(saved_model_dir)), "num_images": num_images,
            "artifacts": artifacts}


def _open_artifact(path, entry, problems):
    """The LiteRT interpreter of the `.tflite` file at `path`, with its Flex ops put in
    `entry`; None, with the reason in `problems`, when LiteRT cannot load it."""
    name = os.path.basename(path)
    try:
        interpreter = _litert_interpreter(model_path=path)
    except CorruptExportError as error:  # truncated or garbled: there are no ops to list
        entry.update(flex_ops=[], unreadable=True)
        problems.append(str(error))
        return None
    except Exception as error:  # a model LiteRT reads but cannot prepare
        interpreter, load_error = None, error
    entry["flex_ops"] = [op for op in tflite_ops(path) if op.startswith("Flex")]
    if entry["flex_ops"]:
        problems.append(f"{name} uses Flex ops {entry['flex_ops']}, which the LiteRT "
                        "runtime cannot run")
    if interpreter is None:
        problems.append(f"{name} does not run in LiteRT: {_one_line(load_error)}")
    return interpreter


def signature_inputs(card, signature, images, seed=0, export_dir=None):
    """Example inputs of a further signature (`encode`, ...) from its card entry: a
    uint8 image input gets `images` (the generator's own), token ids (text2image's
    `token_ids`) the drawn texts tokenized with `export_dir`'s vocabulary file as the
    card's `tokenizer` says, the others are drawn as the card's `inputs` describe.

    Raises:
        ValueError: for an input the card gives no way to fill.
    """
    specs = card["saved_model"]["signatures"][signature]["inputs"]
    drawn = draw_inputs(card_input_distributions(card), len(images), seed)
    tokenizers = _tokenizers(card)
    inputs = {}
    for key, spec in specs.items():
        if spec["dtype"] == "uint8" and len(spec["shape"]) == 4:
            inputs[key] = images
        elif key in drawn:
            inputs[key] = drawn[key]
        elif key in tokenizers and export_dir is not None:
            text_key, tokenizer = tokenizers[key]
            vocabulary = read_vocabulary(os.path.join(os.fspath(export_dir),
                                                      tokenizer["vocabulary"]))
            inputs[key] = tokenize_with_vocabulary(drawn[text_key], tokenizer, vocabulary)
        else:
            raise ValueError(f"Cannot make an example of input {key!r} of signature "
                             f"{signature!r}.")
    return inputs


def _output_diff(expected, actual):
    """`(max, mean)` difference over a signature's outputs: uint8 levels for images,
    differences relative to the largest expected magnitude for floats."""
    worst, means = 0.0, []
    for key, value in expected.items():
        if value.dtype == np.uint8:
            diff = _level_diff(value, actual[key])
        else:
            scale = max(1e-6, float(np.max(np.abs(value))))
            delta = np.abs(value.astype(np.float64) - actual[key]) / scale
            diff = (float(delta.max()), float(delta.mean()))
        worst = max(worst, diff[0])
        means.append(diff[1])
    return worst, float(np.mean(means))


def _verify_signature(loaded, card, signature, export_dir, images, latency_runs, artifacts,
                      problems, seed=0):
    """Checks the `.tflite` files of a further signature against the SavedModel's, and a
    token signature (text2image's) against `serving_default` on the same texts: its
    token ids made with the vocabulary file, as a LiteRT client makes them."""
    try:
        inputs = signature_inputs(card, signature, images, seed, export_dir)
    except (KeyError, ValueError, OSError) as error:
        problems.append(f"signature {signature!r}: {error}")
        return
    expected = run_saved_model(loaded, inputs, signature)
    if set(inputs) & set(_tokenizers(card)) and "images" in expected:
        worst = _level_diff(expected["images"], images)[0]
        if worst > 1:
            problems.append(f"the SavedModel's {signature!r} differs from serving_default on "
                            f"the same texts by {worst} levels: the vocabulary file does not "
                            "tokenize as the graph does")
    one = {key: value[:1] for key, value in inputs.items()}
    for fmt, path in sorted(tflite_paths(export_dir, signature).items()):
        entry = {"format": fmt, "signature": signature, "bytes": os.path.getsize(path)}
        artifacts[os.path.basename(path)] = entry
        interpreter = _open_artifact(path, entry, problems)
        if interpreter is None:
            continue
        numeric = all(value.dtype != np.uint8 for value in expected.values())
        _check_tflite(interpreter, path, entry, signature, inputs, one,
                      lambda outputs: _output_diff(expected, outputs),
                      (DEFAULT_FLOAT_TOLERANCE if numeric else DEFAULT_TOLERANCE).get(fmt),
                      lambda diff: f"the SavedModel's {signature!r} by {diff:.4g}",
                      problems, latency_runs)


def _check_tflite(interpreter, path, entry, signature, inputs, one, compare, limit, what,
                  problems, latency_runs):
    """Runs one `.tflite` file's `signature` on `inputs` and records in `entry` its
    difference from the SavedModel (`compare(outputs)` gives max and mean) and its
    batch-1 latency on `one`; a failure to run, or a difference over `limit`, goes to
    `problems` (`what(diff)` says what it differs from, and by how much)."""
    name = os.path.basename(path)
    try:
        outputs = run_tflite(interpreter, inputs, signature)
    except Exception as error:  # report every artifact, not only the first failure
        problems.append(f"{name} does not run in LiteRT: {error}")
        return
    entry["max_abs_diff"], entry["mean_abs_diff"] = compare(outputs)
    if limit is not None and entry["max_abs_diff"] > limit:
        problems.append(f"{name} differs from {what(entry['max_abs_diff'])} (> {limit})")
    runner = interpreter.get_signature_runner(signature)
    entry["latency_ms"] = (_median_ms(lambda: runner(**one), latency_runs)
                           if latency_runs else None)


def _short(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def format_report(report):
    """The `verify` report as a table: size, difference from the SavedModel in uint8
    levels, batch-1 latency and Flex ops of each artifact."""
    lines = [f"{'artifact':<28} {'format':<10} {'size':>9} {'max diff':>8} "
             f"{'mean diff':>9} {'batch-1 ms':>10}  flex ops"]
    for artifact, entry in report["artifacts"].items():
        latency = entry.get("latency_ms")
        flex = "unreadable" if entry.get("unreadable") else ", ".join(entry["flex_ops"])
        lines.append(
            f"{artifact:<28} {entry['format']:<10} {entry['bytes'] / 1024:>7.0f}KB "
            f"{_short(entry.get('max_abs_diff', 'n/a')):>8} {entry.get('mean_abs_diff', float('nan')):>9.3f} "
            f"{'n/a' if latency is None else f'{latency:.2f}':>10}  "
            f"{flex or 'none'}"
        )
    lines.append("verify: " + ("OK" if report["ok"] else "FAILED: " + "; ".join(report["problems"])))
    return "\n".join(lines)


# Exported image-to-image generators ------------------------------------------------------


class ExportedTranslator:
    """An exported image-to-image generator (pix2pix, SRGAN, ...) read from its files
    alone, with the interface of the model the translation metrics and grids take:
    `translate`, `image_input`, `source_shape`, `image_shape`, `name`.

    So `kerasgan.evaluation.translation_metrics(ExportedTranslator(dir), sources,
    targets)` measures what TF Serving or a phone would serve, not the Python model.

    Args:
        export_dir: An export directory (`model_card.json`, SavedModel versions,
            `.tflite` files).
        format: `"saved_model"` (the highest version's `serving_default`) or a `.tflite`
            format present in the export (`"float32"`, `"float16"`).
        signature: The signature to run; default `serving_default`. A further
            image-in, image-out signature (CycleGAN's `b_to_a`) works alike.

    An export with both `a_to_b` and `b_to_a` signatures (CycleGAN) is
    `cycle_consistent`: `translate(images, direction="b_to_a")` runs the other
    direction's signature (and `.tflite` file), so `evaluation.cycle_metrics` takes it.

    Raises:
        FileNotFoundError: for a directory without a model card or the asked file.
        ValueError: for an export whose signature does not take uint8 images to uint8
            images.
    """

    image_input = True

    def __init__(self, export_dir, format="saved_model", signature=TFLITE_SIGNATURE):
        export_dir = check_export_dir(export_dir)
        card = load_model_card(export_dir)
        self.card, self.format, self.signature = card, format, signature
        self.name = card["name"]
        signatures = card["saved_model"]["signatures"]
        if signature not in signatures:
            raise ValueError(f"The export in {export_dir} has no signature {signature!r}; it "
                             f"has {', '.join(sorted(signatures))}.")
        io = signatures[signature]
        spec_in, spec_out = io["inputs"].get("images"), io["outputs"].get("images")
        if (len(io["inputs"]) != 1 or spec_in is None or spec_out is None
                or spec_in["dtype"] != "uint8" or len(spec_in["shape"]) != 4):
            raise ValueError(
                f"{self.name} ({card.get('registry_name')}) does not translate images: its "
                f"{signature!r} signature takes {sorted(io['inputs'])}, not uint8 `images` "
                "alone. Evaluate its samples instead.")
        self.source_shape = tuple(spec_in["shape"][1:])
        self.image_shape = tuple(spec_out["shape"][1:])
        self.cycle_consistent = {"a_to_b", "b_to_a"} <= set(signatures)
        self._saved_model = (load_saved_model(latest_saved_model(export_dir))
                             if format == "saved_model" else None)
        self._runners = {signature: self._runner(export_dir, signature)}
        if self.cycle_consistent:
            self._runners["b_to_a"] = self._runner(export_dir, "b_to_a")

    def _runner(self, export_dir, signature):
        """A function from uint8 images to the signature's uint8 `images`."""
        if self._saved_model is not None:
            return lambda images: run_saved_model(self._saved_model, {"images": images},
                                                  signature)["images"]
        paths = tflite_paths(export_dir, signature)
        if self.format not in paths:
            raise FileNotFoundError(
                f"No {self.format} .tflite file of {signature!r} in {export_dir}; found "
                f"{sorted(paths) or 'none'}. Received: format={self.format!r}")
        interpreter = _litert_interpreter(model_path=paths[self.format])
        return lambda images: run_tflite(interpreter, {"images": images}, signature)["images"]

    def translate(self, images, batch_size=256, training=False, direction=None):
        """Translates sources, uint8 or float in [-1, 1] `[n, *source_shape]`, through
        the exported file; returns float32 `[n, *image_shape]` in [-1, 1] (the served
        uint8 images rescaled, so values are multiples of 1/127.5). `direction=
        "b_to_a"` runs a cycle-consistent export's other direction (its inputs have
        `image_shape`)."""
        del training  # an export runs in inference mode
        if direction not in (None, "a_to_b", "b_to_a") or (
                direction == "b_to_a" and not self.cycle_consistent):
            choices = "None, 'a_to_b' or 'b_to_a'" if self.cycle_consistent else "None"
            raise ValueError(f"`direction` must be {choices} for {self.name}. Received: "
                             f"direction={direction!r}")
        run = self._runners["b_to_a" if direction == "b_to_a" else self.signature]
        shape = self.image_shape if direction == "b_to_a" else self.source_shape
        images = np.asarray(images)
        if images.ndim != 4 or tuple(images.shape[1:]) != shape:
            raise ValueError(f"`images` must have shape [n, {', '.join(map(str, shape))}]. "
                             f"Received: images with shape {images.shape}")
        if images.dtype != np.uint8:
            from kerasgan.images import to_uint8  # the rounding the models' serving uses

            images = np.asarray(to_uint8(images))
        outputs = [run(images[start:start + batch_size])
                   for start in range(0, len(images), batch_size)]
        return np.concatenate(outputs).astype(np.float32) / 127.5 - 1.0

    def card_details(self):
        """The export's `details` (e.g. SRGAN's content loss)."""
        return self.card.get("details", {})
