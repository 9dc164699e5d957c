"""scripts/train.py as a user runs it: the issue's smoke command per model, and bad flags."""

import glob
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT

TRAIN = os.path.join(REPO_ROOT, "scripts", "train.py")


def _run(*args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, TRAIN, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)


def _has_image_summary(log_dir):
    for path in glob.glob(os.path.join(log_dir, "**", "events.out.tfevents.*"), recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            if any(v.metadata.plugin_data.plugin_name == "images" for v in event.summary.value):
                return True
    return False


def _check_run(result, name, workdir, export_dir, stem):
    """A finished smoke run: image summaries, a sample grid, a checkpoint, and an
    export whose files run without the training process, on inputs drawn as the model
    card says."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert _has_image_summary(str(workdir))
    assert os.path.isfile(workdir / "samples" / "epoch_0001.png")
    assert os.path.isfile(workdir / "checkpoints" / "last.keras")
    assert os.path.isfile(export_dir / "1" / "saved_model.pb")
    for suffix in (".tflite", ".fp16.tflite", ".int8.tflite"):
        assert os.path.isfile(export_dir / f"{stem}{suffix}")
    assert "verify: OK" in result.stdout
    card = kerasgan.export.load_model_card(export_dir)
    inputs = kerasgan.export.draw_inputs(kerasgan.export.card_input_distributions(card), 2)
    saved = kerasgan.export.run_saved_model(str(export_dir / "1"), inputs)["images"]
    lite = kerasgan.export.run_tflite(str(export_dir / f"{stem}.tflite"), inputs)["images"]
    assert saved.shape == (2, 32, 32, 1) and saved.dtype == np.uint8
    assert np.max(np.abs(saved.astype(int) - lite.astype(int))) <= 2
    assert card["training"]["steps"] == 2 and card["training"]["config"]["model"] == name
    return card


# One per family of train steps and serving inputs; tests/test_models.py runs every
# registered model through the same fit/export path in-process, which is faster. DCGAN's
# run is the recipe smoke run below.
CLI_MODELS = [n for n in ("gan", "cgan", "wgan_gp", "infogan") if n in kerasgan.list_models()]
# Test sizes, through --model_option like a user's: the train/export path is the same at
# any width, and the default widths (64 filters, 1024 units) took most of each run.
TEST_SIZES = {
    "gan": ["--model_option=hidden_units=((32,), (32,))", "--model_option=latent_dim=16"],
    "cgan": ["--model_option=base_filters=8", "--model_option=latent_dim=16"],
    "wgan_gp": ["--model_option=base_filters=8", "--model_option=latent_dim=16"],
    "infogan": ["--model_option=base_filters=8", "--model_option=latent_dim=16"],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", CLI_MODELS)
def test_train_smoke_command_logs_images_and_exports(name, tmp_path):
    workdir, export_dir = tmp_path / "W", tmp_path / "E"
    result = _run(f"--model={name}", "--epochs=1", "--steps_per_epoch=2", "--batch_size=8",
                  f"--workdir={workdir}", f"--export_dir={export_dir}",
                  *TEST_SIZES.get(name, []), cwd=tmp_path)
    _check_run(result, name, workdir, export_dir, stem="E")


@pytest.mark.slow
def test_recipe_smoke_run_with_tricks_uses_recipe_name_for_default_dirs(tmp_path):
    # The tricks turned on from the command line, on top of the recipe.
    result = _run(f"--recipe={REPO_ROOT}/zoo/dcgan_digits.py", "--smoke",
                  "--model_option=ema_decay=0.5", "--model_option=diffaugment=translation",
                  cwd=tmp_path)
    run = tmp_path / "runs" / "dcgan_digits"
    # Everything under the run's workdir; the export's files are named after the run.
    card = _check_run(result, "dcgan", run, run / "export", stem="dcgan_digits")
    assert os.path.isdir(run / "logs")
    assert os.listdir(tmp_path) == ["runs"]
    assert card["training"]["model_kwargs"]["ema_decay"] == 0.5
    assert card["training"]["model_kwargs"]["diffaugment"] == "translation"


@pytest.mark.slow
@pytest.mark.parametrize(
    "flags, message",
    [
        (["--model=dcgna"], "Unknown model: 'dcgna'"),
        (["--model=dcgan", "--batch_size=0"], "batch_size=0"),
        (["--model=dcgan", "--epochs=-2"], "epochs=-2"),
        (["--model=dcgan", "--label_smoothing=1.5"], "label_smoothing=1.5"),
        (["--model=dcgan", "--dataset=digitz"], "Unknown dataset: 'digitz'"),
        (["--recipe=zoo/nope.py"], "recipe='zoo/nope.py'"),
        (["--model=dcgan", "--model_option=ema_decay"], "NAME=VALUE. Received: 'ema_decay'"),
        (["--model=dcgan", "--model_option=ema_decay=2"], "ema_decay=2"),
        (["--model=dcgan", "--model_option=emma_decay=0.9"], "'emma_decay'"),
        ([], "No model given"),
    ],
)
def test_bad_flags_exit_nonzero_with_one_line_naming_the_value(flags, message, tmp_path):
    result = _run(*flags, "--workdir=W", "--export_dir=E", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    # TF's C++ start-up notices (no CUDA driver, ...) are filtered out (scripts/_cli.py):
    # the script's own message is the one line.
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("train.py: error:"), result.stderr[-2000:]
    assert message in lines[0], lines[0]
    assert "Training" not in result.stdout  # stopped before the banner
    assert not os.path.exists(tmp_path / "E")
