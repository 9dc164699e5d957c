"""pix2pix (Isola et al. 2017): the L1 term, the U-Net's skips, the conditioned PatchGAN,
the uint8 export, argument checks, training wiring and the command line.

Models are test-sized (`base_filters=4`, batches of 8, one to three steps)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, image_summaries
from kerasgan import evaluation, export, losses, training
from kerasgan.images import from_uint8, to_uint8


def tiny(**overrides):
    return kerasgan.create_model("pix2pix", **{"base_filters": 4, "seed": 0, **overrides})


@pytest.fixture(scope="module")
def pairs():
    """Eight training pairs (edge map, digit), float32 in [-1, 1]."""
    return kerasgan.evaluation.example_pairs(tiny(), 8, split="train")


def _l1_after_steps(model, sources, targets, steps=3):
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    logs = [model.train_step((tf.constant(sources), tf.constant(targets)))
            for _ in range(steps)]
    # Training mode (batch statistics) with dropout 0: deterministic, and what the
    # step optimized.
    outputs = model.generator(sources, training=True)
    return float(losses.l1_loss(outputs, targets)), logs


def test_l1_term_pulls_translations_to_their_targets(pairs):
    sources, targets = pairs
    keras.utils.set_random_seed(0)
    with_l1 = tiny(dropout=0.0)
    without_l1 = tiny(dropout=0.0, l1_weight=0.0)
    without_l1.generator.set_weights(with_l1.generator.get_weights())
    without_l1.discriminator.set_weights(with_l1.discriminator.get_weights())
    before = float(losses.l1_loss(with_l1.generator(sources, training=True), targets))
    l1, logs = _l1_after_steps(with_l1, sources, targets)
    gan_only, _ = _l1_after_steps(without_l1, sources, targets)
    assert l1 < before and l1 < gan_only, (before, l1, gan_only)
    for step in logs:
        assert all(np.isfinite(float(value)) for value in step.values())
    # The logged total is the GAN term plus 100 times the L1 term (running means of
    # the same steps, so the sum holds for them too).
    last = {key: float(value) for key, value in logs[-1].items()}
    assert last["g_loss"] == pytest.approx(last["gan_loss"] + 100.0 * last["l1_loss"], rel=1e-5)
    assert len({round(float(step["l1_loss"]), 6) for step in logs}) > 1  # it moves


def test_unet_has_skip_connections_and_each_output_region_follows_its_input_region(pairs):
    model = tiny()
    skips = [layer for layer in model.generator.layers if layer.name.startswith("skip_")]
    # 32x32 down to 1x1 is five stride-2 convolutions: four skips join the decoder.
    assert len(skips) == 4
    sources = pairs[0][:2]
    changed = sources.copy()
    changed[:, :8, :8] = -changed[:, :8, :8]  # flip the top-left corner only
    difference = np.abs(model.translate(changed) - model.translate(sources))
    assert difference.max() > 0  # the output depends on the input
    # The skips carry the change straight to the same place; the far corner sees it
    # only through the 1x1 bottleneck.
    assert difference[:, :8, :8].mean() > 5 * difference[:, 24:, 24:].mean()


def test_discriminator_is_conditioned_on_the_source_image(pairs):
    model = tiny()
    sources, targets = pairs
    assert [t.name for t in model.discriminator.inputs] == ["images", "sources"]
    assert model.discriminator.output_shape == (None, 8, 8, 1)  # 34x34 patches at 32x32
    logits = model.discriminator([targets, sources], training=False)
    other = model.discriminator([targets, sources[::-1]], training=False)
    assert not np.allclose(logits, other)
    np.testing.assert_array_equal(logits, model.discriminator([targets, sources],
                                                              training=False))


@pytest.mark.parametrize("side, patches", [(64, 8), (256, 32)])
def test_larger_images_use_the_70x70_patchgan(side, patches):
    model = tiny(image_shape=(side, side, 3))
    assert model.patch_layers == 3
    assert model.generator.output_shape == (None, side, side, 3)
    assert model.discriminator.output_shape == (None, patches, patches, 1)


def test_export_saved_model_and_litert_agree_on_uint8_images(tmp_path, pairs):
    model = tiny()
    paths = export.export_generator(model, tmp_path / "p2p", latency_runs=0, verbose=False)
    assert paths["verification"]["ok"], paths["verification"]["problems"]
    assert "int8" not in paths
    card = export.load_model_card(tmp_path / "p2p")
    assert card["skipped_formats"]["int8"] == model.int8_skip_reason
    io = card["saved_model"]["signatures"]["serving_default"]
    assert io["inputs"] == {"images": {"dtype": "uint8", "shape": [None, 32, 32, 1]}}
    assert io["outputs"] == {"images": {"dtype": "uint8", "shape": [None, 32, 32, 1]}}

    edges = np.asarray(to_uint8(pairs[0][:4]))
    saved = export.run_saved_model(paths["saved_model"], {"images": edges})["images"]
    assert saved.dtype == np.uint8 and saved.shape == (4, 32, 32, 1)
    expected = np.asarray(to_uint8(model.translate(from_uint8(edges))))
    assert np.max(np.abs(saved.astype(int) - expected.astype(int))) <= 1
    for fmt, tolerance in (("float32", 2), ("float16", 16)):
        lite = export.run_tflite(paths[fmt], {"images": edges})["images"]
        assert lite.dtype == np.uint8
        assert np.max(np.abs(lite.astype(int) - saved.astype(int))) <= tolerance, fmt


@pytest.mark.parametrize("kwargs, message", [
    ({"l1_weight": -1.0}, "l1_weight=-1.0"),
    ({"image_shape": (48, 48, 1)}, r"image_shape=\(48, 48, 1\)"),
    ({"image_shape": (32, 64, 1)}, r"image_shape=\(32, 64, 1\)"),
    ({"patch_layers": 5}, "patch_layers=5"),
    ({"dropout": 1.0}, "dropout=1.0"),
    ({"diffaugment": "translation"}, "diffaugment='translation'"),
    ({"replay_buffer_size": 8}, "replay_buffer_size=8"),
])
def test_bad_arguments_raise_naming_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny(**kwargs)


def test_translate_and_generate_explain_what_they_take(pairs):
    model = tiny()
    with pytest.raises(ValueError, match="translate"):
        model.generate(4)
    with pytest.raises(ValueError, match=r"\[n, 32, 32, 1\].*\(4, 16, 16, 1\)"):
        model.translate(np.zeros((4, 16, 16, 1), np.float32))
    np.testing.assert_allclose(model.translate(np.asarray(to_uint8(pairs[0]))),
                               model.translate(pairs[0]), atol=1e-2)
    with pytest.raises(ValueError, match="pairs"):
        model.train_step(tf.constant(pairs[0]))


def test_training_defaults_to_the_models_pair_dataset_and_refuses_mismatches():
    config = training.resolve_config({"model": "pix2pix"})
    assert config["dataset"] == "digits_edges" and config["name"] == "pix2pix_digits_edges"
    assert training.resolve_config({"model": "dcgan"})["dataset"] == "digits"
    model = training.build_model({**config, "model_kwargs": {"base_filters": 4}})
    sources, targets = next(iter(training.training_dataset({**config, "batch_size": 2}, model)))
    assert sources.shape == targets.shape == (2, 32, 32, 1)
    with pytest.raises(ValueError, match="pairs of images.*dataset='digits'"):
        training.build_model(training.resolve_config(
            {"model": "pix2pix", "dataset": "digits", "model_kwargs": {"base_filters": 4}}))
    with pytest.raises(ValueError, match="dataset='digits_edges'"):
        training.build_model(training.resolve_config(
            {"model": "dcgan", "dataset": "digits_edges", "model_kwargs": {"base_filters": 4}}))


def test_translation_metrics_measure_translations_against_targets():
    model = tiny()
    sources, targets = kerasgan.evaluation.example_pairs(model, 40)
    pixels = lambda x: np.reshape(x, (len(x), -1))[:, ::16]  # noqa: E731
    metrics = evaluation.translation_metrics(model, sources, targets, features=pixels,
                                             kid_subset_size=10, kid_subsets=5)
    translations = model.translate(sources)
    assert metrics["translation_l1"] == pytest.approx(np.mean(np.abs(translations - targets)))
    assert metrics["num_pairs"] == 40 and metrics["frechet_distance"] > 0
    with pytest.raises(ValueError, match="40 sources and 39 targets"):
        evaluation.translation_metrics(model, sources, targets[:39], features=pixels)
    with pytest.raises(ValueError, match="does not translate"):
        evaluation.translation_metrics(kerasgan.create_model("dcgan", base_filters=4),
                                       sources, targets, features=pixels)


def _script(name, *args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, os.path.join(REPO_ROOT, "scripts", name), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """The issue's smoke command, run once: `(result, workdir, export_dir)`."""
    root = tmp_path_factory.mktemp("pix2pix_cli")
    workdir, export_dir = root / "W", root / "E"
    result = _script("train.py", "--model=pix2pix", "--epochs=1", "--steps_per_epoch=2",
                     "--batch_size=8", f"--workdir={workdir}", f"--export_dir={export_dir}",
                     cwd=root)
    return result, workdir, export_dir


def test_cli_smoke_command_trains_logs_triplet_grids_and_exports(smoke_run):
    result, workdir, export_dir = smoke_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert "pix2pix on digits_edges" in result.stdout and "verify: OK" in result.stdout
    assert [tag for _, tag, _ in image_summaries(str(workdir / "logs"))] == ["samples"]
    # 16 held-out pairs as (edges, translation, digit) triplets, four per row.
    grid = tf.io.decode_png(tf.io.read_file(str(workdir / "samples" / "epoch_0001.png")))
    assert tuple(grid.shape) == (4 * 33 + 1, 12 * 33 + 1, 1)
    for suffix in (".tflite", ".fp16.tflite"):
        assert os.path.isfile(export_dir / f"E{suffix}")
    assert not os.path.exists(export_dir / "E.int8.tflite")


def test_exported_translator_runs_the_files_like_the_model(smoke_run, pairs):
    _, workdir, export_dir = smoke_run
    model = keras.models.load_model(str(workdir / "checkpoints" / "last.keras"))
    sources = pairs[0][:3]
    expected = np.asarray(from_uint8(to_uint8(model.translate(sources))))
    for fmt in ("saved_model", "float32", "float16"):
        translator = export.ExportedTranslator(export_dir, format=fmt)
        assert translator.source_shape == translator.image_shape == (32, 32, 1)
        # Within a few uint8 levels of the Python model (float16 stores half weights).
        diff = np.abs(translator.translate(sources) - expected).max() * 127.5
        assert diff <= (16 if fmt == "float16" else 2), (fmt, diff)
    with pytest.raises(ValueError, match=r"shape \[n, 32, 32, 1\].*\(3, 32, 32, 3\)"):
        translator.translate(np.zeros((3, 32, 32, 3), np.float32))
    with pytest.raises(FileNotFoundError, match="No int8 .tflite"):
        export.ExportedTranslator(export_dir, format="int8")
    with pytest.raises(ValueError, match="does not translate images"):
        export.ExportedTranslator(os.path.join(REPO_ROOT, "exported", "dcgan_digits"))


@pytest.mark.slow
def test_sample_and_evaluate_scripts_translate_held_out_sources(smoke_run):
    _, workdir, export_dir = smoke_run
    root = export_dir.parent
    result = _script("sample.py", f"--export_dir={export_dir}", "--format=float16",
                     "--num_images=4", "--out=grid.png", cwd=root)
    assert result.returncode == 0, result.stderr[-2000:]
    # One row of four (edges, translation, digit) triplets.
    grid = tf.io.decode_png(tf.io.read_file(str(root / "grid.png")))
    assert tuple(grid.shape) == (33 + 1, 12 * 33 + 1, 1)
    result = _script("sample.py", f"--export_dir={export_dir}", "--label=3", cwd=root)
    assert result.returncode != 0
    assert "translates images and takes no --label" in result.stderr

    result = _script("evaluate.py", f"--export_dir={export_dir}", "--out=eval.json", cwd=root)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((root / "eval.json").read_text())
    assert report["dataset"] == "digits_edges" and report["num_samples"] == 360
    metrics = report["metrics"]
    assert 0.0 < metrics["translation_l1"] < 2.0 and metrics["frechet_distance"] > 0
    assert 0.0 <= metrics["class_agreement"] <= 1.0
    result = _script("evaluate.py", f"--workdir={workdir}", "--dataset=digits", cwd=root)
    assert result.returncode != 0
    assert "measured on a pair dataset" in result.stderr and "--dataset=digits" in result.stderr


def test_tfds_edges_pairs_are_the_edge_maps_of_their_images():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=4):
        info = kerasgan.data.info("mnist_edges")
        sources, targets = next(iter(kerasgan.data.load_pairs("mnist_edges", batch_size=2,
                                                              image_size=32)))
    assert info.source_shape == info.image_shape == (28, 28, 1)
    assert sources.shape == targets.shape == (2, 32, 32, 1)
    levels = np.asarray(to_uint8(targets))
    np.testing.assert_allclose(sources.numpy(),
                               np.asarray(from_uint8(kerasgan.data.edge_maps(levels))), atol=1e-6)
