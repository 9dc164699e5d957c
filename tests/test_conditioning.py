"""The conditioning variants: AC-GAN, InfoGAN and CatGAN, and their losses.

Loss values are written out by hand with `math` (or the same formulas in numpy),
never by calling the library a second time. The shared checks (fit, export, save/load,
MirroredStrategy) are in test_models.py; these are what is particular to each variant.
"""

import glob
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import LATENT_DIM, fixed_dataset, tiny_model
from kerasgan import losses

LOGITS = [[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]]
LABELS = [0, 2]


def value(tensor):
    return float(np.asarray(tensor))


def softmax(row):
    exps = [math.exp(x) for x in row]
    return [e / sum(exps) for e in exps]


def entropy(probs):
    return -sum(p * math.log(p) for p in probs if p > 0)


# Losses ----------------------------------------------------------------------------


@pytest.mark.parametrize("loss_fn", [losses.softmax_cross_entropy,
                                     losses.auxiliary_classifier_loss,
                                     losses.mutual_information_categorical_loss])
def test_class_and_code_losses_are_mean_negative_log_softmax(loss_fn):
    expected = (-math.log(softmax(LOGITS[0])[0]) - math.log(softmax(LOGITS[1])[2])) / 2
    assert value(loss_fn(LOGITS, LABELS)) == pytest.approx(expected, rel=1e-6)
    # Any rank: a [2, 1, 3] map of logits gives the same mean.
    assert value(loss_fn(np.reshape(LOGITS, (2, 1, 3)), np.reshape(LABELS, (2, 1)))) == (
        pytest.approx(expected, rel=1e-6))


def test_categorical_code_loss_of_uninformed_q_is_log_k():
    # Q predicting uniformly knows nothing about the code: L_I = 0, loss = H(c) = log K.
    assert value(losses.mutual_information_categorical_loss(np.zeros((4, 10)), [0, 3, 7, 9])) == (
        pytest.approx(math.log(10), rel=1e-6))


def test_gaussian_code_loss_is_the_negative_log_likelihood_summed_over_code_dims():
    mean, codes = [[0.0, 0.5], [1.0, -1.0]], [[1.0, -0.5], [1.0, 0.0]]
    for stddev in (1.0, 0.5):
        rows = [
            sum(0.5 * ((c - m) / stddev) ** 2 + math.log(stddev) + 0.5 * math.log(2 * math.pi)
                for m, c in zip(mean_row, code_row))
            for mean_row, code_row in zip(mean, codes)
        ]
        result = losses.gaussian_code_loss(mean, codes, stddev=stddev)
        assert value(result) == pytest.approx(sum(rows) / 2, rel=1e-6)


def test_conditional_entropy_matches_hand_computation():
    expected = (entropy(softmax(LOGITS[0])) + entropy(softmax(LOGITS[1]))) / 2
    assert value(losses.conditional_entropy(LOGITS)) == pytest.approx(expected, rel=1e-6)


def test_conditional_entropy_is_log_k_for_uniform_and_zero_for_one_hot_predictions():
    assert value(losses.conditional_entropy(np.zeros((5, 10)))) == pytest.approx(math.log(10), rel=1e-6)
    one_hot_logits = 100.0 * np.eye(10)[[3, 3, 7]]
    assert value(losses.conditional_entropy(one_hot_logits)) == pytest.approx(0.0, abs=1e-6)


def test_marginal_entropy_matches_hand_computation():
    probs = [softmax(row) for row in LOGITS]
    marginal = [(a + b) / 2 for a, b in zip(*probs)]
    assert value(losses.marginal_entropy(LOGITS)) == pytest.approx(entropy(marginal), rel=1e-5)


def test_marginal_entropy_is_log_k_over_all_classes_and_zero_for_one_class():
    # Confident predictions spread over every class: marginal uniform, entropy log K.
    every_class = 100.0 * np.eye(10)
    assert value(losses.marginal_entropy(every_class)) == pytest.approx(math.log(10), rel=1e-5)
    assert value(losses.marginal_entropy(np.zeros((4, 10)))) == pytest.approx(math.log(10), rel=1e-5)
    # Every example predicts class 2: the marginal is one-hot.
    one_class = 100.0 * np.eye(10)[[2, 2, 2, 2]]
    assert value(losses.marginal_entropy(one_class)) == pytest.approx(0.0, abs=1e-5)
    # All leading axes are the batch.
    assert value(losses.marginal_entropy(every_class.reshape(2, 5, 10))) == pytest.approx(
        math.log(10), rel=1e-5)


def test_catgan_losses_are_the_entropy_objectives_of_eq_7():
    real, fake = LOGITS, [[0.0, 1.0, 3.0], [-1.0, 0.0, 0.0]]
    h_real = [entropy(softmax(row)) for row in real]
    h_fake = [entropy(softmax(row)) for row in fake]
    marginal_real = entropy([sum(col) / 2 for col in zip(*map(softmax, real))])
    marginal_fake = entropy([sum(col) / 2 for col in zip(*map(softmax, fake))])
    # D maximises H_X[p(y|D)] - E_x H[p(y|x,D)] + E_z H[p(y|G(z),D)]; the loss is minus it.
    expected_d = -(marginal_real - sum(h_real) / 2 + sum(h_fake) / 2)
    assert value(losses.catgan_discriminator_loss(real, fake)) == pytest.approx(expected_d, rel=1e-5)
    # G minimises -H_G[p(y|D)] + E_z H[p(y|G(z),D)].
    expected_g = -marginal_fake + sum(h_fake) / 2
    assert value(losses.catgan_generator_loss(fake)) == pytest.approx(expected_g, rel=1e-5)


def test_catgan_optimal_discriminator_on_real_data_reaches_minus_log_k():
    # Confident on each real image, all classes used, uniform on fakes: the best D loss.
    real, fake = 100.0 * np.eye(10), np.zeros((6, 10))
    assert value(losses.catgan_discriminator_loss(real, fake)) == pytest.approx(
        -2 * math.log(10), rel=1e-5)


def test_entropies_stay_finite_with_gradients_for_extreme_logits():
    logits = tf.constant(1e4 * np.eye(4)[[0, 0, 1]], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = losses.catgan_discriminator_loss(logits, logits) + losses.catgan_generator_loss(logits)
    assert np.isfinite(value(loss))
    assert np.all(np.isfinite(tape.gradient(loss, logits).numpy()))


# AC-GAN ----------------------------------------------------------------------------


def test_acgan_discriminator_sees_images_only_and_has_source_and_class_heads():
    model = tiny_model("acgan")
    assert [t.name for t in model.discriminator.inputs] == ["images"]
    assert [tuple(s) for s in model.discriminator.output_shape] == [(None, 1), (None, 10)]
    assert [t.name for t in model.generator.inputs] == ["z", "label"]


def test_acgan_class_head_learns_the_real_labels(digits_batches):
    images, labels = digits_batches[0][:8], digits_batches[1][:8]
    model = tiny_model("acgan")
    model.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))

    def real_class_loss():
        _, class_logits = model.discriminator(images, training=True)
        return value(losses.auxiliary_classifier_loss(class_logits, labels))

    before = real_class_loss()
    model.fit(fixed_dataset(images, labels), epochs=1, steps_per_epoch=5, verbose=0)
    assert real_class_loss() < before - 0.05


# InfoGAN ---------------------------------------------------------------------------


def test_infogan_export_signatures_take_and_return_the_codes(tmp_path):
    model = tiny_model("infogan")
    path = str(tmp_path / "infogan")
    kerasgan.export.write_saved_model(model, path)
    loaded = tf.saved_model.load(path)

    serving = loaded.signatures["serving_default"].structured_input_signature[1]
    assert {key: (spec.dtype, spec.shape.as_list()) for key, spec in serving.items()} == {
        "z": (tf.float32, [None, LATENT_DIM]),
        "code": (tf.int32, [None]),
        "continuous_code": (tf.float32, [None, 2]),
    }
    sample = loaded.signatures["sample"]
    assert sorted(sample.structured_input_signature[1]) == ["num_images", "seed"]
    drawn = sample(num_images=tf.constant(6), seed=tf.constant(5))
    assert drawn["code"].dtype == tf.int32 and drawn["code"].shape == (6,)
    assert drawn["continuous_code"].dtype == tf.float32 and drawn["continuous_code"].shape == (6, 2)
    assert drawn["images"].dtype == tf.uint8 and drawn["images"].shape == (6, 32, 32, 1)
    # The sample signature's codes, fed back to serving_default, give its images.
    replay = loaded.signatures["serving_default"](
        z=drawn["z"], code=drawn["code"], continuous_code=drawn["continuous_code"])
    np.testing.assert_array_equal(replay["images"].numpy(), drawn["images"].numpy())


def changed(before, after):
    """Whether an image changed by more than float noise (an untrained generator's
    outputs are tiny, about 1e-5, so the bound is relative)."""
    before, after = np.asarray(before), np.asarray(after)
    return np.max(np.abs(before - after)) > 0.01 * np.max(np.abs(before))


def test_infogan_categorical_code_alone_changes_the_image():
    model = tiny_model("infogan")
    latents = model.draw_latents(4, seed=0)
    first = model.generate_from({**latents, "code": tf.constant([0, 1, 2, 3])})
    second = model.generate_from({**latents, "code": tf.constant([5, 1, 2, 3])})
    assert changed(first[0], second[0])  # the code changed: the image changed
    np.testing.assert_array_equal(first[1:], second[1:])  # the rest did not
    # Through `generate`: same seed, same z and continuous code; only code[1] differs.
    a, b = model.generate(2, code=[0, 1], seed=3), model.generate(2, code=[0, 2], seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert changed(a[1], b[1])


def test_infogan_q_head_and_generator_get_the_mutual_information_gradient():
    model = tiny_model("infogan")
    z = model.sample_latents(8)
    code, continuous_code = model.sample_codes(8)
    q_layers = ("q_dense", "q_batch_norm", "code_logits", "continuous_mean")
    q_weights = [w for name in q_layers for w in model.discriminator.get_layer(name).trainable_weights]
    source_head = model.discriminator.get_layer("logits").trainable_weights
    with tf.GradientTape(persistent=True) as tape:
        images = model.generator(model.generator_inputs(z, None, code, continuous_code), training=True)
        _, code_logits, continuous_mean = model.discriminator(images, training=True)
        info_loss, _, _ = model.information_loss(code_logits, continuous_mean, code, continuous_code)
    for weight, grad in zip(q_weights, tape.gradient(info_loss, q_weights)):
        assert grad is not None and np.any(grad.numpy() != 0), weight.path
    # L_I reaches the generator (G is trained to make codes legible), not D's source head.
    generator_grads = tape.gradient(info_loss, model.generator.trainable_weights)
    assert all(g is not None and np.any(g.numpy() != 0) for g in generator_grads)
    assert all(g is None for g in tape.gradient(info_loss, source_head))


def test_infogan_draw_latents_is_deterministic_by_seed_and_in_range():
    model = tiny_model("infogan", continuous_dim=3)
    first, again, other = (model.draw_latents(500, seed) for seed in (7, 7, 8))
    for key in ("z", "code", "continuous_code"):
        np.testing.assert_array_equal(first[key], again[key])
        assert not np.array_equal(first[key], other[key])
    code, continuous_code = first["code"].numpy(), first["continuous_code"].numpy()
    assert code.dtype == np.int32 and set(code) == set(range(10))
    assert continuous_code.shape == (500, 3)
    assert continuous_code.min() >= -1.0 and continuous_code.max() <= 1.0
    assert continuous_code.min() < -0.9 and continuous_code.max() > 0.9
    # Training codes: per call, different; also in range.
    (code_a, cont_a), (code_b, _) = model.sample_codes(200), model.sample_codes(200)
    assert not np.array_equal(code_a, code_b)
    assert set(code_a.numpy()) <= set(range(10)) and np.all(np.abs(cont_a.numpy()) <= 1.0)


def test_infogan_generate_checks_the_codes():
    model = tiny_model("infogan")
    with pytest.raises(ValueError, match=r"\[0, 10\).*code=10"):
        model.generate(2, code=[1, 10])
    with pytest.raises(ValueError, match="`code` must be 3 integers"):
        model.generate(3, code=[1, 2])
    with pytest.raises(ValueError, match="continuous_code"):
        model.generate(2, continuous_code=[0.0, 0.0, 0.0])
    np.testing.assert_array_equal(model.generate(2, code=4, continuous_code=[0.5, -0.5], seed=1),
                                  model.generate(2, code=[4, 4], continuous_code=[[0.5, -0.5]] * 2,
                                                 seed=1))


@pytest.mark.parametrize("name", ["infogan", "catgan"])
def test_unsupervised_variants_train_on_images_only_and_tensorboard_images_works(name, digits_batches,
                                                                                  tmp_path):
    model = tiny_model(name)
    model.compile()
    dataset = tf.data.Dataset.from_tensor_slices(digits_batches[0]).batch(8).repeat()
    callback = kerasgan.callbacks.TensorBoardImages(str(tmp_path / "logs"), num_images=10,
                                                    png_dir=str(tmp_path / "png"))
    history = model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0, callbacks=[callback])
    assert all(np.isfinite(history.history[key][-1]) for key in model.metric_names)
    assert len(glob.glob(os.path.join(tmp_path, "png", "*.png"))) == 1


# CatGAN ----------------------------------------------------------------------------


def test_catgan_discriminator_is_a_k_way_classifier(digits_batches):
    model = tiny_model("catgan", num_categories=7)
    assert model.num_classes is None
    assert [t.name for t in model.discriminator.inputs] == ["images"]
    assert model.discriminator.output_shape == (None, 7)
    categories = model.predict_categories(digits_batches[0])
    assert categories.shape == (16,) and categories.dtype == np.int32
    assert categories.min() >= 0 and categories.max() < 7


# Hyperparameters --------------------------------------------------------------------


@pytest.mark.parametrize("name, overrides, message", [
    ("infogan", {"num_categories": 1}, "num_categories=1"),
    ("infogan", {"continuous_dim": 0}, "continuous_dim=0"),
    ("infogan", {"categorical_weight": -1.0}, "categorical_weight=-1.0"),
    ("infogan", {"continuous_weight": float("nan")}, "continuous_weight=nan"),
    ("catgan", {"num_categories": 1}, "num_categories=1"),
    ("catgan", {"base_filters": 0}, "base_filters=0"),
    ("acgan", {"num_classes": 1}, "num_classes=1"),
    ("acgan", {"base_filters": -4}, "base_filters=-4"),
])
def test_bad_hyperparameters_raise_value_errors_naming_the_value(name, overrides, message):
    with pytest.raises(ValueError, match=message):
        tiny_model(name, **overrides)


@pytest.mark.parametrize("name", ["infogan", "catgan"])
def test_unsupervised_variants_take_no_num_classes(name):
    with pytest.raises(ValueError, match="num_classes"):
        tiny_model(name, num_classes=10)
