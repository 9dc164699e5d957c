"""text2image (GAN-INT-CLS): captions and their tokenization, the matching-aware loss,
which optimizer trains the text encoder, interpolation, and the string, token and
LiteRT exports agreeing with each other and with the vocabulary file."""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, image_summaries, tiny_model
from kerasgan import data, losses, training
from kerasgan.images import to_uint8

TEXTS = ["the digit 7", "A Thick Handwritten TWO", "a handwritten one", "ünïcode 3 ½!"]


def _text_sensitive(model):
    """`model` with large random generator and encoder weights: an untrained DCGAN
    generator draws nearly the same grey image for every input, which would make the
    comparisons below vacuous."""
    rng = np.random.default_rng(0)
    for network in (model.generator, model.text_encoder):
        for weight in network.trainable_weights:
            if "kernel" in weight.path or "embeddings" in weight.path:
                fan_in = int(np.prod(weight.shape[:-1]))
                weight.assign(rng.normal(0, 2.0 / np.sqrt(fan_in), weight.shape)
                              .astype("float32"))
    return model


@pytest.fixture(scope="module")
def model():
    return _text_sensitive(tiny_model("text2image"))


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    export_dir = tmp_path_factory.mktemp("export") / "t2i"
    # No int8 file: these exaggerated weights saturate it (the generic export test and
    # the recipe's export check the int8 file of realistic weights).
    paths = kerasgan.export.export_generator(model, export_dir, formats=("float32", "float16"),
                                             latency_runs=0, verbose=False)
    assert paths["verification"]["ok"], paths["verification"]["problems"]
    return paths


def _uint8(images):
    return np.asarray(to_uint8(images)).astype(int)


def _digit_named(caption):
    for digit, word in enumerate(data.NUMBER_WORDS):
        if word in caption.split() or str(digit) in caption.split():
            return digit
    raise AssertionError(f"no digit in {caption!r}")


# Captions and tokens ----------------------------------------------------------------------


def test_tokens_of_numpy_and_graph_agree_and_known_text_round_trips():
    texts = TEXTS + ["tab\tand % sign", "x" * data.MAX_CAPTION_LENGTH]
    ids = data.tokenize(texts)
    assert ids.shape == (len(texts), data.MAX_CAPTION_LENGTH) and ids.dtype == np.int32
    np.testing.assert_array_equal(ids, data.tokenize_tensor(tf.constant(texts)).numpy())
    # Uppercase ASCII reads as lowercase; characters outside the vocabulary are unknown
    # (one id per character, so the padding starts where the text ends).
    assert data.detokenize(ids[1:2]) == ["a thick handwritten two"]
    assert data.detokenize(ids[3:5]) == ["?n?code 3 ?!", "tab?and ? sign"]
    assert list(ids[3, :2]) == [data.UNKNOWN_ID, data.CAPTION_VOCABULARY.index("n")]
    assert np.all(ids[0, len(TEXTS[0]):] == data.PADDING_ID) and np.all(ids[0, :11] > 1)
    texts, _, _ = data.caption_bank()
    assert data.detokenize(data.tokenize(texts)) == texts


@pytest.mark.parametrize("text, message", [("", "must not be empty"),
                                           ("x" * 49, "at most 48 characters")])
def test_empty_and_over_long_captions_raise_naming_them(model, exported, text, message):
    for call in (lambda: data.tokenize([text]), lambda: model.generate_from_text([text]),
                 lambda: model.interpolate("a one", text)):
        with pytest.raises(ValueError, match=message) as error:
            call()
        assert repr(text) in str(error.value)
    # The SavedModel checks too, instead of cutting the caption silently.
    with pytest.raises(tf.errors.InvalidArgumentError, match="1 to 48 characters"):
        kerasgan.export.run_saved_model(exported["saved_model"], {
            "text": np.array([text], object), "z": np.zeros((1, 8), np.float32)})


def test_wrong_captions_always_name_another_digit_in_every_style(model):
    labels = tf.constant(np.tile(np.arange(10, dtype=np.int32), 20))
    wrong_digits, thick = set(), 0
    for seed in range(5):
        tokens, wrong = model.wrong_captions(labels, tf.constant([seed, 7]))
        captions = data.detokenize(tokens.numpy())
        named = np.array([_digit_named(c) for c in captions])
        np.testing.assert_array_equal(named, wrong.numpy())
        assert np.all(named != labels.numpy())
        wrong_digits |= {(int(a), int(b)) for a, b in zip(labels.numpy(), named)}
        thick += sum("thick" in c or "bold" in c for c in captions)
    assert len(wrong_digits) == 90  # every other digit, for every digit
    assert thick > 0


def test_caption_dataset_pairs_thick_captions_with_thickened_digits():
    images, labels, thick = data.caption_arrays("test")
    assert len(images) == 480 and thick.sum() == 120
    plain_set = {image.tobytes() for image in images[~thick]}
    thick_set = {image.tobytes() for image in images[thick]}
    dataset = data.load_captions("digits_captions", "test", batch_size=96, shuffle=False)
    epochs = []
    for _ in range(2):  # as `fit` iterates the dataset once per epoch
        captions = []
        for batch, conditions in dataset:
            raw = np.round((batch.numpy() + 1.0) * 127.5).astype(np.uint8)
            texts = data.detokenize(conditions["tokens"].numpy())
            for image, text, label in zip(raw, texts, conditions["label"].numpy()):
                assert _digit_named(text) == label, text
                is_thick = "thick" in text or "bold" in text
                assert image.tobytes() in (thick_set if is_thick else plain_set), text
            captions += texts
        epochs.append(captions)
    assert epochs[0] != epochs[1]  # a fresh template per example and epoch


def test_labels_stand_for_their_captions(model):
    assert data.caption(8) == "a handwritten eight" == model.label_caption(8)
    assert data.caption(8, 4) == "an eight"
    np.testing.assert_allclose(
        model.generate(3, labels=[1, 7, 8], seed=2),
        model.generate_from_text(["a handwritten one", "a handwritten seven",
                                  "a handwritten eight"], seed=2), atol=1e-5)


# Losses and training ------------------------------------------------------------------------


def test_matching_aware_loss_equals_its_hand_computation():
    real, fake, wrong = [2.0, -1.0], [0.5, 1.0], [-3.0, 0.2]

    def softplus(values):
        return np.log1p(np.exp(values))

    # -log s_r - (log(1 - s_w) + log(1 - s_f)) / 2 (Reed et al., Algorithm 1).
    expected = (np.mean(softplus(-np.array(real))) + 0.5 * (
        np.mean(softplus(np.array(wrong))) + np.mean(softplus(np.array(fake)))))
    got = losses.matching_aware_discriminator_loss(np.array(real), np.array(fake),
                                                   np.array(wrong))
    assert float(got) == pytest.approx(expected, rel=1e-6)
    # One-sided smoothing moves only the real term: + s * mean(real logits).
    smoothed = losses.matching_aware_discriminator_loss(np.array(real), np.array(fake),
                                                        np.array(wrong), real_target=0.9)
    assert float(smoothed) - float(got) == pytest.approx(0.1 * np.mean(real), rel=1e-5)


def _weights(networks):
    return [w.numpy().copy() for network in networks for w in network.trainable_weights]


def _moved(before, networks):
    after = _weights(networks)
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


@pytest.mark.parametrize("frozen", ["discriminator", "generator"])
def test_text_encoder_is_trained_by_the_discriminator_loss_only(frozen):
    model = tiny_model("text2image")
    still = keras.optimizers.Adam(learning_rate=0.0)
    model.compile(**{("d_optimizer" if frozen == "discriminator" else "g_optimizer"): still})
    assert {id(w) for w in model.text_encoder.trainable_weights} <= {
        id(w) for w in model.d_optimizer._trainable_variables}
    assert not {id(w) for w in model.text_encoder.trainable_weights} & {
        id(w) for w in model.g_optimizer._trainable_variables}
    d_side, g_side = [model.discriminator, model.text_encoder], [model.generator]
    before_d, before_g = _weights(d_side), _weights(g_side)
    batch = next(iter(data.load_captions(batch_size=8, seed=1)))
    model.train_step(batch)
    if frozen == "discriminator":
        # G's step moved G only: its gradient stops at the text embedding.
        assert not any(_moved(before_d, d_side)) and all(_moved(before_g, g_side))
    else:
        # D's step moved every weight of D and of the text encoder, and not G.
        assert all(_moved(before_d, d_side)) and not any(_moved(before_g, g_side))


def test_fit_on_caption_batches_and_on_plain_labelled_digits(digits_batches):
    model = tiny_model("text2image")
    model.compile(run_eagerly=True)  # tracing the step costs more than two eager steps
    history = model.fit(data.load_captions(batch_size=8, repeat=True), epochs=1,
                        steps_per_epoch=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "real_score", "wrong_score",
                                    "fake_score"}
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    # Plain (images, labels) batches get captions of their labels in the step (the
    # generic tests fit on those).
    logs = model.train_step((tf.constant(digits_batches[0][:4]),
                             tf.constant(digits_batches[1][:4])))
    assert np.isfinite(float(logs["d_loss"]))
    with pytest.raises(ValueError, match=r"Missing batch keys: \['label'\]"):
        model.train_step((digits_batches[0][:4], {"tokens": data.tokenize(["a one"] * 4)}))


def test_interpolation_endpoints_are_the_two_captions_outputs(model):
    a, b = "a handwritten one", "the digit 7 written thickly"
    path = model.interpolate(a, b, steps=5, seed=4)
    assert path.shape == (5, 32, 32, 1)
    # Batches of 5 and of 1 round differently: equal up to float32 noise.
    np.testing.assert_allclose(path[0], model.generate_from_text([a], seed=4)[0], atol=1e-4)
    np.testing.assert_allclose(path[-1], model.generate_from_text([b], seed=4)[0], atol=1e-4)
    assert not np.allclose(path[2], path[0], atol=0.05)
    assert not np.allclose(path[2], path[-1], atol=0.05)


# Export ------------------------------------------------------------------------------------


def test_string_signature_equals_token_signature_generate_from_text_and_litert(model,
                                                                              exported):
    z = np.random.default_rng(3).standard_normal((len(TEXTS), 8)).astype(np.float32)
    saved = exported["saved_model"]
    strings = kerasgan.export.run_saved_model(
        saved, {"text": np.array(TEXTS, object), "z": z})["images"]
    tokens = kerasgan.export.run_saved_model(
        saved, {"token_ids": data.tokenize(TEXTS), "z": z}, "generate_from_tokens")["images"]
    np.testing.assert_array_equal(strings, tokens)
    assert np.abs(_uint8(model.generate_from_text(TEXTS, z=z)) - strings).max() <= 1
    assert len({image.tobytes() for image in strings}) == len(TEXTS)  # text matters
    # LiteRT runs the token signature on ids from vocab.txt, as a phone would.
    card = kerasgan.export.load_model_card(os.path.dirname(exported["model_card"]))
    signature, inputs = kerasgan.export.litert_inputs(
        card, os.path.dirname(exported["model_card"]), {"text": TEXTS, "z": z})
    assert signature == "generate_from_tokens"
    np.testing.assert_array_equal(inputs["token_ids"], data.tokenize(TEXTS))
    for fmt, limit in (("float32", 2), ("float16", 16)):
        lite = kerasgan.export.run_tflite(exported[f"generate_from_tokens_{fmt}"], inputs,
                                          signature)["images"]
        assert lite.dtype == np.uint8 and np.abs(lite.astype(int) - strings).max() <= limit
    # `sample` uses its texts in turn, on the latents `generate_from_text` draws.
    sampled = kerasgan.export.run_saved_model(saved, {
        "num_images": np.int32(4), "seed": np.int32(6),
        "text": np.array(TEXTS[:2], object)}, "sample")
    np.testing.assert_allclose(sampled["images_float"],
                               model.generate_from_text(TEXTS[:2] * 2, seed=6), atol=1e-5)


def test_vocabulary_file_is_written_with_the_export_and_matches(exported):
    export_dir = os.path.dirname(exported["model_card"])
    path = exported["files"]["vocab.txt"]
    assert path == os.path.join(export_dir, "vocab.txt")
    assert kerasgan.export.read_vocabulary(path) == list(data.CAPTION_VOCABULARY)
    card = kerasgan.export.load_model_card(export_dir)
    assert card["files"] == {"vocab.txt": {"bytes": os.path.getsize(path)}}
    tokenizer = card["inputs"]["text"]["tokenizer"]
    assert tokenizer["vocabulary"] == "vocab.txt" and tokenizer["max_length"] == 48
    assert not any(name.startswith(".tmp-export-") for name in os.listdir(export_dir))
    # Only the token signature became .tflite files; serving_default takes strings.
    assert {entry["signature"] for entry in card["tflite"].values()} == {"generate_from_tokens"}
    assert card["saved_model"]["signatures"]["serving_default"]["inputs"]["text"][
        "dtype"] == "string"
    texts = card["inputs"]["text"]["examples"] + TEXTS
    np.testing.assert_array_equal(
        kerasgan.export.tokenize_with_vocabulary(texts, tokenizer,
                                                 kerasgan.export.read_vocabulary(path)),
        data.tokenize(texts))


def test_verify_catches_a_vocabulary_that_tokenizes_unlike_the_graph(exported, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(os.path.dirname(exported["model_card"]), copy)
    tokens = kerasgan.export.read_vocabulary(copy / "vocab.txt")
    e, t = tokens.index("e"), tokens.index("t")
    tokens[e], tokens[t] = "t", "e"
    (copy / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    report = kerasgan.export.verify(copy, latency_runs=0)
    assert not report["ok"]
    assert any("vocabulary file" in problem for problem in report["problems"])


# Errors, training config, TensorBoard and evaluation ----------------------------------------


def test_unknown_dataset_and_mismatched_model_errors_name_the_value():
    with pytest.raises(ValueError, match="Unknown dataset: 'digits_caption'.*'digits_captions'"):
        data.load("digits_caption")
    with pytest.raises(ValueError, match="name='mnist'"):
        data.load_captions("mnist")
    config = training.resolve_config({"model": "dcgan", "dataset": "digits_captions",
                                      "model_kwargs": {"base_filters": 4}})
    with pytest.raises(ValueError, match="model='dcgan'"):
        training.build_model(config)
    with pytest.raises(ValueError, match="num_classes=5"):
        tiny_model("text2image", num_classes=5)
    with pytest.raises(ValueError, match="replay_buffer_size=8"):
        tiny_model("text2image", replay_buffer_size=8)


def test_training_config_defaults_to_the_caption_dataset():
    config = training.resolve_config({"model": "text2image", "batch_size": 4,
                                      "steps_per_epoch": 1,
                                      "model_kwargs": {"base_filters": 4, "latent_dim": 8}})
    assert config["dataset"] == "digits_captions"
    model = training.build_model(config)
    images, conditions = next(iter(training.training_dataset(config, model)))
    assert images.shape == (4, 32, 32, 1) and conditions["tokens"].shape == (4, 48)


def _text_summaries(log_dir):
    found = []
    for name in os.listdir(os.path.join(log_dir, "images")):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(log_dir, "images", name)):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "text":
                    found.append((event.step, value.tag, tf.make_ndarray(value.tensor)))
    return found


def test_tensorboard_grid_shows_each_caption_generated_and_real(tmp_path):
    callback = kerasgan.callbacks.TensorBoardImages(str(tmp_path), num_images=20)
    callback.set_model(tiny_model("text2image"))  # what `fit` does, without the training
    callback.on_train_begin()
    callback.on_epoch_end(0)
    (step, tag, image), = image_summaries(str(tmp_path))
    width, height = (int(v) for v in image[:2])
    assert (step, tag) == (1, "samples")
    assert width == 4 * 33 + 1 and height == 10 * 33 + 1  # 2 generated + 2 real per row
    (_, text_tag, captions), = _text_summaries(str(tmp_path))
    assert text_tag == "captions" and len(captions) == 10
    assert b"the digit 1" in captions[1] and b"thick" in captions[6]
    grid = callback.grid_images()
    real, labels, thick = data.caption_arrays("test")
    # Row 8 (digit 7) has a thick caption, so thickened real sevens.
    seven = real[(labels == 7) & thick][:2].astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(grid[7 * 4 + 2:7 * 4 + 4], seven, atol=1e-6)
    np.testing.assert_array_equal(grid, callback.grid_images())  # fixed inputs


def test_text_to_image_metrics_are_shares_and_ratios(model):
    metrics = kerasgan.evaluation.text_to_image_metrics(model, num_per_caption=1)
    assert metrics["num_images"] == 100
    for key in ("caption_accuracy", "plain_caption_accuracy", "thick_caption_accuracy",
                "numeral_caption_accuracy", "word_caption_accuracy",
                "interpolation_midpoint_accuracy", "matching_accuracy"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["real_thickness_ink_ratio"] > 1.2
    json.dumps(metrics)
    with pytest.raises(ValueError, match="takes no text"):
        kerasgan.evaluation.text_to_image_metrics(tiny_model("dcgan"))


@pytest.mark.slow
def test_sample_script_draws_captions_through_the_saved_model_and_litert(exported, tmp_path):
    export_dir = os.path.dirname(exported["model_card"])
    script = os.path.join(REPO_ROOT, "scripts", "sample.py")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    grids = {}
    for fmt in ("saved_model", "float32"):
        out = tmp_path / f"{fmt}.png"
        result = subprocess.run(
            [sys.executable, script, f"--export_dir={export_dir}", f"--format={fmt}",
             "--text=the digit 7 written thickly", "--text=a handwritten two",
             "--num_images=4", "--columns=4", f"--out={out}"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
        assert result.returncode == 0, result.stderr[-2000:]
        grids[fmt] = tf.io.decode_png(tf.io.read_file(str(out))).numpy()
        assert grids[fmt].shape == (33 + 1, 4 * 33 + 1, 1)  # one row of four 32x32 images
        assert grids[fmt].std() > 0
    result = subprocess.run([sys.executable, script, f"--export_dir={export_dir}", "--label=3"],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode != 0 and "pass --text instead of --label" in result.stderr


@pytest.mark.slow
def test_evaluate_script_draws_the_label_captions_through_the_sample_signature(exported,
                                                                               tmp_path):
    export_dir = os.path.dirname(exported["model_card"])
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "scripts", "evaluate.py"),
         f"--export_dir={export_dir}", "--num_samples=40", "--out=eval.json"],
        cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, capture_output=True,
        text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["num_samples"] == 40 and report["metrics"]["frechet_distance"] > 0
