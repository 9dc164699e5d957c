"""StyleGAN2: modulated convolutions, noise, style mixing, truncation, lazy R1, export."""

import copy
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import LATENT_DIM, fixed_dataset
from kerasgan.models.stylegan import ModulatedConv2D, NoiseInjection, StyleGAN, Truncation


def small(**overrides):
    kwargs = {"latent_dim": LATENT_DIM, "base_filters": 4, "w_dim": 8, "mapping_layers": 2,
              "seed": 0, **overrides}
    return kerasgan.create_model("stylegan", **kwargs)


def _latents(model, num, seed):
    return model.draw_latents(num, seed)["z"]


# Modulated convolution ------------------------------------------------------------------

@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_conv_equals_conv_with_each_samples_own_kernel(demodulate):
    rng = np.random.default_rng(0)
    layer = ModulatedConv2D(5, 3, demodulate=demodulate)
    x = rng.standard_normal((2, 6, 7, 3)).astype(np.float32)
    styles = rng.uniform(0.2, 2.0, (2, 3)).astype(np.float32)
    outputs = np.asarray(layer([x, styles]))
    assert outputs.shape == (2, 6, 7, 5)

    base = layer.kernel.numpy() / np.sqrt(3 * 3 * 3)  # equalized learning rate
    kernels = []
    for b in range(2):
        kernel = base * styles[b][None, None, :, None]  # modulate: w'_kij = s_i w_kij
        if demodulate:  # w''_kij = w'_kij / sqrt(sum_ki w'_kij^2 + eps)
            kernel = kernel / np.sqrt(np.sum(kernel ** 2, axis=(0, 1, 2)) + 1e-8)
        kernels.append(kernel)
        expected = tf.nn.conv2d(x[b:b + 1], kernel, 1, "SAME").numpy()[0]
        np.testing.assert_allclose(outputs[b], expected, rtol=1e-4, atol=1e-5)
    # The samples really have different kernels: sample 0 through sample 1's differs.
    other = tf.nn.conv2d(x[:1], kernels[1], 1, "SAME").numpy()[0]
    assert np.max(np.abs(other - outputs[0])) > 1e-2


def test_demodulated_outputs_have_unit_std_for_unit_std_inputs():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 20, 20, 64)).astype(np.float32)
    # Styles of very different scales, per sample.
    styles = (rng.uniform(0.5, 1.5, (4, 64)) * np.array([[0.1], [1.0], [3.0], [10.0]])
              ).astype(np.float32)
    demodulated = np.asarray(ModulatedConv2D(32, 3)([x, styles]))
    plain = np.asarray(ModulatedConv2D(32, 3, demodulate=False)([x, styles]))
    interior = (slice(None), slice(1, -1), slice(1, -1))  # 'same' padding lowers the border
    stds = demodulated[interior].reshape(4, -1).std(axis=1)
    np.testing.assert_allclose(stds, 1.0, atol=0.08)
    # Without demodulation the output scale follows the style's.
    plain_stds = plain[interior].reshape(4, -1).std(axis=1)
    assert plain_stds[3] > 20 * plain_stds[0]


def test_modulated_conv_rejects_styles_of_the_wrong_width():
    with pytest.raises(ValueError, match="styles"):
        ModulatedConv2D(4)([np.ones((1, 4, 4, 3), "float32"), np.ones((1, 2), "float32")])


# Noise ----------------------------------------------------------------------------------

def test_noise_is_fresh_in_training_and_fixed_in_inference(mirrored):
    layer = NoiseInjection(seed=3)
    x = np.zeros((2, 5, 5, 4), np.float32)
    layer(x)
    layer.strength.assign(np.arange(1, 5, dtype=np.float32))
    first, second = layer(x, training=True), layer(x, training=True)
    assert not np.allclose(first, second)
    # One noise image per sample, scaled per channel by the strength.
    np.testing.assert_allclose(first[..., 1], 2 * first[..., 0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(first[0], first[1])
    inference = np.asarray(layer(x))
    np.testing.assert_array_equal(inference, np.asarray(layer(x)))
    stored = layer.noise.numpy() * layer.strength.numpy()  # [1, 5, 5, 4]: same for all
    np.testing.assert_allclose(inference, np.repeat(stored, 2, axis=0), rtol=1e-6)
    assert not layer.noise.trainable and layer.strength.trainable

    # Replicas draw different noise.
    with mirrored.scope():
        replicated = NoiseInjection(seed=3)
        replicated(x)
        replicated.strength.assign(np.ones(4, np.float32))
    ones = np.zeros((1, 5, 5, 4), np.float32)
    per_replica = mirrored.experimental_local_results(
        mirrored.run(tf.function(lambda: replicated(ones, training=True))))
    assert len(per_replica) == 2 and not np.allclose(per_replica[0], per_replica[1])


def test_generator_is_deterministic_in_inference_and_noisy_in_training():
    model = small()
    for layer in model.synthesis.layers:
        if isinstance(layer, NoiseInjection):
            layer.strength.assign(np.ones_like(layer.strength.numpy()))
    ws = tf.repeat(model.mapping(_latents(model, 2, 0))[:, None], model.num_ws, axis=1)
    np.testing.assert_array_equal(model.synthesis(ws), model.synthesis(ws))
    assert not np.allclose(model.synthesis(ws, training=True), model.synthesis(ws, training=True))


# Style mixing ---------------------------------------------------------------------------

def test_style_mixing_switches_from_one_w_to_the_other_at_a_random_layer():
    model = small(style_mixing=1.0)
    w = model.mapping(_latents(model, 16, 0))
    w_other = model.mapping(_latents(model, 16, 1))
    seed = tf.constant([4, 2])
    ws = model.mix_styles(w, w_other, seed).numpy()
    assert ws.shape == (16, model.num_ws, 8)
    crossovers = []
    for i in range(16):
        takes_first = [np.array_equal(ws[i, k], w[i]) for k in range(model.num_ws)]
        takes_second = [np.array_equal(ws[i, k], w_other[i]) for k in range(model.num_ws)]
        crossover = takes_first.index(False)
        assert 1 <= crossover < model.num_ws
        assert all(takes_first[:crossover]) and all(takes_second[crossover:])
        crossovers.append(crossover)
    assert len(set(crossovers)) > 1  # drawn per image
    np.testing.assert_array_equal(ws, model.mix_styles(w, w_other, seed))  # stateless
    assert not np.array_equal(ws, model.mix_styles(w, w_other, tf.constant([4, 3])))

    def images(per_layer):
        return model.synthesis(per_layer).numpy()

    mixed = images(ws)
    pure = images(np.repeat(w.numpy()[:, None], model.num_ws, axis=1))
    pure_other = images(np.repeat(w_other.numpy()[:, None], model.num_ws, axis=1))
    for i in range(16):
        assert np.max(np.abs(mixed[i] - pure[i])) > 1e-4
        assert np.max(np.abs(mixed[i] - pure_other[i])) > 1e-4

    unmixed = small(style_mixing=0.0)
    ws = unmixed.mix_styles(w, w_other, seed).numpy()
    np.testing.assert_array_equal(ws, np.repeat(w.numpy()[:, None], unmixed.num_ws, axis=1))


def test_half_mixing_probability_mixes_about_half():
    model = small(style_mixing=0.5)
    w = tf.zeros((400, 8))
    ws = model.mix_styles(w, tf.ones((400, 8)), tf.constant([0, 9])).numpy()
    share = np.mean(ws[:, -1, 0] == 1.0)  # the last layer is the other w iff mixed
    assert 0.4 < share < 0.6


# Truncation -----------------------------------------------------------------------------

def test_truncation_zero_gives_the_average_image_and_one_the_plain_generator():
    model = small()
    model.w_avg.assign(np.linspace(-1, 1, 8).astype(np.float32))
    at_zero = model.generate(4, seed=0, truncation=0.0)
    for image in at_zero[1:]:
        np.testing.assert_allclose(image, at_zero[0], atol=1e-6)
    plain = model.generate(4, seed=0)
    np.testing.assert_allclose(model.generate(4, seed=0, truncation=1.0), plain, atol=1e-6)
    np.testing.assert_allclose(model.generator(_latents(model, 4, 0)), plain, atol=1e-6)
    half = model.generate(4, seed=0, truncation=0.5)
    assert np.max(np.abs(half - plain)) > 1e-4 and np.max(np.abs(half - at_zero)) > 1e-4
    # One psi per image.
    per_image = model.generate(4, seed=0, truncation=[0.0, 1.0, 0.5, 0.5])
    np.testing.assert_allclose(per_image[0], at_zero[0], atol=1e-6)
    np.testing.assert_allclose(per_image[1], plain[1], atol=1e-6)
    np.testing.assert_allclose(per_image[2:], half[2:], atol=1e-6)


def test_truncation_layer_lerps_and_updates_its_running_mean_by_hand():
    layer = Truncation(decay=0.75)
    w = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    layer(w)
    np.testing.assert_array_equal(layer(w), w)  # no psi: identity
    layer.w_avg.assign([4.0, 4.0])
    layer.update(w)  # 0.75 * 4 + 0.25 * mean(w)
    np.testing.assert_allclose(layer.w_avg.numpy(), [0.75 * 4 + 0.25 * 2, 0.75 * 4 + 0.25 * 4])
    avg = layer.w_avg.numpy()
    np.testing.assert_allclose(layer(w, truncation=0.25), avg + 0.25 * (w - avg), rtol=1e-6)


def test_w_avg_moves_in_training_and_is_not_trained(digits_batches):
    model = small()
    model.compile()
    before = model.w_avg.numpy().copy()
    model.fit(fixed_dataset(*digits_batches), epochs=1, steps_per_epoch=2, verbose=0)
    after = model.w_avg.numpy()
    assert not np.allclose(before, after)
    assert not model.w_avg.trainable
    assert all(v is not model.w_avg for v in model.g_optimizer._trainable_variables)


def test_truncated_signature_of_the_saved_model_matches_generate(tmp_path):
    model = small()
    model.w_avg.assign(np.full(8, 0.3, np.float32))
    path = str(tmp_path / "saved")
    kerasgan.export.write_saved_model(model, path)
    z = _latents(model, 3, 7).numpy()
    loaded = tf.saved_model.load(path)
    for psi in ([0.5], [0.0, 0.7, 1.0]):
        served = kerasgan.export.run_saved_model(
            loaded, {"z": z, "truncation": np.array(psi, np.float32)}, "truncated")["images"]
        assert served.dtype == np.uint8 and served.shape == (3, 32, 32, 1)
        truncation = psi[0] if len(psi) == 1 else psi
        expected = kerasgan.images.to_uint8(model.generate(3, seed=7, truncation=truncation))
        assert np.max(np.abs(served.astype(int) - expected.numpy().astype(int))) <= 1
    plain = kerasgan.export.run_saved_model(loaded, {"z": z})["images"]
    at_one = kerasgan.export.run_saved_model(
        loaded, {"z": z, "truncation": np.ones([1], np.float32)}, "truncated")["images"]
    np.testing.assert_array_equal(plain, at_one)
    assert model.serving_spec().tflite_signatures == ("serving_default",)


def test_truncation_uses_the_averaged_generator_with_ema():
    model = small(ema_decay=0.5)
    model.generator.get_layer("mapping").get_layer("dense_0").bias.assign(np.ones(8, np.float32))
    model.generator_ema.update()  # the averages now differ from the generator's weights
    assert not np.allclose(model.generate(2, seed=0),
                           np.asarray(model.generator(_latents(model, 2, 0))), atol=1e-5)
    np.testing.assert_allclose(model.generate(2, seed=0, truncation=1.0),
                               model.generate(2, seed=0), atol=1e-6)


# Lazy R1 -------------------------------------------------------------------------------

def test_lazy_r1_applies_the_scaled_penalty_every_interval_steps(digits_batches):
    model = small(r1_weight=2.0, r1_interval=4)
    model.compile()
    real = tf.constant(digits_batches[0][:8])
    penalty, applied, gradients = model.lazy_r1(real)  # step 0: applied
    assert float(applied) == 1.0
    expected = 4 * float(model.discriminator_penalty(real))
    np.testing.assert_allclose(float(penalty), expected, rtol=1e-4)
    weights = model.discriminator.trainable_weights
    with tf.GradientTape() as tape:
        reference = 4 * model.discriminator_penalty(real)
    for g, r, w in zip(gradients, tape.gradient(reference, weights), weights):
        np.testing.assert_allclose(g, np.zeros(w.shape) if r is None else r, rtol=1e-3,
                                   atol=1e-6)
    assert any(np.any(np.asarray(g) != 0) for g in gradients)
    model.g_optimizer.iterations.assign(1)  # between applications: nothing
    penalty, applied, gradients = model.lazy_r1(real)
    assert float(applied) == 0.0 and float(penalty) == 0.0
    assert all(not np.any(np.asarray(g)) for g in gradients)
    assert small(r1_weight=0.0).lazy_r1(real)[2] is None


def test_fit_logs_finite_losses_and_the_r1_penalty(digits_batches):
    model = small(r1_interval=2)
    model.compile()
    history = model.fit(fixed_dataset(*digits_batches), epochs=1, steps_per_epoch=3, verbose=0)
    assert set(history.history) == set(model.metric_names)
    for key in model.metric_names:
        assert np.isfinite(history.history[key][-1]), key
    assert history.history["r1_penalty"][-1] > 0
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 3


# Configuration --------------------------------------------------------------------------

def test_config_round_trip_and_keras_file_keep_w_avg_and_noise(tmp_path):
    model = small(style_mixing=0.5, r1_interval=8, w_avg_decay=0.9, mapping_lr_multiplier=0.1)
    config = model.get_config()
    for key, value in {"base_filters": 4, "w_dim": 8, "mapping_layers": 2, "style_mixing": 0.5,
                       "r1_interval": 8, "w_avg_decay": 0.9, "mapping_lr_multiplier": 0.1,
                       "r1_weight": 1.0}.items():
        assert config[key] == value, key
    rebuilt = StyleGAN.from_config(copy.deepcopy(config))
    # JSON, as a .keras file stores it: Keras's nested configs hold tuples that
    # come back as lists.
    assert json.dumps(rebuilt.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)
    assert rebuilt.mapping.get_layer("dense_0").lr_multiplier == 0.1

    model.w_avg.assign(np.linspace(0, 1, 8).astype(np.float32))
    path = str(tmp_path / "stylegan.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, StyleGAN)
    np.testing.assert_array_equal(loaded.w_avg.numpy(), model.w_avg.numpy())
    np.testing.assert_allclose(loaded.generate(3, seed=1, truncation=0.5),
                               model.generate(3, seed=1, truncation=0.5), atol=1e-6)


def test_default_w_dim_follows_base_filters():
    model = kerasgan.create_model("stylegan", latent_dim=8, base_filters=4, mapping_layers=1)
    assert model.w_dim == 32 and model.synthesis.input_shape == (None, 8, 32)
    assert model.get_config()["w_dim"] is None
    channels = [layer.filters for layer in model.synthesis.layers
                if isinstance(layer, ModulatedConv2D) and layer.kernel_size == 3]
    assert channels == [32, 16, 16, 8, 8, 4, 4]  # 4x4 conv, then two per resolution


@pytest.mark.parametrize("key, value", [
    ("w_dim", 0), ("mapping_layers", 0), ("style_mixing", 1.5), ("w_avg_decay", 1.0),
    ("r1_interval", 0), ("base_filters", -1), ("mapping_lr_multiplier", 0.0),
    ("r1_weight", -1.0),
])
def test_bad_hyperparameters_raise_naming_the_value(key, value):
    with pytest.raises(ValueError, match=rf"{key}={value!r}"):
        small(**{key: value})


def test_bad_image_shape_and_truncation_raise():
    with pytest.raises(ValueError, match=r"image_shape=\(24, 24, 1\)"):
        small(image_shape=(24, 24, 1))
    model = small()
    for truncation in (float("nan"), "0.5", [0.5, 0.5], True):
        with pytest.raises(ValueError, match="truncation="):
            model.generate(3, seed=0, truncation=truncation)
    with pytest.raises(ValueError, match="unconditional"):
        model.generate(2, labels=[0, 1])
