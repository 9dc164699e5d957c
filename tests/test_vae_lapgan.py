"""The VAE baseline and LAPGAN: their losses, pyramid, gradients, serving and options."""

import copy
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import LATENT_DIM, fixed_dataset, tiny_model
from kerasgan.models import lapgan as lapgan_module
from kerasgan.models import vae as vae_module


# VAE ----------------------------------------------------------------------------------


def test_vae_kl_term_matches_the_closed_form_by_hand():
    mean = np.array([[0.0, 0.0], [1.0, -1.0]], np.float32)
    log_variance = np.array([[0.0, math.log(2.0)], [0.0, 0.0]], np.float32)
    # Per example 0.5 * sum(var + mean^2 - 1 - log var): 0.5 * (1 - log 2), then 1.
    expected = (0.5 * (1.0 - math.log(2.0)) + 1.0) / 2
    kl = vae_module.gaussian_kl_divergence(mean, log_variance)
    np.testing.assert_allclose(float(kl), expected, rtol=1e-6)
    assert float(vae_module.gaussian_kl_divergence(np.zeros((3, 4)), np.zeros((3, 4)))) == 0.0


def test_vae_reconstruction_term_is_a_fixed_variance_gaussian_by_hand():
    images = np.zeros((2, 2, 2, 1), np.float32)
    reconstructions = np.full((2, 2, 2, 1), 0.5, np.float32)
    reconstructions[1] = 0.0
    # Image 0: 4 pixels * 0.25 / (2 * 0.1^2) = 50; image 1: 0. Mean over the batch: 25.
    loss = vae_module.gaussian_reconstruction_loss(images, reconstructions, stddev=0.1)
    np.testing.assert_allclose(float(loss), 25.0, rtol=1e-6)
    loss = vae_module.gaussian_reconstruction_loss(images, reconstructions, stddev=1.0)
    np.testing.assert_allclose(float(loss), 0.25, rtol=1e-6)


def test_vae_reconstruction_loss_falls_on_a_fixed_batch(digits_batches):
    images, labels = digits_batches
    model = tiny_model("vae")
    model.compile()
    history = model.fit(fixed_dataset(images, labels, batch_size=16), epochs=4,
                        steps_per_epoch=10, verbose=0)
    values = history.history["reconstruction_loss"]
    assert values[-1] < 0.6 * values[0], values
    # `loss` is the negative ELBO: reconstruction + kl_weight (1) * KL, in every epoch.
    np.testing.assert_allclose(history.history["loss"],
                               np.add(values, history.history["kl_loss"]), rtol=1e-5)


def test_vae_kl_weight_scales_only_the_kl_term(digits_batches):
    images, _ = digits_batches
    model = tiny_model("vae", kl_weight=0.0)
    model.compile()
    logs = model.train_step((tf.constant(images[:8]),))
    assert float(logs["kl_loss"]) > 0
    np.testing.assert_allclose(float(logs["loss"]), float(logs["reconstruction_loss"]),
                               rtol=1e-6)


def test_vae_encode_is_the_deterministic_posterior_mean_and_sampling_is_not(digits_batches):
    images = tf.constant(digits_batches[0][:4])
    model = tiny_model("vae")
    mean, log_variance = model.encoder(images)
    z = model.encode(images)
    assert z.shape == (4, LATENT_DIM)
    np.testing.assert_array_equal(z, mean)
    np.testing.assert_array_equal(z, model.encode(images))
    # The ELBO's posterior samples differ from step to step (the seed stream moves).
    first = model.elbo_terms(images)[2]
    second = model.elbo_terms(images)[2]
    assert not np.allclose(first, second)
    assert np.all(np.isfinite(log_variance))


def test_vae_saved_model_encode_signature_serves_the_mean(digits_batches, tmp_path):
    model = tiny_model("vae")
    kerasgan.export.write_saved_model(model, str(tmp_path / "1"))
    signature = tf.saved_model.load(str(tmp_path / "1")).signatures["encode"]
    spec = signature.structured_input_signature[1]["images"]
    assert spec.dtype == tf.uint8 and spec.shape.as_list() == [None, 32, 32, 1]
    images = kerasgan.images.to_uint8(digits_batches[0][:3]).numpy()
    served = kerasgan.export.run_saved_model(str(tmp_path / "1"), {"images": images}, "encode")
    assert set(served) == {"z"}
    expected = model.encoder(kerasgan.images.from_uint8(images))[0]
    np.testing.assert_allclose(served["z"], expected, atol=1e-5)


def test_vae_trains_decoder_and_encoder_with_one_optimizer_and_keeps_an_ema(digits_batches):
    model = tiny_model("vae", ema_decay=0.5)
    model.compile()
    assert model.d_optimizer is None and model.discriminator is None
    assert model.player_networks() == {"generator": [model.generator, model.encoder]}
    assert {id(w) for w in model.g_optimizer._trainable_variables} == {
        id(w) for w in model.generator.trainable_weights + model.encoder.trainable_weights}
    model.fit(fixed_dataset(*digits_batches), epochs=1, steps_per_epoch=2, verbose=0)
    assert model.sampler is model.generator_ema
    assert int(model.generator_ema.updates) == 2
    z = model.draw_latents(3, 7)["z"]
    np.testing.assert_allclose(model.generate(3, seed=7), model.generator_ema(z), atol=1e-6)
    assert not np.allclose(model.generator_ema(z), model.generator(z), atol=1e-4)


def test_vae_config_round_trip():
    model = tiny_model("vae", reconstruction_stddev=0.3, kl_weight=0.5)
    config = model.get_config()
    assert config["reconstruction_stddev"] == 0.3 and config["kl_weight"] == 0.5
    assert "discriminator" not in config and config["encoder"] is not None
    # A copy: deserializing the nested networks empties their config dicts in place.
    restored = vae_module.VAE.from_config(copy.deepcopy(config))
    assert restored.get_config() == config
    assert restored.encoder.output_shape == [(None, LATENT_DIM), (None, LATENT_DIM)]


@pytest.mark.parametrize("overrides, message", [
    ({"reconstruction_stddev": 0}, "reconstruction_stddev=0"),
    ({"kl_weight": -1.0}, "kl_weight=-1.0"),
    ({"base_filters": 0}, "base_filters=0"),
    ({"image_shape": (24, 24, 1)}, r"image_shape=\(24, 24, 1\)"),
    ({"r1_weight": 1.0}, "r1_weight=1.0"),
    ({"diffaugment": "translation"}, "diffaugment='translation'"),
    ({"replay_buffer_size": 8}, "replay_buffer_size=8"),
])
def test_vae_rejects_bad_hyperparameters_naming_them(overrides, message):
    with pytest.raises(ValueError, match=message):
        tiny_model("vae", **overrides)


def test_vae_takes_no_discriminator_optimizer():
    model = tiny_model("vae")
    with pytest.raises(ValueError, match="d_optimizer"):
        model.compile(d_optimizer="adam")


# LAPGAN -------------------------------------------------------------------------------


def test_laplacian_pyramid_reconstructs_the_images_exactly():
    images = tf.random.stateless_uniform((2, 32, 32, 3), seed=[1, 2], minval=-1, maxval=1)
    coarsest, levels = lapgan_module.laplacian_pyramid(images, 3)
    assert coarsest.shape == (2, 8, 8, 3)
    assert [band.shape[1] for band, _ in levels] == [16, 32]
    # The coarsest level is the mean of each 4x4 block.
    blocks = images.numpy().reshape(2, 8, 4, 8, 4, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(coarsest, blocks, atol=1e-6)
    # Each level: low = u(d(x_k)), band = x_k - low, so low + band == x_k.
    x_16 = lapgan_module.downsample(images)
    band, low = levels[0]
    np.testing.assert_allclose(low, lapgan_module.upsample(lapgan_module.downsample(x_16)),
                               atol=1e-7)
    np.testing.assert_allclose(low + band, x_16, atol=1e-6)
    # Rebuilding coarse to fine from the coarsest image and the bands gives the images.
    rebuilt = coarsest
    for band, _ in levels:
        rebuilt = lapgan_module.upsample(rebuilt) + band
    np.testing.assert_allclose(rebuilt, images, atol=1e-5)


def test_lapgan_levels_follow_the_image_size():
    assert tiny_model("lapgan").sizes == [8, 16, 32]
    assert tiny_model("lapgan", base_size=4).sizes == [4, 8, 16, 32]
    model = tiny_model("lapgan", image_shape=(64, 64, 3))
    assert model.sizes == [8, 16, 32, 64]
    assert model.generator.output_shape == (None, 64, 64, 3)
    assert [t.name for t in model.generator.inputs] == ["z", "noise_16", "noise_32", "noise_64"]
    assert [t.name for t in model.discriminator.inputs] == [
        "image_8", "band_16", "low_16", "band_32", "low_32", "band_64", "low_64"]
    assert len(model.discriminator.outputs) == 4
    assert model.metric_names[:2] == ("d_loss", "g_loss")
    assert "g_loss_64" in model.metric_names


def test_lapgan_generator_is_the_levels_composed_by_hand():
    model = tiny_model("lapgan")
    latents = model.draw_latents(3, 11)
    image = model.level_generators[0](latents["z"])
    assert image.shape == (3, 8, 8, 1)
    for generator, size in zip(model.level_generators[1:], model.sizes[1:]):
        low = lapgan_module.upsample(image)
        image = tf.clip_by_value(low + generator([latents[f"noise_{size}"], low]), -1.0, 1.0)
    np.testing.assert_allclose(model.generate_from(latents), image, atol=1e-5)
    np.testing.assert_allclose(model.generate(3, seed=11), image, atol=1e-5)
    # The generator's own up-sampling layer is `upsample`.
    coarse = tf.random.stateless_normal((2, 8, 8, 1), seed=[3, 4])
    np.testing.assert_allclose(model.generator.get_layer("low_16")(coarse),
                               lapgan_module.upsample(coarse), atol=1e-6)


def test_lapgan_level_noise_changes_only_the_finer_levels():
    model = tiny_model("lapgan")
    latents = model.draw_latents(2, 5)
    changed = {**latents, "noise_32": latents["noise_32"] + 1.0}
    first, second = model.generate_from(latents), model.generate_from(changed)
    assert not np.allclose(first, second)
    # z only: the level noise comes from the fixed fill seed, the same every call.
    np.testing.assert_array_equal(model(latents["z"]), model(latents["z"]))
    filled = model.generator_inputs(latents["z"])
    np.testing.assert_allclose(model(latents["z"]), model.generator(filled), atol=1e-6)


def _level_gradients(model, losses, networks):
    """`[[any gradient non-zero for loss j in network k] for k] for j]`."""
    table = []
    for loss in losses:
        row = []
        for network in networks:
            with tf.GradientTape() as tape:
                value = loss()
            grads = tape.gradient(value, network.trainable_weights)
            row.append(any(g is not None and np.any(np.asarray(g) != 0) for g in grads))
        table.append(row)
    return table


def test_lapgan_each_level_is_trained_only_by_its_own_loss(digits_batches):
    model = tiny_model("lapgan")
    images = tf.constant(digits_batches[0][:4])
    coarsest, levels = model.pyramid(images)
    lows = [low for _, low in levels]
    reals = model.discriminator_level_inputs(coarsest, [band for band, _ in levels], lows)

    def g_level_loss(j):
        def loss():
            fakes = model.fake_levels(4, lows)
            logits = model.discriminator(
                model.discriminator_level_inputs(fakes[0], fakes[1:], lows), training=True)
            return model.g_loss_fn(logits[j])
        return loss

    def d_level_loss(j):
        def loss():
            return model.d_loss_fn(model.discriminator(reals, training=True)[j], 0.0)
        return loss

    levels_count = len(model.sizes)
    expected = np.eye(levels_count, dtype=bool).tolist()
    assert _level_gradients(model, [g_level_loss(j) for j in range(levels_count)],
                            model.level_generators) == expected
    assert _level_gradients(model, [d_level_loss(j) for j in range(levels_count)],
                            model.level_discriminators) == expected
    # The sub-models' weights are the players' weights.
    assert {id(w) for g in model.level_generators for w in g.trainable_weights} == {
        id(w) for w in model.generator.trainable_weights}


def test_lapgan_total_losses_are_the_sums_of_the_levels(digits_batches):
    model = tiny_model("lapgan", ema_decay=0.5)
    model.compile()
    history = model.fit(fixed_dataset(*digits_batches), epochs=1, steps_per_epoch=2,
                        verbose=0).history
    for player in ("d", "g"):
        total = sum(history[f"{player}_loss_{size}"][0] for size in model.sizes)
        np.testing.assert_allclose(history[f"{player}_loss"][0], total, rtol=1e-5)
    # ema_decay: the averaged end-to-end generator samples.
    assert model.sampler is model.generator_ema and int(model.generator_ema.updates) == 2
    latents = model.draw_latents(2, 3)
    np.testing.assert_allclose(model.generate(2, seed=3), model.generator_ema(
        model.generator_inputs(latents["z"], noise={16: latents["noise_16"],
                                                    32: latents["noise_32"]})), atol=1e-6)


def test_lapgan_config_round_trip():
    model = tiny_model("lapgan", base_size=4, generator_loss="minimax")
    config = model.get_config()
    assert config["base_size"] == 4 and config["generator_loss"] == "minimax"
    assert config["hidden_units"] == [[16], [16]]
    restored = lapgan_module.LAPGAN.from_config(copy.deepcopy(config))
    assert restored.get_config() == config
    assert restored.sizes == [4, 8, 16, 32]
    assert restored.metric_names == model.metric_names
    restored.generator.set_weights(model.generator.get_weights())
    z = model.draw_latents(2, 1)
    np.testing.assert_allclose(restored.generate_from(z), model.generate_from(z), atol=1e-6)


@pytest.mark.parametrize("overrides, message", [
    ({"image_shape": (24, 24, 1)}, r"image_shape=\(24, 24, 1\)"),
    ({"image_shape": (8, 8, 1)}, r"image_shape=\(8, 8, 1\)"),
    ({"base_size": 2}, "base_size=2"),
    ({"base_filters": 0}, "base_filters=0"),
    ({"hidden_units": ((0,), (16,))}, "hidden_units=0"),
    ({"hidden_units": ((16,),)}, "hidden_units"),
    ({"generator_loss": "wasserstein"}, "generator_loss='wasserstein'"),
    ({"r1_weight": 1.0}, "r1_weight=1.0"),
    ({"diffaugment": "translation"}, "diffaugment='translation'"),
    ({"replay_buffer_size": 8}, "replay_buffer_size=8"),
    ({"minibatch_features": "stddev"}, "minibatch_features"),
])
def test_lapgan_rejects_bad_hyperparameters_naming_them(overrides, message):
    with pytest.raises(ValueError, match=message):
        tiny_model("lapgan", **overrides)


def test_lapgan_keras_file_keeps_the_nested_levels(tmp_path):
    model = tiny_model("lapgan")
    path = str(tmp_path / "lapgan.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [g.name for g in loaded.level_generators] == [
        "level_0_generator", "level_1_generator", "level_2_generator"]
    latents = model.draw_latents(2, 9)
    np.testing.assert_allclose(loaded.generate_from(latents), model.generate_from(latents),
                               atol=1e-6)
