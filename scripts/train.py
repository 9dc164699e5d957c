r"""Trains a GAN from the zoo and exports its generator.

The default GAN (DCGAN on the embedded digits, about 4 minutes on a 2-core CPU):

    python scripts/train.py --recipe=zoo/dcgan_digits.py

On all local devices (GPUs, or the CPU), in mixed precision:

    python scripts/train.py --recipe=zoo/dcgan_digits.py --distribute=mirrored \
        --mixed_precision=mixed_float16

Any registered model on any dataset, with flags overriding the recipe or defaults:

    python scripts/train.py --model=cgan --dataset=digits --epochs=5 --batch_size=32 \
        --workdir=runs/cgan --export_dir=exported/cgan_digits

An image-to-image model (pix2pix) trains on its pairs, `digits_edges`, by default:

    python scripts/train.py --model=pix2pix --epochs=1 --steps_per_epoch=2 --batch_size=8 \
        --workdir=runs/pix2pix --export_dir=exported/pix2pix_digits_edges

A text-to-image model (text2image) trains on captioned digits, `digits_captions`, by
default, and also exports `vocab.txt` for its token-id `.tflite` files:

    python scripts/train.py --model=text2image --epochs=1 --steps_per_epoch=2 --batch_size=8 \
        --workdir=runs/text2image --export_dir=exported/text2image_digits_captions

With training tricks (README, Training tricks), as model options:

    python scripts/train.py --recipe=zoo/dcgan_digits.py --model_option=ema_decay=0.999 \
        --model_option=diffaugment=translation,cutout

Writes to --workdir (default runs/<run name>): TensorBoard logs with image grids
(`tensorboard --logdir runs`), a sample PNG per epoch, `checkpoints/last.keras`, and a
backup that lets the same command resume after an interruption. Then exports the
generator to --export_dir (default exported/<run name>): a SavedModel version directory,
float32, float16 and int8 `.tflite` files and `model_card.json`, after checking that
LiteRT reproduces the SavedModel (the table it prints; `kerasgan.export.verify`).
"""

import ast
import os
import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("recipe", None, "Recipe file, e.g. zoo/dcgan_digits.py.")
flags.DEFINE_string("model", None, "Registered model name, e.g. dcgan (see --list_models).")
flags.DEFINE_string("dataset", None, "'digits' (embedded), a tfds name, e.g. mnist, or "
                    "image pairs for image-to-image models, e.g. digits_edges; default: "
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
flags.DEFINE_integer("steps_per_execution", None, "Train steps per tf.function call; "
                     "default: 8 on one device, 1 under multi-replica strategies.")
flags.DEFINE_enum("jit_compile", None, ["auto", "true", "false"],
                  "XLA-compile the train step; auto: on for GPU/TPU, off on CPU (measured).")
flags.DEFINE_string("workdir", None, "Logs, samples and checkpoints; default runs/<run name>.")
flags.DEFINE_string("export_dir", None, "Export directory; default exported/<run name>.")
flags.DEFINE_bool("export", True, "Export the generator after training.")
flags.DEFINE_multi_string(
    "model_option", None, "A model argument NAME=VALUE (a Python literal; repeatable), "
    "e.g. --model_option=ema_decay=0.999 --model_option=diffaugment='translation'. "
    "Overrides the recipe's model_kwargs; see README, Training tricks.")
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
    if FLAGS.model_option:
        config["model_kwargs"] = {**config.get("model_kwargs", {}),
                                  **_model_options(FLAGS.model_option)}
    return training.resolve_config(config)


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


def main(argv):
    _cli.start(argv)
    import kerasgan
    from kerasgan import distribute, export, training

    if FLAGS.list_models:
        print("\n".join(kerasgan.list_models()))
        return
    try:
        config = _config_from_flags()
        workdir = FLAGS.workdir or os.path.join("runs", config["name"])
        export_dir = FLAGS.export_dir or os.path.join("exported", config["name"])
        print(f"Training {config['model']} on {config['dataset']} for {config['epochs']} "
              f"epoch(s); logs in {workdir} (tensorboard --logdir {workdir}/logs)")
        result = training.train(config, workdir)
    except (ValueError, FileNotFoundError) as error:
        sys.exit(f"train.py: error: {error}")
    except training.NonFiniteLossError as error:
        sys.exit(f"train.py: error: {error} Nothing was exported.")

    details = result.model.card_details()
    if details:  # choices the variant made itself (SRGAN's content loss), as in the card
        print("Model details: " + ", ".join(f"{k}={v}" for k, v in sorted(details.items())))
    losses = ", ".join(f"{k}={v:.4f}" for k, v in sorted(result.final_logs.items()))
    print(f"Trained {result.steps} steps in {result.train_seconds:.1f} s. Final: {losses}")
    if not FLAGS.export:
        return
    if not distribute.is_chief():
        return  # one export per cluster: the chief's
    try:
        export.export_generator(
            training.float32_twin(result.model, config), export_dir,
            extra_card={"training": training.training_summary(config, result)},
        )
    except (FileExistsError, export.ExportError) as error:
        sys.exit(f"train.py: error: {error}")


if __name__ == "__main__":
    app.run(main)
