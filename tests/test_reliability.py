"""Nothing earned is lost and nothing broken ships: resume after SIGKILL, the
non-finite-loss guard, atomic checkpoints, determinism, and input validation."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import hypothesis
import hypothesis.strategies as st
import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, fixed_dataset, tiny_model
from kerasgan import callbacks, training

TRAIN = os.path.join(REPO_ROOT, "scripts", "train.py")


def _command(workdir, *extra):
    # DCGAN at test size (base_filters 64 -> 8): resuming and determinism do not depend
    # on the width, and each step is many times cheaper.
    return [sys.executable, "-u", TRAIN, "--model=dcgan", "--batch_size=8",
            "--model_option=base_filters=8", "--model_option=latent_dim=16",
            f"--workdir={workdir}", "--export=false", *extra]


def _env():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


@pytest.mark.slow
def test_sigkill_during_epoch_4_then_the_same_command_finishes_8_epochs(tmp_path):
    workdir = tmp_path / "W"
    command = _command(workdir, "--epochs=8", "--steps_per_epoch=12", "--label_smoothing=0.1")
    process = subprocess.Popen(command, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 240
    seen = ""
    for line in process.stdout:
        seen += line
        if "Epoch 4/8" in line or time.time() > deadline:
            break
    assert "Epoch 4/8" in seen, seen[-2000:]
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not os.path.exists(workdir / training.SUMMARY_FILE)  # it really died midway

    resumed = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True,
                             text=True, timeout=SUBPROCESS_TIMEOUT)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    epochs = [int(k) for k in re.findall(r"Epoch (\d+)/8", resumed.stdout)]
    assert epochs[0] >= 3 and epochs[-1] == 8, resumed.stdout[-2000:]
    summary = json.loads((workdir / training.SUMMARY_FILE).read_text())
    # Optimizer step counters were restored with the weights: 8 epochs of 12 steps.
    assert summary["steps"] == 8 * 12
    model = keras.models.load_model(workdir / "checkpoints" / "last.keras")
    assert int(model.g_optimizer.iterations.numpy()) == 8 * 12
    assert float(model.label_smoothing.numpy()) == pytest.approx(0.1)


class _PoisonAt(keras.callbacks.Callback):
    """Sets one discriminator kernel to NaN when `epoch` begins."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            kernel = self.model.discriminator.trainable_weights[0]
            kernel.assign(np.full(kernel.shape, np.nan, np.float32))


def test_guard_stops_at_the_first_nan_and_keeps_the_last_good_state(tmp_path, digits_batches):
    model = tiny_model("dcgan")
    model.compile()
    guard = callbacks.NonFiniteGuard()
    checkpoint = tmp_path / "last.keras"
    fit_callbacks = [_PoisonAt(2), guard,
                     callbacks.AtomicModelCheckpoint(checkpoint, guard=guard),
                     callbacks.BackupAndRestore(tmp_path / "backup", guard=guard)]
    model.fit(fixed_dataset(*digits_batches), epochs=4, steps_per_epoch=2,
              callbacks=fit_callbacks, verbose=0)
    assert guard.failure["step"] == 5 and guard.failure["epoch"] == 3
    assert guard.failure["metric"] in model.metric_names
    assert "at step 5 (epoch 3)" in guard.message()
    # The checkpoint and the backup are those of epoch 2, with finite weights.
    restored = keras.models.load_model(checkpoint)
    assert int(restored.d_optimizer.iterations.numpy()) == 4
    assert all(np.all(np.isfinite(w.numpy())) for w in restored.weights)
    metadata = json.loads((tmp_path / "backup" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 2


@pytest.mark.slow
def test_cli_exits_nonzero_on_a_nan_loss_and_exports_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, TRAIN, "--model=gan", "--epochs=2", "--steps_per_epoch=3",
         "--batch_size=8", "--d_learning_rate=1e38", "--g_learning_rate=1e38",
         f"--workdir={tmp_path / 'W'}", f"--export_dir={tmp_path / 'E'}"],
        env=_env(), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert re.match(r"train\.py: error: `\w+` became (nan|inf|-inf) at step \d+ \(epoch 1\)", last)
    assert last.endswith("Nothing was exported.")
    assert not os.path.exists(tmp_path / "E")


def test_atomic_checkpoint_replaces_whole_files(tmp_path, digits_batches):
    model = tiny_model("gan")
    model.compile()
    path = tmp_path / "ckpt" / "last.keras"
    model.fit(fixed_dataset(*digits_batches), epochs=2, steps_per_epoch=1, verbose=0,
              callbacks=[callbacks.AtomicModelCheckpoint(path)])
    assert os.listdir(path.parent) == ["last.keras"]  # no temporary file left behind
    assert int(keras.models.load_model(path).d_optimizer.iterations.numpy()) == 2
    with pytest.raises(ValueError, match="last.h5"):
        callbacks.AtomicModelCheckpoint(tmp_path / "last.h5")


def _trained_weights(tmp_path, name, seed):
    workdir = tmp_path / name
    result = subprocess.run(
        _command(workdir, "--epochs=1", "--steps_per_epoch=4", f"--seed={seed}",
                 "--deterministic"),
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    model = keras.models.load_model(workdir / "checkpoints" / "last.keras")
    return [w.numpy() for w in model.generator.weights + model.discriminator.weights]


@pytest.mark.slow
def test_deterministic_runs_give_bit_identical_weights(tmp_path):
    first = _trained_weights(tmp_path, "a", seed=3)
    second = _trained_weights(tmp_path, "b", seed=3)
    other = _trained_weights(tmp_path, "c", seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not all(np.array_equal(a, c) for a, c in zip(first, other))


def test_deterministic_runs_always_have_a_seed():
    config = training.resolve_config({"model": "dcgan", "deterministic": True, "seed": None})
    assert config["seed"] == 0 and config["deterministic"] is True


# Validation -----------------------------------------------------------------------------

def test_a_dataset_with_other_channels_is_rejected_by_name(digits_batches):
    model = tiny_model("dcgan")
    model.compile()
    images, labels = digits_batches
    rgb = fixed_dataset(np.repeat(images, 3, axis=-1), labels)
    with pytest.raises(ValueError, match=r"\(32, 32, 1\).*\(32, 32, 3\)"):
        model.fit(rgb, epochs=1, steps_per_epoch=1, verbose=0)


def test_serving_inputs_of_the_wrong_latent_size_are_rejected(tmp_path):
    model = tiny_model("dcgan")
    paths = kerasgan.export.export_generator(model, tmp_path / "E", formats=("float32",),
                                             check=False, verbose=False)
    function = tf.saved_model.load(paths["saved_model"]).signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tensor z .*\[2,9\].*\[\?,8\]"):
        function(z=tf.zeros([2, model.latent_dim + 1]))


_SIZES = st.sampled_from([0, 2, 4, 7, 8, 16, 30, 32, 64, -8])


@hypothesis.settings(max_examples=25, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.too_slow])
@hypothesis.given(
    name=st.sampled_from(["gan", "dcgan", "cgan"]),
    latent_dim=st.integers(-3, 40),
    side=_SIZES,
    channels=st.integers(-1, 4),
    num_classes=st.one_of(st.none(), st.integers(-2, 12)),
)
def test_create_model_builds_or_raises_a_value_error_naming_the_value(
        name, latent_dim, side, channels, num_classes):
    kwargs = {"latent_dim": latent_dim, "image_shape": (side, side, channels)}
    kwargs.update({"base_filters": 2} if name != "gan" else {"hidden_units": ((4,), (4,))})
    if name == "cgan" and num_classes is not None:
        kwargs["num_classes"] = num_classes
    try:
        model = kerasgan.create_model(name, **kwargs)
    except ValueError as error:
        message = str(error)
        bad = [str(v) for v in (latent_dim, side, channels, num_classes) if v is not None]
        assert any(value in message for value in bad), message
        return
    assert latent_dim > 0 and side > 0 and channels > 0
    assert model.generate(1, seed=0).shape == (1, side, side, channels)


def _pixels(images):
    return np.reshape(images, (len(images), -1))


@hypothesis.settings(max_examples=40, deadline=None)
@hypothesis.given(
    dtype=st.sampled_from(["uint8", "float32", "float64", "int32", "bool"]),
    shape=st.lists(st.integers(0, 6), min_size=1, max_size=5),
    real_count=st.integers(0, 12),
    scale=st.sampled_from([0.5, 1.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_evaluate_gives_finite_metrics_or_a_value_error(dtype, shape, real_count, scale, seed):
    rng = np.random.default_rng(seed)
    generated = (rng.uniform(-scale, scale, shape) * (127 if dtype == "uint8" else 1))
    generated = np.abs(generated).astype(dtype) if dtype == "uint8" else generated.astype(dtype)
    real = rng.uniform(-1, 1, (real_count, *shape[1:])).astype(np.float32)
    try:
        metrics = kerasgan.evaluation.evaluate(generated, real, features=_pixels, k=1)
    except ValueError as error:
        assert str(error)  # a message, not a bare exception
        return
    assert np.isfinite(metrics["frechet_distance"]) and metrics["frechet_distance"] > -1e-6
    # Precision and recall are the fractions of generated (real) images inside the
    # other set's k-NN balls: whole counts over the set's size.
    for key, count in (("precision", len(generated)), ("recall", real_count)):
        assert 0 <= metrics[key] <= 1
        assert metrics[key] * count == pytest.approx(round(metrics[key] * count), abs=1e-6), key
