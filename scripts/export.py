r"""Exports a trained generator, or verifies an existing export.

From a training workdir (uses its `checkpoints/last.keras` and `training.json`; writes
to `runs/dcgan_digits/export`):

    python scripts/export.py --workdir=runs/dcgan_digits

From a `.keras` file, replacing version 1 of an export directory of your choice
(`exported/` holds your own exports, git-ignored, beside the shipped pretrained ones):

    python scripts/export.py --model_path=runs/mine.keras --export_dir=exported/mine \
        --version=1 --overwrite

Check an export without writing anything (prints the table of sizes, differences from
the SavedModel in uint8 levels, batch-1 latency and Flex ops; exits non-zero with one
`export.py: error:` line naming the problem when a file is missing, damaged or off):

    python scripts/export.py --verify_only --export_dir=exported/dcgan_digits

Writes `<export_dir>/<version>/` (SavedModel with `serving_default` and `sample`
signatures), `<name>.tflite`, `<name>.fp16.tflite`, `<name>.int8.tflite` and
`model_card.json`. --export_dir defaults to `<workdir>/export` (with --workdir) or
`runs/<model file name>/export` (with --model_path), never to the shipped
`exported/<name>` directories; `<name>` is the run's name. The export is verified
before it is moved into place; without --version it becomes the next version, which
TF Serving picks up.
"""

import os
import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Training workdir holding checkpoints/last.keras.")
flags.DEFINE_string("model_path", None, "A saved `.keras` model.")
flags.DEFINE_string("export_dir", None,
                    "Export directory; default <workdir>/export with --workdir, "
                    "runs/<model file name>/export with --model_path.")
flags.DEFINE_string("name", None, "Base name of the .tflite files; default: the run's name "
                    "(with a default --export_dir), else export_dir's name.")
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


def _default_export_dir(name):
    """`<workdir>/export`, or `runs/<model file name>/export` for --model_path: a
    git-ignored place that is never a shipped export under exported/."""
    if FLAGS.workdir:
        return os.path.join(FLAGS.workdir, "export")
    return os.path.join("runs", name, "export")


def _verify_only():
    from kerasgan import export

    if not FLAGS.export_dir:
        raise ValueError("--verify_only needs --export_dir.")
    export_dir, fmt = export.locate_export(FLAGS.export_dir)
    if fmt:
        raise ValueError(f"--export_dir={FLAGS.export_dir} is a .tflite file: pass its export "
                         f"directory, --export_dir={export_dir} (--verify_only checks every "
                         "file in it).")
    report = export.verify(export_dir, latency_runs=FLAGS.latency_runs)
    print(export.format_report(report))
    if not report["ok"]:
        raise ValueError(f"The export in {export_dir} failed verification: "
                         + "; ".join(report["problems"]))


def _export():
    from kerasgan import export

    path, summary, name = _source()
    export_dir = FLAGS.export_dir or _default_export_dir(name)
    if os.path.exists(export_dir):
        export.check_export_dir(export_dir)  # a file (a .tflite, ...) is not a directory
    model = _load(path)
    export.export_generator(
        model, export_dir, name=FLAGS.name or (None if FLAGS.export_dir else name),
        version=FLAGS.version, overwrite=FLAGS.overwrite, formats=FLAGS.formats,
        extra_card={"training": summary} if summary else None,
        latency_runs=FLAGS.latency_runs,
    )


def main(argv):
    _cli.start(argv)
    from kerasgan import export

    try:
        if FLAGS.verify_only:
            _verify_only()
        else:
            _export()
    except (ValueError, OSError, export.ExportError) as error:
        sys.exit(f"export.py: error: {' '.join(str(error).split())}")


if __name__ == "__main__":
    app.run(main)
