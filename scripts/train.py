r"""Trains a GAN from the zoo and exports its generator.

The default GAN (DCGAN on the embedded digits, about 5 minutes on an idle 2-core CPU):

    python scripts/train.py --recipe=zoo/dcgan_digits.py

On all local devices (GPUs, or the CPU), in mixed precision:

    python scripts/train.py --recipe=zoo/dcgan_digits.py --distribute=mirrored \
        --mixed_precision=mixed_float16 --workdir=runs/dcgan_digits_mirrored

Any registered model on any dataset, with flags overriding the recipe or defaults:

    python scripts/train.py --model=cgan --dataset=digits --epochs=5 --batch_size=32 \
        --workdir=runs/cgan

An image-to-image model (pix2pix) trains on its pairs, `digits_edges`, by default:

    python scripts/train.py --model=pix2pix --epochs=1 --steps_per_epoch=2 --batch_size=8 \
        --workdir=runs/pix2pix

A text-to-image model (text2image) trains on captioned digits, `digits_captions`, by
default, and also exports `vocab.txt` for its token-id `.tflite` files:

    python scripts/train.py --model=text2image --epochs=1 --steps_per_epoch=2 --batch_size=8 \
        --workdir=runs/text2image

With training tricks (docs/training.md, Training tricks), as model options:

    python scripts/train.py --recipe=zoo/dcgan_digits.py --model_option=ema_decay=0.999 \
        --model_option=diffaugment=translation,cutout --workdir=runs/dcgan_digits_tricks

Writes everything under --workdir (default runs/<run name>, which git ignores):
TensorBoard logs with image grids (`tensorboard --logdir runs`), a sample PNG per
epoch, `checkpoints/last.keras`, a backup (`backup/`), `run.json` (what the run
trains) and, once finished, `training.json`. Then exports the generator to
--export_dir (default <workdir>/export, e.g. runs/dcgan_digits/export): a SavedModel
version directory, float32, float16 and int8 `.tflite` files and `model_card.json`,
after checking that LiteRT reproduces the SavedModel (the table it prints;
`kerasgan.export.verify`). The pretrained exports in exported/ are never written.

Running the same command again:

- after an interruption (Ctrl-C, a crash, even `kill -9`) resumes from the backup
  of the last finished epoch, and says so: "Resuming runs/dcgan_digits at epoch 6 of 60";
- after the run finished says so and exits, training nothing; with a larger
  --epochs it continues the finished run to that many epochs;
- with --fresh deletes the previous run's outputs in the workdir and starts over.

A workdir is used by one process at a time (a lock on <workdir>/.lock); a second one
stops at once. Ctrl-C stops a run with one line naming what was saved and the
command that resumes it (exit code 130). Bad flags and paths stop the run before it
starts with one line, `train.py: error: ...` (exit code 2 for malformed flags, 1 for
bad values).

TensorFlow's start-up logs are hidden; `--verbosity=0` (or `TF_CPP_MIN_LOG_LEVEL=0`
in the environment) shows them.
"""

import ast
import contextlib
import os
import shlex
import sys
import tempfile

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("recipe", None, "Recipe file, e.g. zoo/dcgan_digits.py.")
flags.DEFINE_string("model", None, "Registered model name, e.g. dcgan (see --list_models).")
flags.DEFINE_string("dataset", None, "'digits' (embedded), a tfds name, e.g. mnist, a "
                    "folder of your own images (class sub-folders become labels; A/ and B/ "
                    "for image-to-image models), or image pairs for image-to-image models, "
                    "e.g. digits_edges; default: "
                    "the model's (digits; digits_edges for pix2pix; digits_captions for "
                    "text2image).")
flags.DEFINE_string("data_dir", None, "tfds data directory.")
flags.DEFINE_integer("image_size", None, "Image side; default: the model's (32).")
flags.DEFINE_integer("epochs", None, "Epochs to train.")
flags.DEFINE_integer("steps_per_epoch", None, "Steps per epoch; default: one pass over the data.")
flags.DEFINE_integer("batch_size", None, "Images per step.")
flags.DEFINE_float("label_smoothing", None, "One-sided label smoothing in [0, 1).")
flags.DEFINE_float("d_learning_rate", None, "Discriminator learning rate.")
flags.DEFINE_float("g_learning_rate", None, "Generator learning rate.")
flags.DEFINE_integer("seed", None, "Random seed.")
flags.DEFINE_bool("deterministic", None, "Turn on TF op determinism: with --seed, two runs "
                  "on one machine give bit-identical weights (slower).")
flags.DEFINE_enum("distribute", None, ["none", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy: one device, all local devices, the workers of "
                  "TF_CONFIG, or a TPU. Only the chief writes logs, checkpoints and exports.")
flags.DEFINE_enum("mixed_precision", None, ["float32", "mixed_float16", "mixed_bfloat16"],
                  "Keras dtype policy; float16 loss-scales both optimizers. The exported "
                  "generator stays float32 at its inputs and outputs.")
flags.DEFINE_string("steps_per_execution", None, "Train steps per tf.function call: a "
                    "positive integer, or auto (the default): the largest divisor of the "
                    "epoch's steps up to 8 on one device, 1 under multi-replica strategies.")
flags.DEFINE_enum("jit_compile", None, ["auto", "true", "false"],
                  "XLA-compile the train step; auto (the default): on, on every device, "
                  "CPU included; KERASGAN_AUTO_JIT=0 in the environment makes auto "
                  "mean off.")
flags.DEFINE_string("workdir", None, "Logs, samples, checkpoints and backup; default "
                    "runs/<run name>.")
flags.DEFINE_string("export_dir", None, "Export directory; default <workdir>/export.")
flags.DEFINE_bool("export", True, "Export the generator after training.")
flags.DEFINE_bool("fresh", False, "Start over: delete the previous run's logs, samples, "
                  "checkpoints, backup, run files and <workdir>/export, then train from "
                  "scratch. Without it the same command resumes an interrupted run.")
flags.DEFINE_multi_string(
    "model_option", None, "A model argument NAME=VALUE (a Python literal; repeatable), "
    "e.g. --model_option=ema_decay=0.999 --model_option=diffaugment='translation'. "
    "Overrides the recipe's model_kwargs; see docs/training.md, Training tricks.")
flags.DEFINE_bool("smoke", False, "Shrink the recipe to a seconds-long run (for tests).")
flags.DEFINE_bool("list_models", False, "Print the registered models and exit.")

_CONFIG_FLAGS = ("model", "dataset", "data_dir", "image_size", "epochs", "steps_per_epoch",
                 "batch_size", "label_smoothing", "d_learning_rate", "g_learning_rate", "seed",
                 "deterministic", "distribute", "mixed_precision", "steps_per_execution",
                 "jit_compile")


def _config_from_flags():
    from kerasgan import training

    config = training.load_recipe(FLAGS.recipe, smoke=FLAGS.smoke) if FLAGS.recipe else {}
    for key in _CONFIG_FLAGS:
        value = getattr(FLAGS, key)
        if value is not None:
            config[key] = value
    if "steps_per_execution" in config:
        config["steps_per_execution"] = _steps_per_execution(config["steps_per_execution"])
    if FLAGS.model_option:
        config["model_kwargs"] = {**config.get("model_kwargs", {}),
                                  **_model_options(FLAGS.model_option)}
    return training.resolve_config(config)


def _steps_per_execution(value):
    """`--steps_per_execution`: "auto" or a positive integer."""
    if not isinstance(value, str) or value.strip().lower() == "auto":
        return value if not isinstance(value, str) else "auto"
    try:
        return int(value)
    except ValueError:
        raise ValueError("--steps_per_execution must be auto or a positive integer. "
                         f"Received: {value!r}") from None


def _model_options(options):
    """`["ema_decay=0.999", "diffaugment=cutout"]` -> `{"ema_decay": 0.999, ...}`.

    Values are Python literals; anything else is taken as a string.
    """
    parsed = {}
    for option in options:
        name, sep, text = option.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--model_option must be NAME=VALUE. Received: {option!r}")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        parsed[name.strip()] = value
    return parsed


def _check_output_dir(flag, path):
    """Raises ValueError unless `path` is, or can be created as, a directory we can
    write in (tried with a temporary file: permission bits say little to root)."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"--{flag}={path} is a file, not a directory: pass a directory.")
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing) or "."
    if not os.path.isdir(existing):
        raise ValueError(f"--{flag}={path} cannot be created: {existing} is a file. "
                         "Pass a directory.")
    try:
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".kerasgan-write-test-")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise ValueError(f"--{flag}={path} is not writable ({error.strerror} in "
                         f"{existing}): pass a directory you can write to.") from None


def _command(drop=("fresh", "nofresh")):
    """The command line that ran this process, without the flags in `drop`."""
    args = [arg for arg in sys.argv[1:]
            if arg.lstrip("-").split("=", 1)[0] not in drop]
    return "python " + shlex.join([sys.argv[0], *args])


def _exported(export_dir):
    return os.path.isfile(os.path.join(export_dir, "model_card.json"))


def _prepare_run(config, workdir):
    """Clears the workdir (--fresh) or reads what is there, and says what it resumes.

    Returns:
        The `training.RunStatus`.

    Exits with one line if the workdir holds a run this command cannot continue.
    """
    from kerasgan import training

    if FLAGS.fresh:
        removed = training.clear_run(workdir)
        if removed:
            print(f"Starting {workdir} afresh: removed {', '.join(removed)}")
    status = training.run_status(config, workdir)
    fresh_hint = (f"pass --fresh to delete it and train from scratch, or --workdir=DIR "
                  "for a separate run")
    if status.state == "other":
        changed = "; ".join(f"{key}={there!r} there, {key}={now!r} now"
                            for key, there, now in status.differences[:3])
        _cli.fail(f"{workdir} holds a run with other settings ({changed}): {fresh_hint}.")
    if status.state == "ahead":
        _cli.fail(f"{workdir} holds a run interrupted after epoch {status.backup_epoch} of "
                  f"{status.planned_epochs}, past --epochs={status.epochs}: pass "
                  f"--epochs={status.planned_epochs} to finish it, or {fresh_hint}.")
    if status.state == "extend" and status.backup_epoch is None:
        _cli.fail(f"{workdir} finished {status.done_epochs} epochs but has no backup to "
                  f"continue from (runs of older versions delete it): {fresh_hint}.")
    if status.state in ("resume", "extend"):
        print(f"Resuming {workdir} at epoch {status.backup_epoch + 1} of {status.epochs}")
    return status


def _export(model, config, export_dir, summary, default_export):
    from kerasgan import distribute, export, training

    if not distribute.is_chief():
        return  # one export per cluster: the chief's
    try:
        export.export_generator(
            training.float32_twin(model, config), export_dir,
            # The default directory is called "export": name the files after the run.
            name=config["name"] if default_export else None,
            extra_card={"training": summary},
        )
    except (FileExistsError, export.ExportError) as error:
        _cli.fail(str(error))


def _finished(status, config, workdir, export_dir):
    """Says the run already finished; exports it first if it was never exported
    (trained with --export=false, or interrupted while exporting)."""
    import keras

    from kerasgan import training

    if FLAGS.export and not _exported(export_dir):
        print(f"{workdir} finished, but {export_dir} holds no export yet: exporting its "
              "checkpoint", flush=True)
        model = keras.models.load_model(training.workdir_paths(workdir)["checkpoint"])
        _export(model, config, export_dir, training.load_training_summary(workdir),
                default_export=not FLAGS.export_dir)
    where = (f"export: {export_dir}" if _exported(export_dir) else
             f"checkpoint: {training.workdir_paths(workdir)['checkpoint']}")
    epochs = f"{status.done_epochs} epoch{'' if status.done_epochs == 1 else 's'}"
    print(f"{workdir} already finished {epochs} ({where}); pass "
          f"--fresh to train again from scratch, or --epochs=N with N > "
          f"{status.done_epochs} to continue it.")


def _interrupted(workdir, config, phase):
    """The line for a Ctrl-C: what was saved and the command that resumes."""
    if workdir is None:  # still starting (maybe importing TensorFlow): import nothing
        return f"before training started; nothing was saved. Run `{_command()}` to start."
    from kerasgan import callbacks, training

    if phase == "export":
        return (f"while exporting; training finished and was saved in {workdir}: run "
                f"`{_command()}` to export it.")
    epoch = callbacks.BackupAndRestore.saved_epoch(training.workdir_paths(workdir)["backup"])
    if not epoch:
        return (f"before the first epoch finished; nothing was saved. Run `{_command()}` "
                "to start again.")
    return (f"{workdir}/backup holds epoch {epoch} of {config['epochs']} (and "
            f"checkpoints/last.keras). Resume with: {_command()}")


def main(argv):
    run = {"workdir": None, "config": None, "phase": "train"}  # for a Ctrl-C's message
    try:
        _main(argv, run)
    except KeyboardInterrupt:
        sys.stdout.write("\n")  # end the progress bar's line
        sys.stdout.flush()
        _cli.fail(_interrupted(run["workdir"], run["config"], run["phase"]), exit_code=130,
                  kind="interrupted")


def _main(argv, run):
    _cli.start(argv)
    import kerasgan
    from kerasgan import data, distribute, training

    if FLAGS.list_models:
        print("\n".join(kerasgan.list_models()))
        return
    try:
        config = run["config"] = _config_from_flags()
        data.info(config["dataset"], config["data_dir"])  # an unknown dataset stops here
        workdir = run["workdir"] = FLAGS.workdir or os.path.join("runs", config["name"])
        export_dir = FLAGS.export_dir or os.path.join(workdir, "export")
        _check_output_dir("workdir", workdir)
        if FLAGS.export:
            _check_output_dir("export_dir", export_dir)
        chief = distribute.is_chief()
        with (training.workdir_lock(workdir) if chief else contextlib.nullcontext()):
            status = _prepare_run(config, workdir) if chief else None
            if status is not None and status.state == "finished":
                run["phase"] = "export"
                _finished(status, config, workdir, export_dir)
                return

            def banner(resolved):
                print(f"Training {resolved['model']} on {resolved['dataset']} for "
                      f"{resolved['epochs']} epoch(s); logs in {workdir} "
                      f"(tensorboard --logdir {workdir}/logs)", flush=True)

            result = training.train(config, workdir, on_fit_start=banner,
                                    extend=getattr(status, "state", None) == "extend")
            run["phase"] = "export"
            details = result.model.serving_spec().details
            if details:  # the variant's own choices (SRGAN's content loss), as in the card
                print("Model details: " + ", ".join(f"{k}={v}" for k, v in sorted(details.items())))
            losses = ", ".join(f"{k}={v:.4f}" for k, v in sorted(result.final_logs.items()))
            print(f"Trained {result.steps} steps in {result.train_seconds:.1f} s. Final: {losses}")
            if FLAGS.export:
                _export(result.model, config, export_dir,
                        training.training_summary(config, result),
                        default_export=not FLAGS.export_dir)
    except training.WorkdirBusyError as error:
        _cli.fail(f"{error}: wait for it to finish, or pass another --workdir.")
    except (ValueError, FileNotFoundError) as error:
        _cli.fail(str(error))
    except training.NonFiniteLossError as error:
        _cli.fail(f"{error} Nothing was exported.")


if __name__ == "__main__":
    app.run(main, flags_parser=_cli.parse_flags)
