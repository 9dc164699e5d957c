r"""Exports a trained generator, or verifies an existing export.

From a training workdir (uses its `checkpoints/last.keras` and `training.json`):

    python scripts/export.py --workdir=runs/dcgan_digits --export_dir=exported/dcgan_digits

From a `.keras` file, replacing version 1:

    python scripts/export.py --model_path=model.keras --export_dir=exported/mine \
        --version=1 --overwrite

Check an export without writing anything (prints the table of sizes, differences from
the SavedModel in uint8 levels, batch-1 latency and Flex ops):

    python scripts/export.py --verify_only --export_dir=exported/dcgan_digits

Writes `<export_dir>/<version>/` (SavedModel with `serving_default` and `sample`
signatures), `<name>.tflite`, `<name>.fp16.tflite`, `<name>.int8.tflite` and
`model_card.json`. The export is verified before it is moved into place; without
--version it becomes the next version, which TF Serving picks up.
"""

import os
import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Training workdir holding checkpoints/last.keras.")
flags.DEFINE_string("model_path", None, "A saved `.keras` model.")
flags.DEFINE_string("export_dir", None,
                    "Export directory; default exported/<workdir name or model file name>.")
flags.DEFINE_string("name", None, "Base name of the .tflite files; default: export_dir's name.")
flags.DEFINE_integer("version", None, "SavedModel version; default: the next one.")
flags.DEFINE_bool("overwrite", False, "Replace --version if it exists.")
flags.DEFINE_list("formats", ["float32", "float16", "int8"], ".tflite flavours to write.")
flags.DEFINE_bool("verify_only", False, "Only verify the export in --export_dir.")
flags.DEFINE_integer("latency_runs", 20, "Batch-1 calls timed per artifact.")


def _load(path):
    import importlib

    import keras

    importlib.import_module("kerasgan.models")  # registers the classes load_model needs

    if not os.path.isfile(path):
        raise FileNotFoundError(f"Model file not found: {path!r}")
    try:
        return keras.models.load_model(path)
    except Exception as error:  # a truncated zip, a foreign file, ...
        raise ValueError(f"Could not load {path!r} as a kerasgan model: {error}") from error


def _source():
    from kerasgan import training

    if bool(FLAGS.workdir) == bool(FLAGS.model_path):
        raise ValueError("Pass exactly one of --workdir or --model_path.")
    if FLAGS.model_path:
        name = os.path.splitext(os.path.basename(FLAGS.model_path.rstrip(os.sep)))[0]
        return FLAGS.model_path, None, name
    if not os.path.isdir(FLAGS.workdir):
        raise FileNotFoundError(f"Workdir not found: --workdir={FLAGS.workdir!r}")
    path = training.workdir_paths(FLAGS.workdir)["checkpoint"]
    summary = training.load_training_summary(FLAGS.workdir)
    name = (summary or {}).get("config", {}).get("name") or os.path.basename(
        os.path.abspath(FLAGS.workdir))
    return path, summary, name


def main(argv):
    _cli.start(argv)
    from kerasgan import export

    try:
        if FLAGS.verify_only:
            if not FLAGS.export_dir:
                raise ValueError("--verify_only needs --export_dir.")
            report = export.verify(FLAGS.export_dir, latency_runs=FLAGS.latency_runs)
            print(export.format_report(report))
            if not report["ok"]:
                sys.exit(1)
            return
        path, summary, name = _source()
        model = _load(path)
        export_dir = FLAGS.export_dir or os.path.join("exported", name)
        export.export_generator(
            model, export_dir, name=FLAGS.name, version=FLAGS.version,
            overwrite=FLAGS.overwrite, formats=FLAGS.formats,
            extra_card={"training": summary} if summary else None,
            latency_runs=FLAGS.latency_runs,
        )
    except (ValueError, FileNotFoundError, FileExistsError, export.ExportError) as error:
        sys.exit(f"export.py: error: {error}")


if __name__ == "__main__":
    app.run(main)
