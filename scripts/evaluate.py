r"""Measures a trained generator: Frechet and kernel distances, precision/recall, modes.

An exported generator (the SavedModel that scripts/train.py writes):

    python scripts/evaluate.py --export_dir=exported/dcgan_digits

One of its `.tflite` files, run in LiteRT as a phone would (naming the file picks its
--format; `--export_dir=exported/dcgan_digits --format=int8` is the same):

    python scripts/evaluate.py --export_dir=exported/dcgan_digits/dcgan_digits.int8.tflite

A `.keras` model, or the last checkpoint of a training workdir (--out also writes the
metrics as JSON; keep it under the git-ignored runs/):

    python scripts/evaluate.py --model_path=runs/dcgan_digits/checkpoints/last.keras
    python scripts/evaluate.py --workdir=runs/dcgan_digits --num_samples=5000 \
        --out=runs/dcgan_digits/eval.json

The floor a perfect generator would reach: the train split in the generator's place
(`--num_samples` images of it), against the same real test split:

    python scripts/evaluate.py --baseline_split=train

Generates --num_samples images (classes in turn for conditional generators; for
text-to-image exports, the model card's caption of each class in turn), compares
them with the --split of --dataset through kerasgan.evaluation (feature network
--features: the shipped digits classifier by default) and prints a table of the
metrics; --out also writes them as JSON (nothing is written without it). An export's
`.tflite` files (--format) get latents drawn as its model card says, classes (or
captions) in turn, one example per call as in LiteRT on a phone.

Image-to-image generators (pix2pix, SRGAN, ...) translate the held-out sources of their
pair dataset instead (the one they were trained on, from the model card, unless
--dataset names another), and the translations are measured against the targets:
translation L1, Frechet distance and the rest of the distribution metrics, class
agreement, for upsampling models PSNR / SSIM next to bicubic upsampling, and for
unpaired translators (CycleGAN) the cycle-reconstruction L1 both ways in place of the
per-pair numbers (`kerasgan.evaluation.image_to_image_metrics`). An export
is measured through its own files (`kerasgan.export.ExportedTranslator`); --format
picks the SavedModel or one of its `.tflite` files:

    python scripts/evaluate.py --export_dir=runs/pix2pix/export --format=float16
"""

import functools
import json
import os
import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("export_dir", None, "Export directory, e.g. exported/dcgan_digits: its "
                    "highest SavedModel version, or the --format .tflite file, is evaluated. "
                    "Or one of its .tflite files (which sets --format).")
flags.DEFINE_string("model_path", None, "A .keras file of a kerasgan model.")
flags.DEFINE_string("workdir", None, "A training workdir; evaluates checkpoints/last.keras.")
flags.DEFINE_string("baseline_split", None, "Evaluate this split of --dataset in place of a "
                    "generator (the real-data floor), e.g. train.")
flags.DEFINE_string("dataset", None, "Real data: 'digits' (embedded) or a tfds name; for "
                    "image-to-image models a pair dataset (default: the one they trained "
                    "on). Default: digits.")
flags.DEFINE_enum("format", "saved_model", ["saved_model", "float32", "float16", "int8"],
                  "Which file of an export generates or translates (its .tflite files "
                  "run in LiteRT; image-to-image exports have no int8 file).")
flags.DEFINE_string("data_dir", None, "tfds data directory.")
flags.DEFINE_string("split", "test", "Split of --dataset the samples are compared with.")
flags.DEFINE_integer("num_samples", 1000, "Images to generate.")
flags.DEFINE_integer("batch_size", 128, "Images per generator and feature-network call.")
flags.DEFINE_string("features", "digits", "Feature network: digits, inception, or a "
                    "classifier .keras file from scripts/train_classifier.py.")
flags.DEFINE_string("weights_path", None, "InceptionV3 weights file for --features=inception.")
flags.DEFINE_integer("seed", 0, "Seed of the latents and of the metrics' subsets.")
flags.DEFINE_string("out", None, "Write the metrics to this JSON file, e.g. "
                    "runs/<name>/eval.json; default: print only.")

_SOURCE_FLAGS = ("export_dir", "model_path", "workdir", "baseline_split")


def _one_line(error):
    return " ".join(str(error).split())


def _saved_model_generator(export_dir, dataset_classes):
    """`(generate_fn, image_shape, description)` of the latest SavedModel in `export_dir`."""
    import numpy as np
    import tensorflow as tf

    from kerasgan import export

    path = export.latest_saved_model(export_dir)
    signatures = export.load_saved_model(path).signatures
    if "serving_default" not in signatures:
        raise ValueError(f"The SavedModel in {path} has no serving_default signature; it "
                         f"has {', '.join(signatures) or 'none'}.")
    function = signatures["serving_default"]
    card = export.load_model_card(export_dir, missing_ok=True) or {}
    inputs = function.structured_input_signature[1]
    if "sample" in signatures:
        # The export draws its own latents (z and any codes) in the graph.
        return _sample_signature_generator(signatures["sample"], card, dataset_classes, path)
    if "z" not in inputs:
        raise ValueError(f"The serving_default signature in {path} has no input `z`. "
                         f"Its inputs: {', '.join(inputs)}")
    latent_dim = card.get("latent_dim") or inputs["z"].shape[1]
    num_classes = card.get("num_classes") or dataset_classes
    if "label" in inputs and not num_classes:
        raise ValueError(f"The generator in {path} is class-conditional, and neither its "
                         "model_card.json nor the dataset gives the number of classes.")
    image_shape = card.get("image_shape") or function.structured_outputs["images"].shape[1:]
    rng = np.random.default_rng(FLAGS.seed)
    made = 0

    def generate(count):
        nonlocal made
        feed = {"z": tf.constant(rng.standard_normal((count, latent_dim)), tf.float32)}
        if "label" in inputs:
            feed["label"] = tf.constant(np.arange(made, made + count) % num_classes, tf.int32)
        made += count
        return function(**feed)["images"].numpy()

    return generate, tuple(image_shape), f"SavedModel {path}"


def _tflite_generator(export_dir, fmt, dataset_classes):
    """`(generate_fn, image_shape, description)` of an export's `fmt` `.tflite` file, run
    in LiteRT one example at a time: latents drawn as the model card says (seeds
    advancing per call), classes or the card's captions in turn."""
    import numpy as np

    from kerasgan import export

    card = export.load_model_card(export_dir)
    distributions = export.card_input_distributions(card)
    num_classes = card.get("num_classes") or dataset_classes
    text_key = next((key for key, entry in card["inputs"].items()
                     if entry["distribution"] == "text"), None)
    signature = (card["inputs"][text_key]["tokenizer"]["signature"] if text_key
                 else export.TFLITE_SIGNATURE)
    paths = export.tflite_paths(export_dir, signature)
    if fmt not in paths:
        raise FileNotFoundError(f"No {fmt} .tflite file in {export_dir}; found "
                                f"{sorted(paths) or 'none'}. Received: --format={fmt}")
    interpreter = export.load_tflite(paths[fmt])
    made = 0

    def generate(count):
        nonlocal made
        inputs = export.draw_inputs(distributions, count, seed=FLAGS.seed + made)
        turns = np.arange(made, made + count)
        if "label" in inputs:
            inputs["label"] = (turns % num_classes).astype(np.int32)
        if text_key:
            captions = card["inputs"][text_key]["examples"][:num_classes or None]
            inputs[text_key] = np.array([captions[i % len(captions)] for i in turns], object)
        made += count
        signature_used, inputs = export.litert_inputs(card, export_dir, inputs)
        return export.run_tflite(interpreter, inputs, signature_used)["images"]

    return generate, tuple(card["image_shape"]), f"{fmt} LiteRT file {paths[fmt]}"


def _sample_signature_generator(function, card, dataset_classes, path):
    """Generates through the export's `sample` signature, seeds advancing per call."""
    import numpy as np
    import tensorflow as tf

    conditional = "label" in function.structured_input_signature[1]
    num_classes = card.get("num_classes") or dataset_classes
    if conditional and not num_classes:
        raise ValueError(f"The generator in {path} is class-conditional, and neither its "
                         "model_card.json nor the dataset gives the number of classes.")
    # Text-to-image exports (text2image) draw from captions: the card's example captions,
    # one per class, in turn (so the samples cover the classes like labels in turn).
    text_key = next((key for key, entry in card.get("inputs", {}).items()
                     if entry.get("distribution") == "text"
                     and key in function.structured_input_signature[1]), None)
    if text_key:
        captions = card["inputs"][text_key]["examples"][:num_classes or None]
    made = 0

    def generate(count):
        nonlocal made
        feed = {"num_images": tf.constant(count, tf.int32),
                "seed": tf.constant(FLAGS.seed + made, tf.int32)}
        if conditional:
            feed["label"] = tf.constant(np.arange(made, made + count) % num_classes, tf.int32)
        if text_key:
            feed[text_key] = tf.constant(np.roll(captions, -(made % len(captions))))
        made += count
        return function(**feed)["images"].numpy()

    image_shape = card.get("image_shape") or function.structured_outputs["images"].shape[1:]
    return generate, tuple(image_shape), f"SavedModel {path}"


@functools.lru_cache(maxsize=1)
def _load_model(model_path):
    """The `.keras` model at `model_path` (loaded once per run)."""
    import keras

    import kerasgan  # noqa: F401  (registers the model classes that load_model needs)

    if not os.path.isfile(model_path):
        raise ValueError(f"Model file not found. Received: model_path={model_path!r}")
    try:
        return keras.models.load_model(model_path, compile=False)
    except Exception as error:  # keras raises many types for a file that is not a model
        raise ValueError(f"Cannot load model_path={model_path!r}: {_one_line(error)}") from error


def _keras_generator(model_path):
    """`(generate_fn, image_shape, description)` of a `.keras` kerasgan model."""
    import kerasgan
    from kerasgan import evaluation

    model = _load_model(model_path)
    if not isinstance(model, kerasgan.models.AdversarialModel):
        raise ValueError(f"model_path={model_path!r} holds a {type(model).__name__}, not a "
                         "kerasgan model with generate().")
    return (evaluation.model_generate_fn(model, FLAGS.seed), tuple(model.image_shape),
            f"model {model_path}")


def _image_to_image_source():
    """`(model, dataset, description)` when the source is an image-to-image generator
    (an export whose `serving_default` takes uint8 images, or a model with
    `image_input`), else None."""
    from kerasgan import export, registry, training

    if FLAGS.export_dir:
        card = export.load_model_card(FLAGS.export_dir, missing_ok=True) or {}
        inputs = card.get("saved_model", {}).get("signatures", {}).get(
            "serving_default", {}).get("inputs", {})
        if "images" not in inputs:
            return None  # generates from latents: _source
        model = export.ExportedTranslator(FLAGS.export_dir, format=FLAGS.format)
        trained_on = card.get("training", {}).get("config", {}).get("dataset")
        dataset = trained_on or registry.default_dataset(card["registry_name"])
        description = f"{FLAGS.format} export {FLAGS.export_dir}"
    else:
        path = FLAGS.model_path
        if FLAGS.workdir:
            path = training.workdir_paths(FLAGS.workdir)["checkpoint"]
        if not path or not os.path.isfile(path):
            return None  # _source says what is missing
        model = _load_model(path)
        if not getattr(model, "image_input", False):
            return None
        dataset = model.default_dataset
        summary = training.load_training_summary(FLAGS.workdir) if FLAGS.workdir else None
        if summary:
            dataset = summary["config"].get("dataset", dataset)
        description = f"model {path}"
    return model, FLAGS.dataset or dataset, description


def _evaluate_translations(model, dataset, description, extractor):
    """Translation metrics of an image-to-image `model` on the --split pairs of `dataset`."""
    from kerasgan import data, evaluation

    if not data.is_pair_dataset(dataset):
        raise ValueError(f"{description} translates images and is measured on a pair dataset "
                         f"({', '.join(data.PAIR_DATASETS)}, <tfds name>_edges, <tfds name>_x4). "
                         f"Received: --dataset={dataset}")
    sources, targets = data.load_pair_arrays(dataset, FLAGS.split, image_size=model.image_shape[0],
                                             data_dir=FLAGS.data_dir)
    if tuple(sources.shape[1:]) != tuple(model.source_shape):
        raise ValueError(f"{description} takes sources of shape {tuple(model.source_shape)}, but "
                         f"{dataset}/{FLAGS.split} has {tuple(sources.shape[1:])}. Received: "
                         f"--dataset={dataset}")
    print(f"Translating {len(sources)} {dataset}/{FLAGS.split} sources with {description}, "
          f"features={extractor.name}")
    metrics = evaluation.image_to_image_metrics(model, sources, targets, features=extractor,
                                                batch_size=FLAGS.batch_size, seed=FLAGS.seed)
    return metrics, len(targets)


def _source(dataset_classes):
    if FLAGS.export_dir and FLAGS.format != "saved_model":
        return _tflite_generator(FLAGS.export_dir, FLAGS.format, dataset_classes)
    if FLAGS.export_dir:
        return _saved_model_generator(FLAGS.export_dir, dataset_classes)
    if FLAGS.model_path:
        return _keras_generator(FLAGS.model_path)
    from kerasgan import training

    checkpoint = training.workdir_paths(FLAGS.workdir)["checkpoint"]
    if not os.path.isfile(checkpoint):
        raise ValueError(f"No checkpoint in workdir={FLAGS.workdir!r} (looked for {checkpoint}).")
    return _keras_generator(checkpoint)


def _table(metrics):
    width = max(len(name) for name in metrics)
    lines = [f"{'metric':<{width}}  value"]
    for name, value in metrics.items():
        text = str(value) if isinstance(value, int) else f"{value:.4f}"
        lines.append(f"{name:<{width}}  {text}")
    return "\n".join(lines)


def _check_source_flags():
    """The checks that need no TensorFlow, made before importing it (seconds)."""
    given = [name for name in _SOURCE_FLAGS if getattr(FLAGS, name)]
    if len(given) != 1:
        raise ValueError("Pass exactly one of --export_dir, --model_path, --workdir or "
                         f"--baseline_split. Received: {', '.join(given) or 'none'}")
    for name, exists in (("model_path", os.path.isfile), ("export_dir", os.path.exists),
                         ("workdir", os.path.isdir)):
        value = getattr(FLAGS, name)
        if value and not exists(value):
            raise ValueError(f"`{name}` not found. Received: {name}={value!r}")


def _locate_export():
    """Points --export_dir at the export directory and sets --format when it names one
    of the export's `.tflite` files."""
    from kerasgan import export

    export_dir, fmt = export.locate_export(FLAGS.export_dir)
    if fmt and FLAGS["format"].present and FLAGS.format != fmt:
        raise ValueError(f"--export_dir={FLAGS.export_dir} is the {fmt} .tflite file, but "
                         f"--format={FLAGS.format}: drop --format, or pass the export "
                         f"directory {export_dir} with it.")
    FLAGS.export_dir, FLAGS.format = export_dir, fmt or FLAGS.format


def _run():
    _check_source_flags()
    from kerasgan import data, evaluation, validation
    from kerasgan.io_utils import atomic_write_bytes

    if FLAGS.export_dir:
        _locate_export()
    elif FLAGS.format != "saved_model":
        raise ValueError(f"--format={FLAGS.format} picks a file of an export: it needs "
                         "--export_dir.")

    num_samples = validation.check_positive_int("num_samples", FLAGS.num_samples)
    batch_size = validation.check_positive_int("batch_size", FLAGS.batch_size)
    extractor = evaluation.feature_extractor(FLAGS.features, weights_path=FLAGS.weights_path)
    common = {"batch_size": batch_size, "seed": FLAGS.seed}
    translator = None if FLAGS.baseline_split else _image_to_image_source()
    dataset = FLAGS.dataset or "digits"

    if translator:
        model, dataset, description = translator
        metrics, num_samples = _evaluate_translations(model, dataset, description, extractor)
        num_real = num_samples  # the targets of the translated sources
    elif FLAGS.baseline_split:
        real, _ = data.load_arrays(dataset, FLAGS.split, data_dir=FLAGS.data_dir)
        baseline, _ = data.load_arrays(dataset, FLAGS.baseline_split, limit=num_samples,
                                       data_dir=FLAGS.data_dir)
        description = f"{dataset}/{FLAGS.baseline_split} ({len(baseline)} real images)"
        print(f"Evaluating {description} against {dataset}/{FLAGS.split}")
        metrics = evaluation.evaluate(baseline, real, extractor, **common)
        num_samples, num_real = len(baseline), len(real)
    else:
        info = data.info(dataset, FLAGS.data_dir)
        generate, image_shape, description = _source(info.num_classes)
        real, _ = data.load_arrays(dataset, FLAGS.split, image_size=image_shape[:2],
                                   channels=image_shape[-1], data_dir=FLAGS.data_dir)
        print(f"Evaluating {num_samples} samples of {description} against "
              f"{dataset}/{FLAGS.split} ({len(real)} images), features={extractor.name}")
        metrics = evaluation.evaluate_generator(generate, real, num_samples,
                                                features=extractor, **common)
        num_real = len(real)
    print(_table(metrics))
    if FLAGS.out:
        report = {
            "source": description,
            "dataset": dataset,
            "split": FLAGS.split,
            "num_real": int(num_real),
            "num_samples": num_samples,
            "features": extractor.name,
            "seed": FLAGS.seed,
            "metrics": metrics,
        }
        atomic_write_bytes(FLAGS.out, (json.dumps(report, indent=2) + "\n").encode())
        print(f"Wrote {FLAGS.out}")


def main(argv):
    _cli.start(argv)
    try:
        _run()
    except (ValueError, FileNotFoundError, OSError) as error:
        sys.exit(f"evaluate.py: error: {_one_line(error)}")


if __name__ == "__main__":
    app.run(main)
