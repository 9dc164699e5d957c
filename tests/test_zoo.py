"""The zoo: every recipe is a valid, documented config, and scripts/zoo_report.py writes
results.json, the README table, sample grids and exports."""

import glob
import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

import kerasgan
from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, check_batch_shapes
from kerasgan import training

RECIPES = sorted(glob.glob(os.path.join(REPO_ROOT, "zoo", "*.py")))


@pytest.mark.parametrize("path", RECIPES, ids=os.path.basename)
def test_recipe_is_a_documented_config_of_a_registered_model(path):
    for smoke in (False, True):
        config = training.resolve_config(training.load_recipe(path, smoke=smoke))
        assert config["model"] in kerasgan.list_models()
        assert config["name"] == os.path.splitext(os.path.basename(path))[0]
    doc = open(path).read()
    assert f"--recipe=zoo/{os.path.basename(path)}" in doc
    assert "Result" in doc and "Reference" in doc


def test_recipe_docstring_losses_are_the_measured_ones():
    """A recipe's `key=value` final losses are zoo/results.json's `final_logs`, to the
    digits the docstring prints."""
    results = json.load(open(os.path.join(REPO_ROOT, "zoo", "results.json")))
    checked = 0
    for path in RECIPES:
        name = os.path.splitext(os.path.basename(path))[0]
        logs = results.get(name, {}).get("final_logs", {})
        doc = open(path).read()
        for key, value in re.findall(r"\b([a-z_]+)=(-?\d+\.\d+)\b", doc):
            if key in logs:
                decimals = len(value.split(".")[1])
                assert abs(float(value) - logs[key]) <= 0.5 * 10 ** -decimals + 1e-9, \
                    f"{name}: {key}={value} in its docstring, {logs[key]:.4f} measured"
                checked += 1
    assert checked >= 20, checked


FULL_DATA_RECIPES = sorted(glob.glob(os.path.join(REPO_ROOT, "zoo", "full_data", "*.py")))


@pytest.mark.parametrize("path", FULL_DATA_RECIPES, ids=os.path.basename)
def test_full_data_recipe_builds_its_model_at_the_dataset_shape(path):
    """Recipes for tfds datasets (celeb_a, cifar10): valid configs whose model the real
    loading code shapes from the dataset's features, offline through tfds' mock data."""
    import tensorflow_datasets as tfds

    config = training.resolve_config(training.load_recipe(path))
    assert config["dataset"] != "digits" and config["model"] in kerasgan.list_models()
    doc = open(path).read()
    assert f"--recipe=zoo/full_data/{os.path.basename(path)}" in doc
    assert "Reference" in doc and config["dataset"] in doc
    with tfds.testing.mock_data(num_examples=4):
        info = kerasgan.data.info(config["dataset"])
        model = training.build_model(config)
        side = config["image_size"] or model.image_shape[0]
        assert model.image_shape == (side, side, info.image_shape[-1])
        # Images at the model's shape, or (sources, targets) with the sources at its
        # source shape (smaller for super-resolution).
        check_batch_shapes(
            model, next(iter(training.training_dataset({**config, "batch_size": 2}, model))))


@pytest.mark.parametrize("path", FULL_DATA_RECIPES, ids=os.path.basename)
def test_full_data_recipe_is_its_base_recipe_at_the_dataset_scale(path):
    """Each full-data recipe derives from a recipe of the embedded data
    (`training.derive_recipe`): the same model, and a smoke run that is the base's on
    another dataset."""
    spec = importlib.util.spec_from_file_location("full_data_recipe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    base_path = os.path.normpath(module.BASE)
    assert os.path.dirname(base_path) == os.path.join(REPO_ROOT, "zoo")
    assert f"zoo/{os.path.basename(base_path)}" in open(path).read()
    for smoke in (False, True):
        base = training.resolve_config(training.load_recipe(base_path, smoke=smoke))
        config = training.resolve_config(training.load_recipe(path, smoke=smoke))
        assert config["model"] == base["model"] and config["seed"] == base["seed"]
        assert config["name"] == os.path.splitext(os.path.basename(path))[0]
        if smoke:
            same = {"model_kwargs", "epochs", "steps_per_epoch", "batch_size"}
            assert {key: config[key] for key in same} == {key: base[key] for key in same}


@pytest.mark.slow
def test_zoo_report_writes_results_table_grids_and_exports(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "scripts", "zoo_report.py"), "--smoke",
         "--recipes=cgan_digits", f"--zoo_dir={REPO_ROOT}/zoo", f"--results_dir={tmp_path}",
         f"--workdir_root={tmp_path / 'runs'}", f"--export_root={tmp_path / 'exp'}",
         "--num_samples=100"],
        env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) == {"real_train_split", "cgan_digits"}
    row = results["cgan_digits"]
    assert row["steps"] == 2 and row["train_seconds"] > 0
    assert row["versions"]["tensorflow"]
    for key in ("frechet_distance", "kernel_distance", "precision", "recall",
                "modes_covered", "mode_kl", "label_accuracy"):
        assert key in row["metrics"]
    # The floor (real train images) is far closer to the test split than 2 smoke steps.
    floor = results["real_train_split"]["metrics"]
    assert floor["frechet_distance"] < row["metrics"]["frechet_distance"] / 5
    assert floor["modes_covered"] == 10
    table = (tmp_path / "README.md").read_text().splitlines()
    rows = [line for line in table if line.startswith("| `")]
    assert rows[0].startswith("| `real_train_split`") and rows[1].startswith("| `cgan_digits`")
    assert os.path.getsize(tmp_path / "samples" / "cgan_digits.png") > 0
    card = kerasgan.export.load_model_card(tmp_path / "exp" / "cgan_digits")
    assert card["metrics"]["frechet_distance"] == row["metrics"]["frechet_distance"]


def test_floor_below_trained_below_briefly_trained_below_untrained_dcgan():
    from kerasgan import data, evaluation

    real, _ = data.load_arrays("digits", "test")
    stats = evaluation.compute_statistics(real)
    floor = evaluation.evaluate(data.load_arrays("digits", "train", limit=500)[0], stats)

    untrained = kerasgan.create_model("dcgan", latent_dim=16, base_filters=8, seed=0)
    untrained_fd = evaluation.evaluate(untrained.generate(500, seed=1), stats)
    brief = kerasgan.create_model("dcgan", latent_dim=16, base_filters=8, seed=0)
    brief.compile()
    brief.fit(data.load("digits", batch_size=32, repeat=True, seed=0), epochs=1,
              steps_per_epoch=150, verbose=0)
    brief_fd = evaluation.evaluate(brief.generate(500, seed=1), stats)

    shipped = kerasgan.export.run_saved_model(
        os.path.join(REPO_ROOT, "exported", "dcgan_digits", "1"),
        {"num_images": 500, "seed": 1}, "sample")["images"]
    shipped_fd = evaluation.evaluate(shipped, stats)

    distances = [m["frechet_distance"] for m in (floor, shipped_fd, brief_fd, untrained_fd)]
    assert distances == sorted(distances), distances
    assert floor["modes_covered"] == 10 and shipped_fd["modes_covered"] >= 9


TRICK_RECIPES = sorted(glob.glob(os.path.join(REPO_ROOT, "zoo", "tricks", "*.py")))


@pytest.mark.parametrize("path", TRICK_RECIPES, ids=os.path.basename)
def test_trick_recipe_changes_exactly_one_thing_of_the_base_recipe(path):
    base = training.resolve_config(
        training.load_recipe(os.path.join(REPO_ROOT, "zoo", "dcgan_digits.py")))
    config = training.resolve_config(training.load_recipe(path))
    assert config["name"] == os.path.splitext(os.path.basename(path))[0]
    changed = {key for key in config if key not in ("name", "recipe", "model_kwargs")
               and config[key] != base[key]}
    changed |= {f"model_kwargs.{key}" for key in config["model_kwargs"]
                if config["model_kwargs"][key] != base["model_kwargs"].get(key)}
    # TTUR sets both learning rates; every other recipe turns on a single option.
    assert len(changed) == 1 or changed == {"d_learning_rate", "g_learning_rate"}, changed
    model = training.build_model({**config, "model_kwargs": {
        **config["model_kwargs"], "latent_dim": 8, "base_filters": 4}})
    for key, value in config["model_kwargs"].items():
        if key not in ("latent_dim", "base_filters"):
            assert model.get_config()[key] == value, key  # the option reached the model
    assert f"--recipe=zoo/tricks/{os.path.basename(path)}" in open(path).read()


@pytest.mark.slow
def test_ablation_script_trains_measures_tabulates_and_resumes(tmp_path):
    command = [sys.executable, os.path.join(REPO_ROOT, "scripts", "ablation.py"), "--smoke",
               "--recipes=baseline,ema", "--seeds=0", f"--results={tmp_path / 'a.json'}",
               f"--workdir_root={tmp_path / 'runs'}", "--num_samples=50",
               f"--baseline={REPO_ROOT}/zoo/dcgan_digits.py",
               f"--tricks_dir={REPO_ROOT}/zoo/tricks"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = json.loads((tmp_path / "a.json").read_text())["runs"]
    assert set(runs) == {"baseline/seed0/epochs1", "ema/seed0/epochs1"}
    assert runs["ema/seed0/epochs1"]["model_kwargs"]["ema_decay"] == 0.99
    for run in runs.values():
        assert run["steps"] == 2 and run["metrics"]["frechet_distance"] > 0
    assert "| baseline | 1 |" in result.stdout and "| ema | 1 |" in result.stdout

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("done before, skipped") == 2

    bad = subprocess.run([*command[:2], "--recipes=nope"], env=env, capture_output=True,
                         text=True, timeout=SUBPROCESS_TIMEOUT)
    assert bad.returncode != 0 and "'nope'" in bad.stderr
