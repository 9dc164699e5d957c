"""ProGAN: growth on schedule, fade-in continuity, resume after a kill right after a
growth, saving at a grown stage, the paper's components and loss, argument checks."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import fixed_dataset, tiny_model
from kerasgan import layers as kerasgan_layers
from kerasgan import export, training
from kerasgan.models.progan import ProGAN


def progan(**overrides):
    """A tiny ProGAN (widths 32, 16, 8, 4 from 4x4 to 32x32) on a 2-step schedule."""
    return tiny_model("progan", **{"steps_per_phase": 2, **overrides})


def block_weights(model):
    """`{path: value}` of every block's variables (grown or not), and the fade weight."""
    return {w.path: w.numpy().copy() for player in ("generator", "discriminator")
            for layer in model.blocks[player] for w in layer.weights} | {
        "alpha": model.fade.alpha.numpy().copy()}


def layer_names(network):
    return {layer.name for layer in network.layers}


class Recorder(keras.callbacks.Callback):
    """Per step (steps_per_execution=1): stage, generator layer count and alpha."""

    def on_train_begin(self, logs=None):
        self.steps = []

    def on_train_batch_end(self, batch, logs=None):
        model = self.model
        self.steps.append((model.stage, model.resolution, len(model.generator.layers),
                           float(model.fade.alpha.numpy()), int(model.g_optimizer.iterations)))


def test_schedule_by_hand():
    model = progan(steps_per_phase=10)
    # 4x4 for 10 steps; then per resolution a 10-step fade and 10 stable steps.
    expected = {0: (0, 1.0), 9: (0, 1.0), 10: (1, 0.0), 13: (1, 0.3), 19: (1, 0.9),
                20: (1, 1.0), 29: (1, 1.0), 30: (2, 0.0), 55: (3, 0.5), 70: (3, 1.0),
                10**6: (3, 1.0)}
    for step, (stage, alpha) in expected.items():
        got = model.schedule_at(step)
        assert got[0] == stage and got[1] == pytest.approx(alpha), (step, got)


def test_fit_grows_both_networks_at_the_scheduled_step(digits_batches):
    model = progan()
    model.compile(steps_per_execution=1)
    assert [model.resolution, len(model.generator.layers)] == [4, 12]
    recorder = Recorder()
    model.fit(fixed_dataset(*digits_batches), epochs=1, steps_per_epoch=6, verbose=0,
              callbacks=[recorder])
    stages, resolutions, counts, alphas, iterations = map(list, zip(*recorder.steps))
    assert iterations == [1, 2, 3, 4, 5, 6]
    assert stages == [0, 0, 1, 1, 1, 1] and resolutions == [4, 4, 8, 8, 8, 8]
    # Alpha ramps 0 -> 1 over the fade phase (each step's value, set in the train step).
    np.testing.assert_allclose(alphas, [1, 1, 0, 0.5, 1, 1])
    assert counts[0] == 12 < counts[2] == counts[5]  # the growth added the 8x8 blocks
    assert {"g8_conv1", "g8_to_rgb", "fade_in"} <= layer_names(model.generator)
    assert "g16_conv1" not in layer_names(model.generator)
    assert {"d8_from_rgb", "d8_conv1", "fade_in"} <= layer_names(model.discriminator)
    assert model.generator.output_shape == (None, 32, 32, 1)
    assert model.discriminator.input_shape == (None, 32, 32, 1)


def test_growth_keeps_every_weight_and_fades_in_continuously():
    model = progan()
    z = np.random.default_rng(0).standard_normal((4, 8)).astype("float32")
    x = np.random.default_rng(1).uniform(-1, 1, (4, 32, 32, 1)).astype("float32")
    before = block_weights(model)
    g0, d0 = np.asarray(model.generator(z)), np.asarray(model.discriminator(x))
    model.grow_to(1)
    after = block_weights(model)
    assert before.keys() == after.keys()
    for path, value in before.items():
        np.testing.assert_array_equal(value, after[path], err_msg=path)
    # alpha = 0: the grown networks compute exactly what the old ones did.
    model.fade.alpha.assign(0.0)
    np.testing.assert_allclose(model.generator(z), g0, atol=1e-5)
    np.testing.assert_allclose(model.discriminator(x), d0, atol=1e-4)
    # alpha = 1: the new blocks take over.
    model.fade.alpha.assign(1.0)
    assert np.abs(np.asarray(model.generator(z)) - g0).max() > 1e-3
    assert np.abs(np.asarray(model.discriminator(x)) - d0).max() > 1e-3
    # Coarse images are shown upsampled: 8x8 blocks of equal pixels at stage 1.
    images = np.asarray(model.generator(z))
    np.testing.assert_array_equal(images, np.repeat(np.repeat(images[:, ::4, ::4], 4, 1), 4, 2))


def test_real_images_are_blended_between_resolutions_during_a_fade():
    model = progan()
    x = np.random.default_rng(2).uniform(-1, 1, (2, 32, 32, 1)).astype("float32")

    def at(side):  # average-pooled to `side`, then nearest-upsampled to 32
        factor = 32 // side
        pooled = x.reshape(2, side, factor, side, factor, 1).mean(axis=(2, 4))
        return np.repeat(np.repeat(pooled, factor, 1), factor, 2)

    np.testing.assert_allclose(model.blend_reals(x, 1.0), at(4), atol=1e-6)
    model.grow_to(1)
    np.testing.assert_allclose(model.blend_reals(x, 0.0), at(4), atol=1e-6)
    np.testing.assert_allclose(model.blend_reals(x, 0.25), 0.75 * at(4) + 0.25 * at(8),
                               atol=1e-6)
    model.grow_to(3)
    np.testing.assert_allclose(model.blend_reals(x, 1.0), x, atol=1e-6)


def test_a_step_after_growth_trains_the_new_blocks_and_leaves_the_others(digits_batches):
    model = progan()
    model.compile()
    model.grow_to(1)
    model.g_optimizer.iterations.assign(3)  # half-way through the 8x8 fade-in
    before = block_weights(model)
    model.train_step(tf.constant(digits_batches[0][:8]))
    after = block_weights(model)
    for path in ("g8_conv0/kernel", "g8_to_rgb/kernel", "g4_to_rgb/kernel", "g4_dense/kernel",
                 "d8_from_rgb/kernel", "d8_conv1/kernel", "d4_from_rgb/kernel", "d4_score/kernel"):
        assert not np.array_equal(before[path], after[path]), path
    for path in ("g16_conv0/kernel", "g32_to_rgb/kernel", "d16_from_rgb/kernel",
                 "d32_conv0/kernel"):
        np.testing.assert_array_equal(before[path], after[path], err_msg=path)


class _Killed(Exception):
    pass


class _DieAfterGrowth(keras.callbacks.Callback):
    """Kills the run at the end of the epoch of its first step at 8x8 (after the
    backup of that epoch), keeping what the model held at that moment."""

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stage == 1:
            self.weights = _state(self.model)
            self.layers = len(self.model.generator.layers)
            raise _Killed  # out of fit: no on_train_end, the backup stays


class _Probe(keras.callbacks.Callback):
    """The resumed model as `fit` starts, after BackupAndRestore restored it."""

    def on_train_begin(self, logs=None):
        self.stage, self.layers = self.model.stage, len(self.model.generator.layers)
        self.alpha = float(self.model.fade.alpha.numpy())
        self.weights = _state(self.model)


def _state(model):
    weights = {key: value for key, value in block_weights(model).items() if key != "alpha"}
    for i, v in enumerate(model.g_optimizer.variables + model.d_optimizer.variables):
        weights[f"optimizer_{i}"] = v.numpy().copy()
    return weights


def test_a_run_killed_right_after_a_growth_resumes_grown_with_its_weights(tmp_path, monkeypatch):
    workdir = tmp_path / "W"
    config = training.resolve_config({
        "model": "progan", "dataset": "digits", "batch_size": 8, "steps_per_epoch": 1,
        "epochs": 4, "steps_per_execution": 1, "jit_compile": False, "seed": 0,
        "model_kwargs": {"latent_dim": 8, "base_filters": 4, "steps_per_phase": 2}})
    callbacks = training.training_callbacks
    killer = _DieAfterGrowth()
    monkeypatch.setattr(training, "training_callbacks",
                        lambda *args: callbacks(*args) + [killer])
    with pytest.raises(_Killed):
        training.train(config, workdir, verbose=0)
    # Killed after epoch 3: steps 0 and 1 at 4x4, step 2 the first at 8x8.
    assert json.loads((workdir / "backup" / "training_metadata.json").read_text())["epoch"] == 3
    assert not os.path.exists(workdir / training.SUMMARY_FILE)

    probe = _Probe()
    monkeypatch.setattr(training, "training_callbacks",
                        lambda *args: callbacks(*args) + [probe])
    result = training.train(config, workdir, verbose=0)
    # The same command, from a fresh 4x4 model: grown to 8x8 before its first step...
    assert probe.stage == 1 and probe.layers == killer.layers > 12
    # ...with exactly the weights and optimizer state of the killed run, and the fade
    # weight of its next step (3: half-way through the 8x8 fade-in).
    assert probe.alpha == 0.5
    assert probe.weights.keys() == killer.weights.keys()
    for key, value in killer.weights.items():
        np.testing.assert_array_equal(probe.weights[key], value, err_msg=key)
    # Then it ran the one epoch left, at 8x8.
    assert result.steps == 4 and result.model.stage == 1
    assert len(result.history["d_loss"]) == 1


def test_keras_file_at_a_grown_stage_round_trips(tmp_path, digits_batches):
    model = progan(steps_per_phase=1)
    model.compile(steps_per_execution=1)
    model.g_optimizer.iterations.assign(3)  # fit grows to 16x16 before its first step
    model.fit(fixed_dataset(*digits_batches), epochs=1, steps_per_epoch=1, verbose=0)
    assert model.stage == 2 and model.get_config()["stage"] == 2
    path = str(tmp_path / "progan.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.stage == 2 and layer_names(loaded.generator) == layer_names(model.generator)
    assert layer_names(loaded.discriminator) == layer_names(model.discriminator)
    original, restored = block_weights(model), block_weights(loaded)
    for key, value in original.items():
        np.testing.assert_array_equal(restored[key], value, err_msg=key)
    z = np.random.default_rng(0).standard_normal((3, 8)).astype("float32")
    np.testing.assert_allclose(loaded.generator(z), model.generator(z), atol=1e-6)
    assert int(loaded.g_optimizer.iterations) == 4
    assert float(loaded.fade.alpha.numpy()) == float(model.fade.alpha.numpy()) == 0.0
    # A model built from the config alone has the same grown architecture.
    copy = ProGAN.from_config(model.get_config())
    assert copy.stage == 2 and len(copy.generator.layers) == len(model.generator.layers)


def test_networks_use_the_papers_layers_and_optimizer():
    model = progan()
    model.grow_to(3)
    generator = [type(layer) for layer in model.generator.layers]
    discriminator = [type(layer) for layer in model.discriminator.layers]
    assert generator.count(kerasgan_layers.PixelNorm) == 1 + 2 * 4  # z, then 2 per resolution
    # Two 3x3 convolutions per resolution (one at 4x4, after the dense layer), and
    # the toRGB layers of 32x32 and 16x16 (fading out, alpha = 1).
    assert generator.count(kerasgan_layers.EqualizedConv2D) == 2 * 4 - 1 + 2
    assert kerasgan_layers.EqualizedDense in generator
    assert discriminator.count(kerasgan_layers.MinibatchStdDev) == 1
    assert discriminator.count(kerasgan_layers.EqualizedConv2D) == 2 * 4 - 1 + 2
    assert discriminator.count(kerasgan_layers.EqualizedDense) == 2
    for layer_type in (keras.layers.Conv2D, keras.layers.Dense, keras.layers.BatchNormalization):
        assert layer_type not in generator + discriminator
    model.compile()
    adam = model.g_optimizer
    assert (float(adam.learning_rate), float(adam.beta_1), float(adam.beta_2)) == (
        pytest.approx(1e-3), 0.0, pytest.approx(0.99))
    # The optimizers own every resolution's weights from the start.
    assert len(model.d_optimizer._trainable_variables) == len(
        model.player_weights("discriminator")) > len(progan().discriminator.trainable_weights)


def test_discriminator_loss_is_wasserstein_plus_penalty_plus_drift(digits_batches):
    model = progan(drift_weight=0.5)
    model.compile()
    real = tf.constant(digits_batches[0][:8])
    scores = np.asarray(model.discriminator(model.blend_reals(real, 1.0), training=True))
    logs = model.train_step(real)
    assert float(logs["drift"]) == pytest.approx(0.5 * np.mean(scores ** 2), rel=1e-4)
    assert float(logs["d_loss"]) == pytest.approx(
        -float(logs["wasserstein_distance"]) + float(logs["gradient_penalty"])
        + float(logs["drift"]), rel=1e-5)
    assert float(logs["gradient_penalty"]) > 0 and float(logs["resolution"]) == 4


@pytest.mark.parametrize("kwargs, message", [
    ({"steps_per_phase": 0}, "steps_per_phase=0"),
    ({"base_filters": -4}, "base_filters=-4"),
    ({"stage": 4}, "stage=4"),
    ({"image_shape": (24, 24, 1)}, r"image_shape=\(24, 24, 1\)"),
    ({"drift_weight": -1.0}, "drift_weight=-1.0"),
    ({"ema_decay": 0.99}, "ema_decay=0.99"),
    ({"diffaugment": "translation"}, "diffaugment='translation'"),
    ({"replay_buffer_size": 8}, "replay_buffer_size=8"),
])
def test_bad_arguments_raise_naming_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        if "stage" in kwargs:
            ProGAN(latent_dim=8, base_filters=4, **kwargs)
        else:
            progan(**kwargs)


def test_grow_to_checks_the_stage():
    model = progan()
    with pytest.raises(ValueError, match="stage=5"):
        model.grow_to(5)
    assert model.stage == 0


def test_registered_with_the_papers_defaults():
    defaults = kerasgan.registry.model_defaults("progan")
    assert defaults["gp_weight"] == 10.0 and defaults["drift_weight"] == 0.001
    assert defaults["n_critic"] == 1 and defaults["minibatch_group_size"] == 4


def test_a_fully_grown_generator_exports_to_litert_with_builtin_ops(tmp_path):
    """After growth every upsampling keeps static shapes, so the LiteRT file converts
    with builtin ops and reproduces the SavedModel; int8 is skipped, with its reason."""
    model = kerasgan.create_model("progan", latent_dim=8, base_filters=4, steps_per_phase=1)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    dataset = tf.data.Dataset.from_tensors((images, np.zeros(8, "int32"))).repeat()
    model.fit(dataset, epochs=1, steps_per_epoch=8, verbose=0)
    assert model.resolution == 32
    export_dir = str(tmp_path / "progan")
    export.export_generator(model, export_dir, formats=("float32", "int8"))
    report = export.verify(export_dir)
    assert report["ok"], report["problems"]
    formats = {artifact["format"] for artifact in report["artifacts"].values()}
    assert "float32" in formats and "int8" not in formats
    with open(os.path.join(export_dir, "model_card.json")) as handle:
        assert "pixel norm" in json.load(handle)["skipped_formats"]["int8"]
    assert all(not artifact["flex_ops"] for artifact in report["artifacts"].values())
