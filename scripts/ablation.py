r"""Ablation of the training tricks on dcgan_digits: each trick on vs off, same budget.

    python scripts/ablation.py                       # 13 recipes x 2 seeds, 15 epochs
    python scripts/ablation.py --seeds=0,1,2 --recipes=baseline,ema
    python scripts/ablation.py --smoke --results=/tmp/a.json   # seconds (tests)

Trains the base recipe (`zoo/dcgan_digits.py`, "baseline") and every recipe in
`zoo/tricks/` (the base recipe with one trick changed) for `--epochs` epochs with
each seed in `--seeds`, then measures 1,000 samples against the 360 held-out digits
with the digits classifier features, as `scripts/zoo_report.py` does (Frechet
distance, KID, precision, recall, modes covered). Every finished run is written to
`--results` at once, so an interrupted ablation resumes where it stopped (runs of
the same recipe, seed and epochs are skipped). Prints a markdown table: per recipe,
the mean over seeds (and the range), and the Frechet distance's change vs baseline.
With `--readme`, the table replaces the block between the ablation markers of
`zoo/README.md`.
"""

import glob
import json
import os
import platform
import sys
import time

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("baseline", os.path.join("zoo", "dcgan_digits.py"), "The base recipe.")
flags.DEFINE_string("tricks_dir", os.path.join("zoo", "tricks"), "One recipe per trick.")
flags.DEFINE_list("recipes", None, "Subset: 'baseline' and/or trick names (the part "
                  "after dcgan_digits_); default: all.")
flags.DEFINE_integer("epochs", 15, "Epochs per run (the same budget for every recipe).")
flags.DEFINE_list("seeds", ["0", "1"], "Training seeds; each recipe runs once per seed.")
flags.DEFINE_integer("num_samples", 1000, "Generated images per evaluation.")
flags.DEFINE_string("results", os.path.join("zoo", "ablation.json"), "Results JSON.")
flags.DEFINE_string("workdir_root", os.path.join("runs", "ablation"), "Training workdirs.")
flags.DEFINE_bool("readme", False, "Write the table into zoo/README.md.")
flags.DEFINE_bool("smoke", False, "Use each recipe's smoke config (for tests).")

BEGIN, END = "<!-- ablation:begin -->", "<!-- ablation:end -->"
METRICS = ("frechet_distance", "kernel_distance", "precision", "recall", "modes_covered")


def _recipes():
    """`{name: path}`: "baseline" and one entry per trick recipe."""
    prefix = os.path.splitext(os.path.basename(FLAGS.baseline))[0] + "_"
    recipes = {"baseline": FLAGS.baseline}
    for path in sorted(glob.glob(os.path.join(FLAGS.tricks_dir, "*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        recipes[name[len(prefix):] if name.startswith(prefix) else name] = path
    if FLAGS.recipes:
        unknown = [name for name in FLAGS.recipes if name not in recipes]
        if unknown:
            raise ValueError(f"Unknown recipe(s) {', '.join(map(repr, unknown))}. "
                             f"Known: {', '.join(recipes)}.")
        recipes = {name: recipes[name] for name in FLAGS.recipes}
    return recipes


def _load(path):
    if not os.path.exists(path):
        return {"runs": {}}
    with open(path) as file:
        return json.load(file)


def _save(path, payload):
    from kerasgan.io_utils import atomic_write_bytes

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    atomic_write_bytes(path, (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode())


def _measure(model, real_stats, extractor, seed):
    from kerasgan import evaluation

    return evaluation.evaluate_generator(evaluation.model_generate_fn(model, seed),
                                         real_stats, FLAGS.num_samples, features=extractor,
                                         seed=seed)


def table(results, recipes, epochs):
    """The markdown table of the `epochs`-long runs of `recipes`, in their order."""
    import numpy as np

    rows = {}
    for run in results["runs"].values():
        if run["epochs"] == epochs:
            rows.setdefault(run["recipe"], []).append(run)
    header = ("| recipe | seeds | Frechet distance | vs baseline | KID | precision | "
              "recall | modes | train s |")
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    base = rows.get("baseline")
    base_fd = np.mean([r["metrics"]["frechet_distance"] for r in base]) if base else None
    for name in recipes:
        runs = rows.get(name)
        if not runs:
            continue
        values = {m: np.array([r["metrics"][m] for r in runs], float) for m in METRICS}
        fd = values["frechet_distance"]
        delta = "" if base_fd is None or name == "baseline" else f"{fd.mean() - base_fd:+.1f}"
        spread = f" ({fd.min():.1f}-{fd.max():.1f})" if len(fd) > 1 else ""
        lines.append(
            f"| {name} | {len(runs)} | {fd.mean():.1f}{spread} | {delta} | "
            f"{values['kernel_distance'].mean():.1f} | "
            f"{values['precision'].mean():.2f} | {values['recall'].mean():.2f} | "
            f"{values['modes_covered'].mean():.1f} | "
            f"{np.mean([r['train_seconds'] for r in runs]):.0f} |")
    return "\n".join(lines)


def _write_readme(path, text):
    with open(path) as file:
        readme = file.read()
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"{path} has no {BEGIN} ... {END} block for the table.")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w") as file:
        file.write(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main(argv):
    _cli.start(argv)
    try:
        recipes = _recipes()
        seeds = [int(seed) for seed in FLAGS.seeds]
    except ValueError as error:
        sys.exit(f"ablation.py: error: {error}")

    import keras

    from kerasgan import data, evaluation, export, training

    results = _load(FLAGS.results)
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} CPUs"
    results["versions"] = export.library_versions()
    extractor = evaluation.feature_extractor("digits")
    real, _ = data.load_arrays("digits", "test")
    real_stats = evaluation.compute_statistics(real, extractor, seed=0)

    epochs = None
    for name, path in recipes.items():
        for seed in seeds:
            config = training.load_recipe(path, smoke=FLAGS.smoke)
            config.update(seed=seed, name=f"{name}_seed{seed}")
            if not FLAGS.smoke:
                config["epochs"] = FLAGS.epochs
            config = training.resolve_config(config)
            epochs = config["epochs"]
            key = f"{name}/seed{seed}/epochs{config['epochs']}"
            if key in results["runs"]:
                print(f"== {key}: done before, skipped")
                continue
            print(f"== {key}: training", flush=True)
            keras.utils.set_random_seed(seed)
            start = time.perf_counter()
            result = training.train(config, os.path.join(FLAGS.workdir_root, key), verbose=0)
            metrics = _measure(result.model, real_stats, extractor, seed=1000 + seed)
            results["runs"][key] = {
                "recipe": name, "seed": seed, "epochs": config["epochs"],
                "steps": result.steps, "train_seconds": round(result.train_seconds, 1),
                "total_seconds": round(time.perf_counter() - start, 1),
                "model_kwargs": config["model_kwargs"],
                "metrics": {m: float(metrics[m]) for m in METRICS},
            }
            print("   " + ", ".join(f"{m}={metrics[m]:.3f}" for m in METRICS), flush=True)
            _save(FLAGS.results, results)

    text = table(results, recipes, epochs)
    print()
    print(text)
    if FLAGS.readme:
        _write_readme(os.path.join(os.path.dirname(FLAGS.baseline), "README.md"), text)


if __name__ == "__main__":
    app.run(main)
