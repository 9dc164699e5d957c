"""SRGAN (Ledig et al. 2017): x4 shapes, the sub-pixel shuffle, the content losses, the
adversarial weight, the unconditional discriminator, PSNR/SSIM, the uint8 export,
argument checks, the x4 tfds pairs and the command line.

Models are test-sized (`base_filters=4`, one residual block, batches of 4 to 8)."""

import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, image_summaries
from kerasgan import evaluation, export, io_utils, losses
from kerasgan.images import from_uint8, to_uint8
from kerasgan.models import srgan as srgan_module


def tiny(**overrides):
    """A test-sized SRGAN; the content loss fixed so that tests do not depend on whether
    the machine has the VGG19 weights (the "auto" tests ask for it)."""
    return kerasgan.create_model("srgan", **{"base_filters": 4, "num_residual_blocks": 1,
                                             "content_loss": "discriminator", "seed": 0,
                                             **overrides})


@pytest.fixture(scope="module")
def pairs():
    """Eight training pairs (24x24x3 low-, 96x96x3 high-resolution), float32 in [-1, 1]."""
    return kerasgan.evaluation.example_pairs(tiny(), 8, split="train")


@pytest.fixture
def no_vgg_weights(tmp_path, monkeypatch):
    """An empty Keras cache, wherever the machine keeps its own; returns the path where
    the VGG19 weights would be."""
    cache = str(tmp_path / "keras" / "models")
    monkeypatch.setattr(io_utils, "keras_cache_dirs", lambda: [cache])
    return os.path.join(cache, srgan_module.VGG19_WEIGHTS_FILE)


def test_generator_upsamples_4x_with_two_subpixel_blocks_and_prelu():
    model = tiny()
    assert model.source_shape == (24, 24, 3) and model.image_shape == (96, 96, 3)
    assert model.generator.input_shape == (None, 24, 24, 3)
    assert model.generator.output_shape == (None, 96, 96, 3)
    shuffles = [layer for layer in model.generator.layers
                if isinstance(layer, srgan_module.SubPixelUpsampling)]
    assert [layer.scale for layer in shuffles] == [2, 2]
    # One PReLU slope per channel, not per pixel.
    prelu = model.generator.get_layer("head_prelu")
    assert prelu.get_weights()[0].shape == (1, 1, 4)
    x8 = tiny(scale=8, image_shape=(64, 64, 1))
    assert x8.source_shape == (8, 8, 1) and x8.generator.output_shape == (None, 64, 64, 1)
    assert sum(isinstance(layer, srgan_module.SubPixelUpsampling)
               for layer in x8.generator.layers) == 3


def test_subpixel_upsampling_is_depth_to_space_by_hand():
    scale, channels = 2, 3
    inputs = np.arange(2 * 2 * 3 * scale * scale * channels, dtype=np.float32).reshape(
        2, 2, 3, scale * scale * channels)
    outputs = np.asarray(srgan_module.SubPixelUpsampling(scale)(inputs))
    expected = np.zeros((2, 4, 6, channels), np.float32)
    for b in range(2):
        for h in range(2):
            for w in range(3):
                for i in range(scale):
                    for j in range(scale):
                        for c in range(channels):
                            expected[b, h * scale + i, w * scale + j, c] = inputs[
                                b, h, w, (i * scale + j) * channels + c]
    np.testing.assert_array_equal(outputs, expected)
    with pytest.raises(ValueError, match="scale=1"):
        srgan_module.SubPixelUpsampling(1)


def _bilinear(sources, size):
    return np.clip(tf.image.resize(sources, size, "bilinear"), -1.0, 1.0)


def test_upsampled_skip_generator_starts_as_bilinear_upsampling(pairs):
    sources, targets = pairs[0][:4], pairs[1][:4]
    paper = tiny()
    assert not paper.upsampled_skip and paper.generator.get_layer("tanh")
    assert not any(isinstance(layer, keras.layers.Resizing) for layer in paper.generator.layers)
    model = tiny(upsampled_skip=True)
    assert model.get_config()["upsampled_skip"] and model.serving_spec().details["upsampled_skip"]
    np.testing.assert_array_equal(model.generator.get_layer("to_image").get_weights()[0], 0.0)
    np.testing.assert_allclose(model.translate(sources), _bilinear(sources, (96, 96)),
                               atol=1e-5)
    # Another scale and channel count; the skip is float32 under mixed precision too.
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        x8 = tiny(upsampled_skip=True, scale=8, image_shape=(64, 64, 1))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    grey = sources[:, :8, :8, :1]
    outputs = x8.generator(grey, training=False)
    assert outputs.dtype == "float32" and outputs.shape == (4, 64, 64, 1)
    np.testing.assert_allclose(outputs, _bilinear(grey, (64, 64)), atol=1e-5)
    # The zero-initialized residual convolution learns from the first step on.
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3))
    model.train_step((tf.constant(sources), tf.constant(targets)))
    assert np.any(model.generator.get_layer("to_image").get_weights()[0] != 0.0)
    assert not np.allclose(model.translate(sources), _bilinear(sources, (96, 96)), atol=1e-5)


def test_upsampled_skip_survives_save_and_load(tmp_path, pairs):
    sources, targets = (tf.constant(a[:4]) for a in pairs)
    model = tiny(upsampled_skip=True)
    model.compile()
    model.train_step((sources, targets))
    path = str(tmp_path / "skip.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.upsampled_skip is True and loaded.generator.get_layer("bilinear_upsample")
    np.testing.assert_allclose(loaded.translate(sources), model.translate(sources), atol=1e-6)
    assert tiny().get_config()["upsampled_skip"] is False


def test_discriminator_is_unconditional_and_exposes_its_last_block_features(pairs):
    model = tiny()
    sources, targets = pairs
    assert [t.name for t in model.discriminator.inputs] == ["images"]
    assert model.discriminator_inputs(targets, sources) is targets
    logits, features = model.discriminator(targets, training=False)
    assert logits.shape == (8, 1) and features.shape == (8, 6, 6, 32)
    # Paper widths at base_filters=64: 64, 64, 128, 128, ..., 512, then dense 1024.
    paper = srgan_module.vgg_discriminator((96, 96, 3), 64)
    widths = [paper.get_layer(f"conv_{i}").filters for i in range(8)]
    assert widths == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [paper.get_layer(f"conv_{i}").strides[0] for i in range(8)] == [1, 2] * 4
    assert paper.get_layer("dense").units == 1024


def _content_after_steps(model, sources, targets, steps=4):
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.9))
    return [{key: float(value) for key, value in model.train_step(
        (tf.constant(sources), tf.constant(targets))).items()} for _ in range(steps)]


@pytest.mark.parametrize("content_loss", ["discriminator", "mse"])
def test_content_losses_are_finite_and_fall_on_a_fixed_batch(content_loss, pairs):
    keras.utils.set_random_seed(0)
    model = tiny(content_loss=content_loss)
    assert model.content_loss == content_loss and model.content_network() is None
    sources, targets = pairs[0][:4], pairs[1][:4]
    before = float(losses.mse_loss(model.generator(sources, training=True), targets))
    logs = _content_after_steps(model, sources, targets)
    for step in logs:
        assert all(np.isfinite(value) for value in step.values()), step
    after = float(losses.mse_loss(model.generator(sources, training=True), targets))
    assert after < before, (before, after)
    # The logged content loss (a running mean over the steps) falls below the first step's.
    assert logs[-1]["content_loss"] < logs[0]["content_loss"], logs
    # Running means over the steps: each step's g_loss is content + 1e-3 adversarial.
    last = logs[-1]
    assert last["g_loss"] == pytest.approx(
        last["content_loss"] + 1e-3 * last["adversarial_loss"], rel=1e-5)
    if content_loss == "mse":
        assert last["content_loss"] == pytest.approx(last["pixel_mse"], rel=1e-5)
    else:  # pixel MSE plus D-feature matching
        assert last["content_loss"] > last["pixel_mse"]


def test_auto_content_loss_falls_back_to_discriminator_features(no_vgg_weights):
    model = tiny(content_loss="auto")
    assert model.requested_content_loss == "auto" and model.content_loss == "discriminator"
    # The resolved choice is saved, and the model card records it.
    assert model.get_config()["content_loss"] == "discriminator"
    assert model.serving_spec().details["content_loss"] == "discriminator"


def test_vgg_content_loss_without_weights_names_the_expected_path(no_vgg_weights):
    with pytest.raises(ValueError, match=r"content_loss='vgg'") as error:
        tiny(content_loss="vgg")
    assert no_vgg_weights in str(error.value)


def test_vgg_content_loss_reads_cached_weights_and_uses_caffe_inputs(tmp_path, monkeypatch):
    """With a VGG19 weights file in the Keras cache (random weights here), "auto"
    picks VGG54 and the content loss is the rescaled feature MSE of caffe inputs."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    cache = tmp_path / "keras" / "models"
    cache.mkdir(parents=True)
    path = str(cache / srgan_module.VGG19_WEIGHTS_FILE)
    vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(32, 32, 3))
    with h5py.File(path, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, vgg)
    monkeypatch.setattr(io_utils, "keras_cache_dirs", lambda: [str(cache)])
    model = tiny(image_shape=(32, 32, 3), content_loss="auto")
    assert model.content_loss == "vgg" and model.vgg_weights_path == path
    assert not model.content_network().trainable_weights
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    others = images[::-1].copy()
    pixels = keras.applications.vgg19.preprocess_input((images + 1.0) * 127.5)
    features = keras.Model(vgg.input, vgg.get_layer("block5_conv4").output)
    expected = np.mean(np.square(
        (np.asarray(features(pixels)) - np.asarray(features(
            keras.applications.vgg19.preprocess_input((others + 1.0) * 127.5)))) / 12.75))
    assert float(model.content_term(images, others)) == pytest.approx(expected, rel=1e-4)
    assert expected > 0
    # The frozen VGG is neither trained nor saved with the model.
    model.compile()
    assert ({id(w) for w in model.player_weights("generator")}
            == {id(w) for w in model.generator.trainable_weights})
    assert not any("block5_conv4" in w.path for w in model.weights)
    logs = model.train_step((tf.constant(images[:, ::4, ::4]), tf.constant(images)))
    assert all(np.isfinite(float(value)) for value in logs.values())


def test_adversarial_weight_zero_makes_the_generator_step_independent_of_d(pairs):
    sources, targets = (tf.constant(a[:4]) for a in pairs)
    first = tiny(content_loss="mse", adversarial_weight=0.0)
    other_d = tiny(content_loss="mse", adversarial_weight=0.0, seed=1)
    other_d.generator.set_weights(first.generator.get_weights())
    other_d.discriminator.set_weights([w * 2.0 + 0.1 for w in
                                       first.discriminator.get_weights()])
    for model in (first, other_d):
        model.compile(g_optimizer=keras.optimizers.SGD(0.1))
        model.train_step((sources, targets))
    for a, b in zip(first.generator.get_weights(), other_d.generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # With the paper's weight the same two discriminators steer G differently.
    paper = tiny(content_loss="mse")
    paper_other_d = tiny(content_loss="mse", seed=1)
    paper_other_d.generator.set_weights(paper.generator.get_weights())
    paper_other_d.discriminator.set_weights([w * 2.0 + 0.1 for w in
                                             paper.discriminator.get_weights()])
    for model in (paper, paper_other_d):
        model.compile(g_optimizer=keras.optimizers.SGD(0.1))
        model.train_step((sources, targets))
    assert any(not np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(
        paper.generator.get_weights(), paper_other_d.generator.get_weights()))


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": 3}, "scale=3"),
    ({"scale": 1}, "scale=1"),
    ({"num_residual_blocks": 0}, "num_residual_blocks=0"),
    ({"base_filters": 0}, "base_filters=0"),
    ({"content_loss": "perceptual"}, "content_loss='perceptual'"),
    ({"adversarial_weight": -1.0}, "adversarial_weight=-1.0"),
    ({"image_shape": (90, 90, 3)}, r"image_shape=\(90, 90, 3\)"),
    ({"source_shape": (32, 32, 3)}, r"source_shape=\(32, 32, 3\)"),
    ({"source_shape": (24, 24, 1)}, r"source_shape=\(24, 24, 1\)"),
    ({"diffaugment": "translation"}, "diffaugment='translation'"),
    ({"upsampled_skip": "yes"}, "upsampled_skip='yes'"),
    ({"upsampled_skip": 1}, "upsampled_skip=1"),
])
def test_bad_arguments_raise_naming_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny(**kwargs)


def test_super_resolution_metrics_by_hand():
    model = tiny()
    sources, targets = kerasgan.evaluation.example_pairs(model, 6)
    metrics = evaluation.super_resolution_metrics(model, sources, targets, batch_size=4)
    high = np.asarray(to_uint8(targets))
    outputs = np.asarray(to_uint8(model.translate(sources)))
    bicubic = np.asarray(to_uint8(np.clip(tf.image.resize(sources, (96, 96), "bicubic"),
                                          -1, 1)))

    def psnr(a, b):
        mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2, axis=(1, 2, 3))
        return np.mean(10 * np.log10(255.0**2 / mse))

    assert metrics["psnr"] == pytest.approx(psnr(outputs, high), rel=1e-4)
    assert metrics["bicubic_psnr"] == pytest.approx(psnr(bicubic, high), rel=1e-4)
    assert metrics["bicubic_ssim"] == pytest.approx(
        float(np.mean(tf.image.ssim(bicubic, high, 255))), rel=1e-5)
    assert metrics["psnr_gain"] == pytest.approx(metrics["psnr"] - metrics["bicubic_psnr"])
    assert metrics["ssim_gain"] == pytest.approx(metrics["ssim"] - metrics["bicubic_ssim"])
    # An untrained generator is far worse than bicubic upsampling.
    assert metrics["bicubic_psnr"] > metrics["psnr"] + 3 and metrics["num_pairs"] == 6


def test_super_resolution_metrics_of_a_perfect_model_are_capped_and_checked():
    class Perfect:
        """Translates by looking up the target (a perfect super-resolver)."""
        image_input = True
        name = "perfect"

        def __init__(self, sources, targets):
            self.table = {s.tobytes(): t for s, t in zip(sources, targets)}

        def translate(self, images, batch_size=256):
            return np.stack([self.table[s.tobytes()] for s in np.asarray(images)])

    high = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 3)).astype(np.uint8)
    low = np.asarray(kerasgan.data.downsample(high, 4))
    model = Perfect(np.asarray(from_uint8(low)), np.asarray(from_uint8(high)))
    metrics = evaluation.super_resolution_metrics(model, low, high)
    assert metrics["psnr"] == evaluation.MAX_PSNR and metrics["ssim"] == pytest.approx(1.0)
    assert np.isfinite(metrics["psnr_gain"]) and metrics["psnr_gain"] > 0
    with pytest.raises(ValueError, match="3 sources and 2 targets"):
        evaluation.super_resolution_metrics(model, low, high[:2])
    with pytest.raises(ValueError, match="does not translate"):
        evaluation.super_resolution_metrics(kerasgan.create_model("dcgan", base_filters=4),
                                            low, high)
    with pytest.raises(ValueError, match="11x11"):
        evaluation.super_resolution_metrics(model, low[:, :2, :2], high[:, :8, :8])


def test_export_saved_model_and_litert_agree_on_uint8_images(tmp_path, pairs):
    model = tiny()
    paths = export.export_generator(model, tmp_path / "sr", latency_runs=0, verbose=False)
    assert paths["verification"]["ok"], paths["verification"]["problems"]
    assert "int8" not in paths
    card = export.load_model_card(tmp_path / "sr")
    assert card["details"]["content_loss"] == "discriminator"
    io = card["saved_model"]["signatures"]["serving_default"]
    assert io["inputs"] == {"images": {"dtype": "uint8", "shape": [None, 24, 24, 3]}}
    assert io["outputs"] == {"images": {"dtype": "uint8", "shape": [None, 96, 96, 3]}}
    ops = export.tflite_ops(paths["float32"])
    assert "DEPTH_TO_SPACE" in ops and not any(op.startswith("Flex") for op in ops)

    low = np.asarray(to_uint8(pairs[0][:3]))
    saved = export.run_saved_model(paths["saved_model"], {"images": low})["images"]
    assert saved.dtype == np.uint8 and saved.shape == (3, 96, 96, 3)
    expected = np.asarray(to_uint8(model.translate(from_uint8(low))))
    assert np.max(np.abs(saved.astype(int) - expected.astype(int))) <= 1
    for fmt, tolerance in (("float32", 2), ("float16", 16)):
        lite = export.run_tflite(paths[fmt], {"images": low})["images"]
        assert lite.dtype == np.uint8
        assert np.max(np.abs(lite.astype(int) - saved.astype(int))) <= tolerance, fmt


def test_export_with_upsampled_skip_resizes_with_the_litert_builtin(tmp_path, pairs):
    model = tiny(upsampled_skip=True)
    # A nonzero residual, so that the export checks more than the bilinear path.
    to_image = model.generator.get_layer("to_image")
    rng = np.random.default_rng(0)
    to_image.set_weights([rng.normal(0, 0.05, w.shape).astype(np.float32)
                          for w in to_image.get_weights()])
    paths = export.export_generator(model, tmp_path / "sr", latency_runs=0, verbose=False)
    assert paths["verification"]["ok"], paths["verification"]["problems"]
    assert export.load_model_card(tmp_path / "sr")["details"]["upsampled_skip"] is True
    ops = export.tflite_ops(paths["float32"])
    assert "RESIZE_BILINEAR" in ops and not any(op.startswith("Flex") for op in ops), ops
    low = np.asarray(to_uint8(pairs[0][:3]))
    saved = export.run_saved_model(paths["saved_model"], {"images": low})["images"]
    lite = export.run_tflite(paths["float32"], {"images": low})["images"]
    assert np.max(np.abs(lite.astype(int) - saved.astype(int))) <= 2
    bilinear = np.asarray(to_uint8(_bilinear(from_uint8(low), (96, 96))))
    assert np.max(np.abs(saved.astype(int) - bilinear.astype(int))) > 2  # the residual shows


def test_tfds_x4_pairs_are_the_area_downsampled_images():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=4):
        info = kerasgan.data.info("cifar10_x4")
        sources, targets = next(iter(kerasgan.data.load_pairs("cifar10_x4", batch_size=2)))
        resized = next(iter(kerasgan.data.load_pairs("mnist_x4", batch_size=2,
                                                     image_size=32)))
    assert info.image_shape == (32, 32, 3) and info.source_shape == (8, 8, 3)
    assert sources.shape == (2, 8, 8, 3) and targets.shape == (2, 32, 32, 3)
    levels = np.asarray(to_uint8(targets))
    blocks = levels.astype(np.float64).reshape(2, 8, 4, 8, 4, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(np.asarray(to_uint8(sources)), np.round(blocks), atol=1)
    assert resized[0].shape == (2, 8, 8, 1) and resized[1].shape == (2, 32, 32, 1)
    with pytest.raises(ValueError, match="image_size=30"):
        kerasgan.data.load_pairs("mnist_x4", image_size=30)
    # The embedded digits too, offline: 8x8 digits to 32x32 ones.
    assert kerasgan.data.info("digits_x4").source_shape == (8, 8, 1)
    low, high = next(iter(kerasgan.data.load_pairs("digits_x4", batch_size=2)))
    assert low.shape == (2, 8, 8, 1) and high.shape == (2, 32, 32, 1)


@pytest.mark.slow
def test_cli_smoke_command_trains_logs_image_grids_and_exports(tmp_path):
    workdir, export_dir = tmp_path / "W", tmp_path / "E"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "scripts", "train.py"), "--model=srgan",
         "--epochs=1", "--steps_per_epoch=2", "--batch_size=8", f"--workdir={workdir}",
         f"--export_dir={export_dir}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "srgan on sample_patches" in result.stdout and "verify: OK" in result.stdout
    # The content loss "auto" chose is printed (vgg or, without its weights, discriminator).
    assert re.search(r"Model details: content_loss=(vgg|discriminator), .*"
                     r"requested_content_loss=auto", result.stdout), result.stdout[-2000:]
    assert [tag for _, tag, _ in image_summaries(str(workdir / "logs"))] == ["samples"]
    # 16 held-out (low-res, super-resolved, high-res) triplets, four per row.
    grid = tf.io.decode_png(tf.io.read_file(str(workdir / "samples" / "epoch_0001.png")))
    assert tuple(grid.shape) == (4 * 97 + 1, 12 * 97 + 1, 3)
    for suffix in (".tflite", ".fp16.tflite"):
        assert os.path.isfile(export_dir / f"E{suffix}")


def test_zoo_report_tabulates_psnr_and_ssim_next_to_bicubic_for_upsampling_models(
        monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, "scripts"))
    import zoo_report

    assert evaluation.is_super_resolution(tiny())
    assert not evaluation.is_super_resolution(kerasgan.create_model("pix2pix", base_filters=4))
    assert not evaluation.is_super_resolution(kerasgan.create_model("dcgan", base_filters=4))
    metrics = {"translation_l1": 0.1, "psnr": 25.04, "ssim": 0.7512, "bicubic_psnr": 26.0,
               "bicubic_ssim": 0.8}
    details = {"content_loss": "discriminator", "requested_content_loss": "auto"}
    table = zoo_report._readme({"srgan_sample_patches": {"metrics": metrics, "steps": 2,
                                                         "details": details},
                                "pix2pix_digits": {"metrics": {"translation_l1": 0.2}}})
    assert ("- `srgan_sample_patches`: content_loss=discriminator, "
            "requested_content_loss=auto") in table
    lines = table.splitlines()
    header = [cell.strip() for cell in next(line for line in lines
                                             if line.startswith("| recipe")).split("|")]
    column = header.index("PSNR / SSIM (bicubic)")
    cells = {line.split("|")[1].strip(): line.split("|")[column].strip()
             for line in lines if line.startswith("| `")}
    assert cells == {"`srgan_sample_patches`": "25.0 / 0.751 (26.0 / 0.800)",
                     "`pix2pix_digits`": "-"}
