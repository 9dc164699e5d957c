"""The models with an encoder trained adversarially: bigan and aae.

BiGAN's encoder must learn from the joint discriminator alone; the AAE's autoencoder
must reconstruct while its codes are matched to the prior. The shared per-model suite
(build, fit, export, save/load, MirroredStrategy) is tests/test_models.py.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import LATENT_DIM, fixed_dataset, tiny_model
from kerasgan import losses
from kerasgan.models import aae as aae_module

ENCODER_MODELS = ("bigan", "aae")


def _weights(network):
    return [w.numpy().copy() for w in network.trainable_weights]


def _sgd():
    return keras.optimizers.SGD(learning_rate=0.5)


# BiGAN


def test_bigan_discriminator_loss_depends_on_the_encoder_output(digits_batches):
    model = tiny_model("bigan", dropout=0.0)
    images = tf.constant(digits_batches[0][:8])
    z = model.sample_latents(8)
    fake = model.generator(z, training=True)
    with tf.GradientTape() as tape:
        encoded = model.encoder(images, training=True)
        tape.watch(encoded)
        real_logits, fake_logits = model.pair_logits(images, encoded, fake, z)
        d_loss = losses.minimax_discriminator_loss(real_logits, fake_logits)
    gradient = tape.gradient(d_loss, encoded)
    assert float(tf.reduce_max(tf.abs(gradient))) > 0.0
    # Another code for the same images changes D's verdict on the real pairs.
    shifted, _ = model.pair_logits(images, encoded + 1.0, fake, z)
    assert not np.allclose(real_logits, shifted)


def test_bigan_encoder_is_updated_by_the_swapped_label_loss_only(digits_batches):
    """With SGD, E's step is exactly `-lr * d softplus(D(x, E(x))) / d E`, with D as the
    discriminator step left it: E learns from the adversarial game and nothing else."""
    model = tiny_model("bigan", dropout=0.0)
    model.compile(d_optimizer=_sgd(), g_optimizer=_sgd())
    images = tf.constant(digits_batches[0][:8])
    encoder_before = _weights(model.encoder)
    discriminator_before = _weights(model.discriminator)
    model.train_step((images, tf.zeros([8], tf.int32)))
    encoder_after = _weights(model.encoder)
    # Every weight moved (the exact size of E's step is checked below).
    assert all(not np.array_equal(a, b) for a, b in zip(encoder_before, encoder_after))
    assert all(not np.array_equal(a, b)
               for a, b in zip(discriminator_before, _weights(model.discriminator)))

    for weight, value in zip(model.encoder.trainable_weights, encoder_before):
        weight.assign(value)
    with tf.GradientTape() as tape:
        logits = model.discriminator([images, model.encoder(images, training=True)],
                                     training=True)
        # -log(1 - D(x, E(x))): the real pair's cross-entropy against the "fake" label.
        loss = tf.reduce_mean(tf.nn.softplus(logits))
    gradients = tape.gradient(loss, model.encoder.trainable_weights)
    for before, after, gradient in zip(encoder_before, encoder_after, gradients):
        np.testing.assert_allclose(after, before - 0.5 * gradient.numpy(), atol=1e-5)


def test_bigan_players_split_the_networks():
    model = tiny_model("bigan")
    model.compile()
    ids = lambda variables: {id(v) for v in variables}  # noqa: E731
    assert ids(model.g_optimizer._trainable_variables) == ids(
        model.generator.trainable_weights + model.encoder.trainable_weights)
    assert ids(model.d_optimizer._trainable_variables) == ids(
        model.discriminator.trainable_weights)
    assert [t.name for t in model.discriminator.inputs] == ["images", "z"]
    assert model.encoder.output_shape == (None, LATENT_DIM)


def test_bigan_r1_penalty_covers_image_and_code(digits_batches):
    model = tiny_model("bigan", dropout=0.0, r1_weight=4.0)
    images = tf.constant(digits_batches[0][:4])
    codes = tf.constant(np.random.default_rng(0).standard_normal((4, LATENT_DIM)), tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([images, codes])
        logits = model.discriminator([images, codes], training=True)
    image_grad = tape.gradient(logits, images).numpy().reshape(4, -1)
    code_grad = tape.gradient(logits, codes).numpy()
    assert np.abs(code_grad).max() > 0
    expected = 0.5 * 4.0 * np.mean(np.sum(image_grad**2, -1) + np.sum(code_grad**2, -1))
    penalty = float(model.discriminator_penalty(images, codes=codes))
    assert penalty == pytest.approx(expected, rel=1e-4)
    assert tiny_model("bigan").discriminator_penalty(images, codes=codes) == 0.0


# AAE


def test_reconstruction_losses_by_hand():
    images = np.array([[[[1.0]], [[-1.0]]]], np.float32)  # one 2x1x1 image
    reconstructions = np.array([[[[0.5]], [[0.0]]]], np.float32)
    assert float(aae_module.reconstruction_loss(images, reconstructions, "mse")) == (
        pytest.approx((0.25 + 1.0) / 2))
    assert float(aae_module.reconstruction_loss(images, reconstructions, "l1")) == (
        pytest.approx((0.5 + 1.0) / 2))


def test_aae_reconstruction_loss_falls_on_a_fixed_batch(digits_batches):
    images, labels = digits_batches
    model = tiny_model("aae", base_filters=8)
    model.compile(g_optimizer=keras.optimizers.Adam(2e-3), run_eagerly=False)
    history = model.fit(fixed_dataset(images[:8], labels[:8]), epochs=40, steps_per_epoch=1,
                        verbose=0).history
    losses_seen = history["reconstruction_loss"]
    assert np.all(np.isfinite(losses_seen))
    assert np.mean(losses_seen[-5:]) < 0.5 * np.mean(losses_seen[:3]), losses_seen
    # The adversarial term reached the encoder, the discriminator trained on codes.
    assert np.all(np.isfinite(history["adversarial_loss"]))
    assert int(model.d_optimizer.iterations) == 40


def test_aae_adversarial_term_reaches_the_encoder_not_the_decoder(digits_batches):
    model = tiny_model("aae")
    images = tf.constant(digits_batches[0][:8])
    with tf.GradientTape(persistent=True) as tape:
        encoded = model.encoder(images, training=True)
        adversarial = losses.non_saturating_generator_loss(model.discriminator(encoded))
    decoder_gradients = tape.gradient(adversarial, model.generator.trainable_weights)
    encoder_gradients = tape.gradient(adversarial, model.encoder.trainable_weights)
    assert all(g is None for g in decoder_gradients)
    assert all(float(tf.reduce_max(tf.abs(g))) > 0 for g in encoder_gradients)
    assert model.discriminator.input_shape == (None, LATENT_DIM)


def test_aae_zero_adversarial_weight_is_a_plain_autoencoder(digits_batches):
    """With `adversarial_weight=0` the autoencoder's step follows the reconstruction
    error alone: with SGD the decoder moves by exactly `-lr * d mse / d G`."""
    model = tiny_model("aae", adversarial_weight=0.0)
    model.compile(d_optimizer=_sgd(), g_optimizer=_sgd())
    images = tf.constant(digits_batches[0][:8])
    with tf.GradientTape() as tape:
        reconstruction = aae_module.reconstruction_loss(
            images, model.generator(model.encoder(images, training=True), training=True))
    gradients = tape.gradient(reconstruction, model.generator.trainable_weights)
    before = _weights(model.generator)
    logs = model.train_step(images)
    assert float(logs["reconstruction_loss"]) == pytest.approx(float(reconstruction), rel=1e-5)
    for old, weight, gradient in zip(before, model.generator.trainable_weights, gradients):
        np.testing.assert_allclose(weight.numpy(), old - 0.5 * gradient.numpy(), atol=1e-5)


# Both


@pytest.mark.parametrize("name", ENCODER_MODELS)
def test_reconstruction_agreement_runs_and_gives_fractions(name, digits_batches):
    images, labels = digits_batches
    model = tiny_model(name)
    result = kerasgan.evaluation.reconstruction_agreement(model, images, labels)
    assert result["num_images"] == len(images)
    for key in ("reconstruction_accuracy", "input_accuracy"):
        assert 0.0 <= result[key] <= 1.0, key
    assert result["input_accuracy"] >= 0.8  # the bundled classifier reads real digits
    assert 0.0 < result["pixel_l1"] <= 2.0
    reconstructions = kerasgan.evaluation.reconstruct(model, images)
    expected = model.generate_from({"z": model.encode(images)})
    np.testing.assert_allclose(reconstructions, expected, atol=1e-5)


def test_exported_encode_signature_equals_model_encode(tmp_path, digits_batches):
    model = tiny_model("aae")
    model.compile()
    model.fit(fixed_dataset(*digits_batches), epochs=1, steps_per_epoch=2, verbose=0)
    paths = kerasgan.export.export_generator(model, tmp_path / "aae", formats=("float32",),
                                             check=False, latency_runs=0, verbose=False)
    images = kerasgan.images.to_uint8(digits_batches[0][:5]).numpy()
    encoded = kerasgan.export.run_saved_model(paths["saved_model"], {"images": images},
                                              "encode")["z"]
    expected = np.asarray(model.encode(kerasgan.images.from_uint8(images)))
    assert encoded.shape == (5, LATENT_DIM)
    np.testing.assert_allclose(encoded, expected, atol=1e-5)
    lite = kerasgan.export.run_tflite(paths["encode_float32"], {"images": images}, "encode")["z"]
    np.testing.assert_allclose(lite, encoded, atol=1e-4 * max(1.0, np.abs(encoded).max()))


@pytest.mark.parametrize("name, overrides", [
    ("bigan", {"dropout": 0.3, "base_filters": 4}),
    ("aae", {"adversarial_weight": 0.5, "reconstruction": "l1", "discriminator_units": (16, 8),
             "base_filters": 4}),
])
def test_config_round_trip_keeps_every_argument_and_weight(name, overrides, tmp_path):
    """What a checkpoint does: a `.keras` file restores the arguments and the weights
    of every network, the encoder included."""
    model = tiny_model(name, **overrides)
    config = model.get_config()
    for key, value in overrides.items():
        assert config[key] == (list(value) if isinstance(value, tuple) else value), key
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path, compile=False)
    assert type(restored) is type(model)
    arguments = {key: value for key, value in config.items() if key not in model.network_names}
    assert {key: restored.get_config()[key] for key in arguments} == arguments
    images = model.generate(3, seed=1)
    np.testing.assert_allclose(restored.generate(3, seed=1), images, atol=1e-6)
    np.testing.assert_allclose(restored.encode(images), model.encode(images), atol=1e-6)


@pytest.mark.parametrize("name, overrides, message", [
    ("bigan", {"dropout": 1.0}, "dropout=1.0"),
    ("bigan", {"base_filters": 0}, "base_filters=0"),
    ("bigan", {"replay_buffer_size": 4}, "replay_buffer_size=4"),
    ("bigan", {"image_shape": (24, 24, 1)}, r"image_shape=\(24, 24, 1\)"),
    ("aae", {"adversarial_weight": -1.0}, "adversarial_weight=-1.0"),
    ("aae", {"reconstruction": "l2"}, "reconstruction='l2'"),
    ("aae", {"discriminator_units": (16, 0)}, r"discriminator_units=\(16, 0\)"),
    ("aae", {"diffaugment": "color"}, "diffaugment='color'"),
    ("aae", {"replay_buffer_size": 8}, "replay_buffer_size=8"),
])
def test_bad_hyperparameters_raise_value_error_naming_the_value(name, overrides, message):
    with pytest.raises(ValueError, match=message):
        tiny_model(name, **overrides)


@pytest.mark.parametrize("name", ENCODER_MODELS)
def test_an_encoder_with_the_wrong_code_size_is_refused(name):
    encoder = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Flatten(),
                                keras.layers.Dense(LATENT_DIM + 1)])
    model = tiny_model(name)
    config = {key: value for key, value in model.get_config().items()
              if key not in model.network_names}
    config["image_shape"] = tuple(config["image_shape"])
    with pytest.raises(ValueError, match=rf"\(None, {LATENT_DIM + 1}\)"):
        type(model)(**config, encoder=encoder)
