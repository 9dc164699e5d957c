"""kerasgan.evaluation on cases with known answers, EvaluationCallback, scripts/evaluate.py."""

import glob
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf
import threadpoolctl

import kerasgan
from kerasgan import evaluation
from kerasgan.callbacks import EvaluationCallback
from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, fixed_dataset, tiny_model

EVALUATE = os.path.join(REPO_ROOT, "scripts", "evaluate.py")


@pytest.fixture(scope="module")
def digits():
    """The digits train and test splits as float arrays in [-1, 1], with labels."""
    train, train_labels = kerasgan.data.load_arrays("digits", "train")
    test, test_labels = kerasgan.data.load_arrays("digits", "test")
    return train, train_labels, test, test_labels


@pytest.fixture(scope="module")
def test_stats(digits):
    """Statistics of the real test split, computed once and compared against in many tests."""
    return evaluation.compute_statistics(digits[2], seed=1)


@pytest.fixture(scope="module")
def train_stats(digits):
    return evaluation.compute_statistics(digits[0])


def _pixels(images):
    return np.reshape(images, (len(images), -1))


# Frechet distance -------------------------------------------------------------------------


def _reference_frechet(mean1, cov1, mean2, cov2):
    # The textbook formula through scipy's general matrix square root.
    root = scipy.linalg.sqrtm(cov1 @ cov2)
    return float(np.sum((mean1 - mean2) ** 2) + np.trace(cov1 + cov2 - 2 * np.real(root)))


def test_frechet_distance_matches_the_closed_form_of_two_gaussians():
    # Diagonal covariances commute: FD = |dm|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
    mean1, mean2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = 1.0 + 0.0 + 4.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2
    assert evaluation.frechet_distance(mean1, np.diag(a), mean2, np.diag(b)) == pytest.approx(
        expected, rel=1e-12)
    # General covariances: agrees with scipy's sqrtm, and is symmetric.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    cov1, cov2 = x @ x.T + 0.1 * np.eye(6), y @ y.T + 0.1 * np.eye(6)
    m1, m2 = rng.normal(size=6), rng.normal(size=6)
    value = evaluation.frechet_distance(m1, cov1, m2, cov2)
    assert value == pytest.approx(_reference_frechet(m1, cov1, m2, cov2), rel=1e-9)
    assert value == pytest.approx(evaluation.frechet_distance(m2, cov2, m1, cov1), rel=1e-9)
    assert evaluation.frechet_distance(m1, cov1, m1, cov1) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_of_near_singular_covariances_is_finite_and_exact():
    rng = np.random.default_rng(1)
    # 5 samples in 64 dimensions: rank-4 covariances, singular products.
    a, b = rng.normal(size=(5, 64)), rng.normal(size=(5, 64)) + 0.5
    value = evaluation.frechet_distance(a.mean(0), np.cov(a, rowvar=False),
                                        b.mean(0), np.cov(b, rowvar=False))
    assert np.isfinite(value) and value > 0
    # A collapsed set (zero covariance): FD = |dm|^2 + Tr(C2) exactly.
    cov2 = np.cov(b, rowvar=False)
    collapsed = evaluation.frechet_distance(np.zeros(64), np.zeros((64, 64)), b.mean(0), cov2)
    assert collapsed == pytest.approx(np.sum(b.mean(0) ** 2) + np.trace(cov2), rel=1e-9)


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"covariance2.*\(2, 2\)"):
        evaluation.frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))


def test_running_stats_in_batches_equal_one_shot_mean_and_covariance():
    rng = np.random.default_rng(2)
    # A large offset and small spread: summing x and x^2 would lose the covariance.
    x = 1e4 + rng.normal(size=(257, 7)) @ rng.normal(size=(7, 7))
    stats = evaluation.RunningStats()
    for batch in np.split(x, [1, 50, 51, 200]):  # uneven batches, one of a single row
        stats.update(batch)
    assert stats.count == 257
    np.testing.assert_allclose(stats.mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.covariance, np.cov(x, rowvar=False), rtol=1e-8, atol=1e-8)
    with pytest.raises(ValueError, match=r"shape \(3, 5\)"):
        stats.update(np.zeros((3, 5)))


def test_kept_feature_sample_is_uniform_over_a_long_stream():
    rows = np.arange(2000, dtype=np.float32)[:, None] * np.ones((1, 2), np.float32)
    stats = evaluation.FeatureStatistics(evaluation.FeatureExtractor(lambda x: x[:, 0, 0, :]),
                                         batch_size=64, max_kernel_samples=200)
    stats.update(rows[:, None, None, :] / 2000.0)
    kept = stats.sample.rows[:, 0] * 2000.0
    assert len(kept) == 200 and len(np.unique(np.round(kept))) == 200
    assert 800 < kept.mean() < 1200  # the stream's mean is 999.5; first-200 would give 99.5


# Metrics on real digits -----------------------------------------------------------------


def test_identical_sets_have_zero_distance_and_full_precision_recall(digits, test_stats):
    metrics = evaluation.evaluate(test_stats, digits[2])
    assert metrics["frechet_distance"] == pytest.approx(0.0, abs=1e-6)
    assert metrics["precision"] == 1.0 and metrics["recall"] == 1.0
    assert metrics["mode_kl"] == pytest.approx(0.0, abs=1e-12)
    assert abs(metrics["kernel_distance"]) < 3 * metrics["kernel_distance_std"] + 1e-9


def test_frechet_distance_grows_with_noise_strength(digits, test_stats):
    test = digits[2]
    rng = np.random.default_rng(3)
    noise = rng.normal(size=test.shape).astype(np.float32)
    distances = [evaluation.evaluate(np.clip(test + s * noise, -1, 1), test_stats)
                 ["frechet_distance"] for s in (0.0, 0.2, 0.4, 0.8)]
    assert distances[0] == pytest.approx(0.0, abs=1e-6)
    assert all(a < b for a, b in zip(distances, distances[1:])), distances


def test_half_the_classes_keeps_precision_and_drops_recall_and_modes(digits, test_stats,
                                                                    train_stats):
    train, labels = digits[0], digits[1]
    full = evaluation.evaluate(train_stats, test_stats)
    half = evaluation.evaluate(train[labels < 5], test_stats)
    assert full["modes_covered"] == 10 and half["modes_covered"] == 5
    assert half["precision"] > 0.85 and abs(half["precision"] - full["precision"]) < 0.05
    assert half["recall"] < 0.6 < full["recall"]
    assert half["classifier_score"] < 0.6 * full["classifier_score"]
    assert half["mode_kl"] > 0.5 > 10 * full["mode_kl"]


def test_one_image_repeated_covers_one_mode(digits, test_stats):
    metrics = evaluation.evaluate(np.repeat(digits[0][:1], 100, axis=0), test_stats)
    assert metrics["modes_covered"] == 1
    assert metrics["recall"] < 0.05
    assert metrics["classifier_score"] == pytest.approx(1.0, abs=0.05)


def test_kernel_distance_of_one_distribution_is_zero_within_its_std(digits, test_stats):
    train = digits[0]
    same = evaluation.evaluate(train[:700], train[700:1400])
    assert abs(same["kernel_distance"]) < 2 * same["kernel_distance_std"]
    noise = np.random.default_rng(4).uniform(-1, 1, (360, 32, 32, 1)).astype(np.float32)
    far = evaluation.evaluate(noise, test_stats)
    assert far["kernel_distance"] > 5 * far["kernel_distance_std"]


def test_real_data_floor_is_below_an_untrained_gan_and_noise(test_stats, train_stats):
    floor = evaluation.evaluate(train_stats, test_stats)
    untrained = evaluation.evaluate(tiny_model("dcgan").generate(360, seed=0), test_stats)
    noise = np.random.default_rng(5).uniform(-1, 1, (360, 32, 32, 1)).astype(np.float32)
    far = evaluation.evaluate(noise, test_stats)
    assert floor["frechet_distance"] < 0.1 * untrained["frechet_distance"]
    assert far["frechet_distance"] > 20 * floor["frechet_distance"]
    assert floor["precision"] > 0.85 and floor["recall"] > 0.8
    assert untrained["recall"] < 0.1 and far["recall"] < 0.1
    assert floor["classifier_score"] > 9.0


def test_real_test_data_covers_all_ten_classes(test_stats, train_stats):
    assert test_stats.num_classes == 10 and np.all(test_stats.class_counts > 0)
    assert evaluation.evaluate(test_stats, train_stats)["modes_covered"] == 10


def test_shipped_digits_classifier_is_accurate_small_and_packaged(digits):
    extractor = evaluation.feature_extractor("digits")
    assert evaluation.feature_extractor("digits") is extractor  # loaded once
    features, logits = extractor(digits[2])
    accuracy = float(np.mean(logits.argmax(1) == digits[3]))
    assert accuracy >= 0.97, accuracy
    assert features.shape == (360, 64) and logits.shape == (360, 10)
    assert os.path.getsize(evaluation.DIGITS_CLASSIFIER_PATH) < 1024 * 1024
    assert os.path.dirname(evaluation.DIGITS_CLASSIFIER_PATH) == os.path.join(
        os.path.dirname(kerasgan.__file__), "assets")


def test_digits_features_adapt_rgb_and_other_sizes(digits):
    extractor = evaluation.feature_extractor("digits")
    grey = digits[2][:8]
    rgb_64 = tf.image.resize(tf.image.grayscale_to_rgb(tf.constant(grey)), (64, 64)).numpy()
    features, logits = extractor(np.clip(rgb_64, -1, 1))
    assert features.shape == (8, 64)
    assert np.mean(logits.argmax(1) == digits[3][:8]) >= 0.75


def test_evaluate_generator_streams_batches_and_matches_evaluate(digits, test_stats):
    test = digits[2]
    calls = []

    def generate(count):
        start = sum(calls)
        calls.append(count)
        return test[start:start + count]

    streamed = evaluation.evaluate_generator(generate, test_stats, num_samples=300, batch_size=128)
    assert calls == [128, 128, 44]
    whole = evaluation.evaluate(test[:300], test_stats)
    for key, value in whole.items():
        assert streamed[key] == pytest.approx(value, rel=1e-6, abs=1e-9), key


# Feature networks -------------------------------------------------------------------------


def test_custom_features_callable_and_keras_model():
    rng = np.random.default_rng(6)
    real = rng.uniform(-1, 1, (40, 8, 8, 1)).astype(np.float32)
    # The generated images (the first 20) put the largest of their first four pixels in
    # pixel 0 ten times, 1 five times, 2 four times and 3 once.
    classes = np.repeat([0, 1, 2, 3], [10, 5, 4, 1])
    real[np.arange(20), 0, classes, 0] = 1.0
    plain = evaluation.evaluate(real[:20], real[20:], features=_pixels)
    assert "frechet_distance" in plain and "modes_covered" not in plain  # no logits, no modes

    # Class logits = the first four pixels: a class is covered with a quarter of its
    # fair share (20 / 4 = 5), 1.25 images, so three of the four are.
    inputs = keras.Input((8, 8, 1))
    flat = keras.layers.Flatten()(inputs)
    logits = keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")
    model = keras.Model(inputs, [flat, logits(flat)])
    with_classes = evaluation.evaluate(real[:20], real[20:], features=model)
    assert with_classes["modes_covered"] == 3
    # The model's features are the raw pixels too: same distance.
    assert with_classes["frechet_distance"] == pytest.approx(plain["frechet_distance"], rel=1e-5)


def test_inception_plumbing_with_random_weights():
    extractor = evaluation.feature_extractor("inception", weights=None)
    images = np.random.default_rng(7).integers(0, 256, (4, 32, 32, 1), dtype=np.uint8)
    generated = evaluation.compute_statistics(images[:2], extractor, batch_size=2)
    assert generated.moments.mean.shape == (2048,) and generated.num_classes == 1000
    # One thread for the 2048x2048 eigendecompositions: on a shared 2-core machine,
    # OpenBLAS threads waiting on each other made them several times slower.
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        metrics = evaluation.evaluate(generated, images[2:], features=extractor, k=1,
                                      batch_size=2)
    assert all(np.isfinite(value) for value in metrics.values())
    assert "classifier_score" in metrics  # the random model has the 1000-class head


def test_inception_without_local_weights_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(evaluation, "_keras_cache_dirs", lambda: [str(tmp_path / "models")])
    with pytest.raises(ValueError, match="InceptionV3 ImageNet weights.*weights_path"):
        evaluation.feature_extractor("inception")
    with pytest.raises(ValueError, match="weights_path='/no/such.h5'"):
        evaluation.feature_extractor("inception", weights_path="/no/such.h5")


# Bad inputs -------------------------------------------------------------------------------

_GOOD = np.zeros((4, 8, 8, 1), np.float32)


@pytest.mark.parametrize(
    "generated, real, kwargs, message",
    [
        (np.zeros((4, 8, 8), np.float32), _GOOD, {}, r"generated with shape \(4, 8, 8\)"),
        (np.zeros((0, 8, 8, 1), np.float32), _GOOD, {}, r"generated with shape \(0, 8, 8, 1\)"),
        (_GOOD, np.zeros((4, 8, 8, 1), np.int64), {}, "real with dtype int64"),
        (_GOOD * 0 + 255.0, _GOOD, {}, r"generated with values in \[255, 255\]"),
        (_GOOD + np.nan, _GOOD, {}, "generated with NaN"),
        (_GOOD, np.zeros((4, 6, 6, 1), np.float32), {}, r"real with shape \(4, 6, 6, 1\)"),
        (_GOOD, np.zeros((4, 8, 8, 3), np.float32), {}, r"real with shape \(4, 8, 8, 3\)"),
        (_GOOD[:1], _GOOD, {}, "generated with 1"),
        (_GOOD[:3], _GOOD, {"k": 3}, "k=3"),
        (_GOOD, _GOOD, {"features": "incepton"}, "features='incepton'"),
        (_GOOD, _GOOD, {"features": "/no/such/classifier.keras"}, "classifier.keras"),
        (_GOOD, _GOOD, {"kid_subsets": 0}, "kid_subsets=0"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_value(generated, real, kwargs, message):
    kwargs = {"features": _pixels, **kwargs}
    with pytest.raises(ValueError, match=message):
        evaluation.evaluate(generated, real, **kwargs)


def test_bad_generator_and_statistics_raise_value_error(test_stats):
    with pytest.raises(ValueError, match="num_samples=0"):
        evaluation.evaluate_generator(lambda n: _GOOD[:n], _GOOD, 0, features=_pixels)
    with pytest.raises(ValueError, match=r"generate_fn\(4\)` must return 4 images"):
        evaluation.evaluate_generator(lambda n: _GOOD[:2], _GOOD, 4, features=_pixels)
    with pytest.raises(ValueError, match="features='digits'"):
        evaluation.evaluate(_GOOD, test_stats, features=_pixels)


# Callback -----------------------------------------------------------------------------------


def _scalar_events(log_dir):
    found = {}
    for path in glob.glob(os.path.join(log_dir, "eval", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                found.setdefault(value.tag, []).append(
                    (event.step, float(tf.make_ndarray(value.tensor))))
    return found


def test_evaluation_callback_logs_metrics_to_history_and_tensorboard(digits, test_stats, tmp_path):
    model = tiny_model("dcgan")
    model.compile()
    callback = EvaluationCallback(test_stats, every_n_epochs=2, num_samples=64,
                                  log_dir=str(tmp_path), kid_subsets=10)
    history = model.fit(fixed_dataset(digits[0][:16], digits[1][:16]), epochs=3,
                        steps_per_epoch=2, verbose=0, callbacks=[callback])

    # Every second epoch, and the last one.
    assert len(history.history["d_loss"]) == 3
    for key in ("eval_frechet_distance", "eval_kernel_distance", "eval_precision",
                "eval_recall", "eval_modes_covered", "eval_classifier_score", "eval_mode_kl"):
        assert len(history.history[key]) == 2, key
    assert history.history["eval_frechet_distance"][-1] > 0
    # Fixed latents: evaluating again without training gives the same numbers.
    assert callback.evaluate()["frechet_distance"] == pytest.approx(
        history.history["eval_frechet_distance"][-1], rel=1e-6)

    events = _scalar_events(str(tmp_path))
    assert [step for step, _ in events["eval_frechet_distance"]] == [1, 2]
    assert events["eval_frechet_distance"][-1][1] == pytest.approx(
        history.history["eval_frechet_distance"][-1], rel=1e-5)


def test_evaluation_callback_rejects_bad_arguments():
    with pytest.raises(ValueError, match="every_n_epochs=0"):
        EvaluationCallback(_GOOD, every_n_epochs=0)
    with pytest.raises(ValueError, match="real_images with dtype int32"):
        EvaluationCallback(_GOOD.astype(np.int32))


# scripts/evaluate.py --------------------------------------------------------------------------


def _run(*args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, EVALUATE, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)


@pytest.mark.slow
def test_evaluate_script_on_a_keras_file_prints_a_table_and_writes_json(tmp_path):
    model = tiny_model("cgan")
    model.compile()
    model.save(tmp_path / "tiny.keras")
    result = _run(f"--model_path={tmp_path / 'tiny.keras'}", "--num_samples=64",
                  "--out=out/metrics.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "metrics.json").read_text())
    metrics = report["metrics"]
    assert report["num_samples"] == 64 and report["features"] == "digits"
    assert set(metrics) >= {"frechet_distance", "kernel_distance", "kernel_distance_std",
                            "precision", "recall", "classifier_score", "modes_covered", "mode_kl"}
    assert metrics["frechet_distance"] > 50  # untrained: far from the real digits
    # The library's numbers for the same model, samples and seed.
    expected = evaluation.evaluate_generator(
        evaluation.model_generate_fn(keras.models.load_model(tmp_path / "tiny.keras"), 0),
        kerasgan.data.load_arrays("digits", "test")[0], 64,
        features=evaluation.feature_extractor("digits"), batch_size=128, seed=0)
    assert metrics == pytest.approx(expected, rel=1e-5, abs=1e-8)
    table = [line for line in result.stdout.splitlines() if line.startswith("frechet_distance")]
    assert table and f"{metrics['frechet_distance']:.4f}" in table[0]


@pytest.mark.slow
@pytest.mark.parametrize("flags, message", [
    (["--model_path=missing.keras"], "model_path='missing.keras'"),
    (["--export_dir=nowhere"], "export_dir='nowhere'"),
    ([], "Pass exactly one of"),
])
def test_evaluate_script_bad_path_exits_with_one_line(flags, message, tmp_path):
    result = _run(*flags, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    ours = [line for line in lines if line.startswith("evaluate.py: error:")]
    assert len(ours) == 1 and message in ours[0] and lines[-1] == ours[0], result.stderr[-2000:]
