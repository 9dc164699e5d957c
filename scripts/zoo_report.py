r"""Trains every recipe in zoo/, measures it, exports it, and writes the zoo's results.

Everything (about 5 minutes per recipe on a 2-core CPU), into runs/zoo/ (git-ignored):

    python scripts/zoo_report.py

Some recipes, merging their rows into the results already in --results_dir:

    python scripts/zoo_report.py --recipes=dcgan_digits,cgan_digits

Publishing (maintainers): the committed table, grids and pretrained exports are
rewritten only when asked for by name:

    python scripts/zoo_report.py --results_dir=zoo --export_root=exported

For each recipe: trains it in full (`--workdir_root/<recipe>`; with --reuse a finished
run of the same config there is loaded instead of retrained), generates --num_samples
images, measures them against the held-out split with `kerasgan.evaluation` (for
class-conditional models also how often the digits classifier agrees with the
requested label), exports the generator to `--export_root/<recipe>` (version 1, with
the metrics in its model card), and writes a sample grid to
`<results_dir>/samples/<recipe>.png`. Then writes `<results_dir>/results.json` (keyed
by recipe; metrics, train seconds on this machine, steps, library versions) and the
table in `<results_dir>/README.md`, whose first row is the floor: real train images
against the same held-out split.
"""

import glob
import json
import os
import platform
import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_list("recipes", None, "Recipe names (zoo/<name>.py); default: all of zoo/.")
flags.DEFINE_string("zoo_dir", "zoo", "Where the recipes live.")
flags.DEFINE_string("results_dir", os.path.join("runs", "zoo"),
                    "Where results.json, README.md and samples/ go; --results_dir=zoo "
                    "rewrites the committed zoo table.")
flags.DEFINE_string("workdir_root", os.path.join("runs", "zoo"), "Training workdirs.")
flags.DEFINE_string("export_root", os.path.join("runs", "zoo", "exported"),
                    "Exports; '' skips exporting. --export_root=exported rewrites the "
                    "shipped pretrained exports.")
flags.DEFINE_integer("num_samples", 1000, "Generated images per evaluation.")
flags.DEFINE_integer("seed", 0, "Seed of the evaluation samples.")
flags.DEFINE_bool("reuse", False, "Load a finished run of the same config instead of "
                  "training it again.")
flags.DEFINE_bool("smoke", False, "Use each recipe's smoke config (for tests).")

FLOOR = "real_train_split"


def _recipe_paths():
    paths = sorted(glob.glob(os.path.join(FLAGS.zoo_dir, "*.py")))
    paths = [p for p in paths if not os.path.basename(p).startswith("_")]
    if FLAGS.recipes:
        known = {os.path.splitext(os.path.basename(p))[0]: p for p in paths}
        unknown = [r for r in FLAGS.recipes if r not in known]
        if unknown:
            raise ValueError(f"Unknown recipe(s) {unknown}; zoo/ has {sorted(known)}.")
        paths = [known[r] for r in FLAGS.recipes]
    return paths


def _train_or_reuse(config, workdir):
    import keras

    from kerasgan import training

    summary = training.load_training_summary(workdir)
    checkpoint = training.workdir_paths(workdir)["checkpoint"]
    # Keys added to training.DEFAULTS after a run count as their default values.
    same = summary and summary["model_kwargs"] == config["model_kwargs"] and all(
        summary["config"].get(key, training.DEFAULTS.get(key)) == value
        for key, value in config.items() if key not in ("model_kwargs", "recipe"))
    if FLAGS.reuse and same and os.path.exists(checkpoint):
        print(f"Reusing the finished run in {workdir}")
        return keras.models.load_model(checkpoint), summary
    result = training.train(config, workdir, verbose=2)
    return result.model, training.training_summary(config, result)


def _label_accuracy(model, extractor, num_samples, seed):
    """Fraction of conditional samples the classifier assigns to the requested class."""
    import numpy as np

    labels = np.arange(num_samples) % model.num_classes
    _, logits = extractor(model.generate(num_samples, labels=labels, seed=seed + 1))
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def _measure(model, real_stats, extractor, held_out, dataset=None):
    from kerasgan import data, evaluation

    if model.image_input:
        # Image-to-image models: translations of the held-out sources of their dataset
        # against the targets (per pair and as a distribution), PSNR/SSIM for
        # upsamplers, cycle error for unpaired translators.
        sources, targets = data.load_pair_arrays(dataset or model.default_dataset, "test",
                                                 image_size=model.image_shape[0])
        return evaluation.image_to_image_metrics(model, sources, targets, features=extractor,
                                                 seed=FLAGS.seed)
    metrics = evaluation.evaluate_generator(
        evaluation.model_generate_fn(model, FLAGS.seed), real_stats, FLAGS.num_samples,
        features=extractor, seed=FLAGS.seed)
    if model.num_classes:
        metrics["label_accuracy"] = _label_accuracy(model, extractor, FLAGS.num_samples,
                                                    FLAGS.seed)
    if model.encoder_name:
        # Encoders (BiGAN, AAE, VAE): does G(E(x)) keep the held-out digit's class?
        agreement = evaluation.reconstruction_agreement(model, *held_out, features=extractor)
        metrics["reconstruction_accuracy"] = agreement["reconstruction_accuracy"]
        metrics["reconstruction_l1"] = agreement["pixel_l1"]
    if model.text_input:
        # Text-to-image models (text2image): is the digit a caption names drawn?
        metrics.update(evaluation.text_to_image_metrics(model, features=extractor,
                                                        seed=FLAGS.seed))
    return metrics


def _write_json(path, payload):
    from kerasgan.io_utils import atomic_write_bytes

    atomic_write_bytes(path, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode())


_COLUMNS = ("frechet_distance", "kernel_distance", "precision", "recall", "modes_covered",
            "mode_kl", "label_accuracy")


def _fmt(value, digits=2):
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _kept_sections(path):
    """What follows the table in an existing README (the ablation section that
    scripts/ablation.py maintains), kept when the table is rewritten."""
    if not os.path.exists(path):
        return ""
    with open(path) as file:
        text = file.read()
    marker = "\n## "
    return text[text.index(marker):] if marker in text else ""


def _super_resolution_cell(metrics):
    """`PSNR / SSIM (bicubic PSNR / SSIM)`, or "-" for models without them."""
    if metrics.get("psnr") is None:
        return "-"
    return (f"{_fmt(metrics['psnr'], 1)} / {_fmt(metrics['ssim'], 3)} "
            f"({_fmt(metrics.get('bicubic_psnr'), 1)} / {_fmt(metrics.get('bicubic_ssim'), 3)})")


def _cycle_cell(metrics):
    """`cycle L1 A / B (label agreement A->B / B->A)`, or "-" for models without them."""
    if metrics.get("cycle_l1_a") is None:
        return "-"
    return (f"{_fmt(metrics['cycle_l1_a'], 3)} / {_fmt(metrics['cycle_l1_b'], 3)} "
            f"({_fmt(metrics.get('label_agreement_a_to_b'))} / "
            f"{_fmt(metrics.get('label_agreement_b_to_a'))})")


def _readme(results):
    header = ("| recipe | Frechet distance | KID | precision | recall | modes covered "
              "| mode KL | label accuracy | reconstruction accuracy | translation L1 "
              "| PSNR / SSIM (bicubic) | cycle L1 A / B (label agreement) "
              "| caption accuracy | steps "
              "| train time | samples |")
    lines = [
        "# Zoo results",
        "",
        "Written by `python scripts/zoo_report.py --results_dir=zoo --export_root=exported`:",
        "each recipe trained in full on a 2-core",
        "CPU, then 1,000 generated images measured against the 360 held-out digits",
        "(`kerasgan.evaluation`, features and classes of the shipped digits classifier).",
        "Label accuracy is the share of conditional samples the",
        "classifier reads as the requested digit; reconstruction accuracy (models with an",
        "encoder) the share of held-out digits `x` whose `G(E(x))` it reads as `x`'s digit.",
        "Image-to-image models (pix2pix) are measured on their translations of the held-out",
        "sources against the targets: translation L1 is the mean absolute difference in",
        "[-1, 1] units, and the distribution metrics compare translations with targets.",
        "Super-resolution models (SRGAN) also give PSNR (dB) / SSIM of their uint8 outputs",
        "against the high-resolution targets, with bicubic upsampling's in parentheses",
        "(`kerasgan.evaluation.super_resolution_metrics`).",
        "Unpaired translators (CycleGAN) compare their translations of held-out domain A",
        "images with held-out domain B images as distributions only, and give the cycle",
        "L1 `|F(G(a)) - a|` / `|G(F(b)) - b|` with, in parentheses, the share of",
        "translations the classifier reads as their input's digit, A->B / B->A",
        "(`kerasgan.evaluation.cycle_metrics`).",
        "Text-to-image models (text2image) give the caption accuracy: the share of images",
        "drawn from every template caption of every digit that the classifier reads as",
        "the digit the caption names (`kerasgan.evaluation.text_to_image_metrics`).",
        "The first row is the floor: real train",
        "images in the generator's place. Train times are wall-clock seconds of `fit` on",
        "the machine named in `results.json` and depend on its load.",
        "",
        header,
        "|" + "---|" * (header.count("|") - 1),
    ]
    order = [FLOOR] + sorted(k for k in results if k != FLOOR)
    for name in order:
        if name not in results:
            continue
        row = results[name]
        m = row["metrics"]
        kid = m.get("kernel_distance")
        sample = f"![{name}](samples/{name}.png)" if row.get("samples") else ""
        lines.append(
            f"| `{name}` | {_fmt(m.get('frechet_distance'))} | "
            f"{_fmt(kid, 1)} | {_fmt(m.get('precision'))} | "
            f"{_fmt(m.get('recall'))} | {_fmt(m.get('modes_covered'))} | "
            f"{_fmt(m.get('mode_kl'), 3)} | {_fmt(m.get('label_accuracy'))} | "
            f"{_fmt(m.get('reconstruction_accuracy'))} | "
            f"{_fmt(m.get('translation_l1'), 3)} | {_super_resolution_cell(m)} | "
            f"{_cycle_cell(m)} | {_fmt(m.get('caption_accuracy'))} | "
            f"{row.get('steps', '-')} | "
            f"{_fmt(row.get('train_seconds'), 0) + ' s' if row.get('train_seconds') else '-'} "
            f"| {sample} |"
        )
    details = [f"- `{name}`: " + ", ".join(f"{key}={value}" for key, value in
                                          sorted(results[name]["details"].items()))
               for name in order if name in results and results[name].get("details")]
    if details:  # choices the variants made themselves (SRGAN's content loss)
        lines += ["", "Set up by the variant itself (`serving_spec().details`, also in the model "
                  "cards):", "", *details]
    return "\n".join(lines) + "\n"


def main(argv):
    _cli.start(argv)
    import numpy as np

    from kerasgan import callbacks, data, evaluation, export, images, training

    try:
        recipes = _recipe_paths()
    except ValueError as error:
        sys.exit(f"zoo_report.py: error: {error}")
    results_dir = FLAGS.results_dir
    results_path = os.path.join(results_dir, "results.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as file:
            results = json.load(file)
    versions = {**export.library_versions(), "machine": f"{platform.machine()}, "
                f"{os.cpu_count()} CPUs"}

    extractor = evaluation.feature_extractor("digits")
    real, real_labels = data.load_arrays("digits", "test")
    real_stats = evaluation.compute_statistics(real, extractor, seed=FLAGS.seed)
    floor_images, _ = data.load_arrays("digits", "train", limit=FLAGS.num_samples)
    results[FLOOR] = {"metrics": evaluation.evaluate(floor_images, real_stats, extractor,
                                                     seed=FLAGS.seed),
                      "num_samples": len(floor_images), "versions": versions}

    for path in recipes:
        config = training.resolve_config(training.load_recipe(path, smoke=FLAGS.smoke))
        name = config["name"]
        print(f"== {name}: {config['model']} on {config['dataset']}, {config['epochs']} epochs")
        model, summary = _train_or_reuse(config, os.path.join(FLAGS.workdir_root, name))
        metrics = _measure(model, real_stats, extractor, (real, real_labels),
                           config["dataset"])
        print(f"{name}: " + ", ".join(f"{k}={_fmt(v, 3)}" for k, v in metrics.items()))
        grid_path = os.path.join(results_dir, "samples", f"{name}.png")
        if model.image_input:
            # Source, translation, target triplets of 40 held-out pairs, 4 per row.
            sources, targets = data.load_pair_arrays(config["dataset"], "test", limit=40,
                                                     image_size=model.image_shape[0])
            images.write_png(grid_path, images.make_grid(
                callbacks.translation_triplets(model, sources, targets), columns=12))
        else:
            labels = np.arange(100) % model.num_classes if model.num_classes else None
            images.write_png(grid_path, images.make_grid(
                model.generate(100, labels=labels, seed=FLAGS.seed), columns=10))
        row = {"model": config["model"], "dataset": config["dataset"],
               "recipe": f"zoo/{os.path.basename(path)}", "steps": summary["steps"],
               "train_seconds": summary["train_seconds"], "final_logs": summary["final_logs"],
               "num_samples": FLAGS.num_samples, "metrics": metrics, "samples": True,
               "versions": versions}
        details = model.serving_spec().details
        if details:  # choices the variant made itself (SRGAN's content loss)
            row["details"] = details
        if FLAGS.export_root:
            export.export_generator(
                model, os.path.join(FLAGS.export_root, name), version=1, overwrite=True,
                extra_card={"training": summary, "metrics": metrics}, verbose=False)
            card = export.load_model_card(os.path.join(FLAGS.export_root, name))
            row["export"] = {file: {"bytes": entry["bytes"], **card["verification"][
                "artifacts"].get(file, {})} for file, entry in card["tflite"].items()}
        results[name] = row
        _write_json(results_path, results)  # after each recipe: a crash keeps the rest
    _write_json(results_path, results)
    from kerasgan.io_utils import atomic_write_bytes

    readme_path = os.path.join(results_dir, "README.md")
    atomic_write_bytes(readme_path, (_readme(results) + _kept_sections(readme_path)).encode())
    print(f"Wrote {results_path} and {os.path.join(results_dir, 'README.md')}")


if __name__ == "__main__":
    app.run(main)
