"""The objective variants: lsgan, wgan, wgan_gp, dragan, sngan, and their losses and penalties.

Loss values are checked against numbers computed by hand on fixed logits; penalties
on critics whose input gradient is known in closed form. The shared per-model suite
(build, fit, export, save/load, MirroredStrategy) is tests/test_models.py.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import fixed_dataset, tiny_model
from kerasgan import losses

REAL_LOGITS = [2.0, -1.0, 0.5, 3.0]
FAKE_LOGITS = [-2.0, 0.0, 1.5, -0.5]


def value(tensor):
    return float(np.asarray(tensor))


def mean(values):
    values = list(values)
    return sum(values) / len(values)


# Objectives


def test_least_squares_losses_by_hand():
    # 1/2 mean((D(x) - 1)^2) + 1/2 mean(D(G(z))^2), and 1/2 mean((D(G(z)) - 1)^2).
    # Real: (1, 4, 0.25, 4) -> mean 2.3125; fake: (4, 0, 2.25, 0.25) -> mean 1.625.
    assert value(losses.least_squares_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)) == (
        pytest.approx(0.5 * 2.3125 + 0.5 * 1.625, rel=1e-6)
    )
    # Fake minus one: (9, 1, 0.25, 2.25) -> mean 3.125.
    assert value(losses.least_squares_generator_loss(FAKE_LOGITS)) == pytest.approx(1.5625, rel=1e-6)


def test_least_squares_smoothing_moves_only_the_real_target():
    smoothed = losses.least_squares_discriminator_loss(REAL_LOGITS, FAKE_LOGITS, real_target=0.9)
    expected = 0.5 * mean((x - 0.9) ** 2 for x in REAL_LOGITS) + 0.5 * mean(
        x**2 for x in FAKE_LOGITS
    )
    assert value(smoothed) == pytest.approx(expected, rel=1e-6)


def test_wasserstein_losses_by_hand():
    # mean(real) = 1.125, mean(fake) = -0.25.
    assert value(losses.wasserstein_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)) == (
        pytest.approx(-0.25 - 1.125, rel=1e-6)
    )
    assert value(losses.wasserstein_generator_loss(FAKE_LOGITS)) == pytest.approx(0.25, rel=1e-6)


def test_hinge_losses_by_hand():
    # relu(1 - real): (0, 2, 0.5, 0) -> 0.625; relu(1 + fake): (0, 1, 2.5, 0.5) -> 1.0.
    assert value(losses.hinge_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)) == (
        pytest.approx(1.625, rel=1e-6)
    )
    assert value(losses.hinge_generator_loss(FAKE_LOGITS)) == pytest.approx(0.25, rel=1e-6)
    # Past both margins the discriminator loss is exactly zero.
    assert value(losses.hinge_discriminator_loss([1.0, 3.0], [-1.0, -5.0])) == 0.0


def test_objectives_reduce_patch_outputs_to_scalar_means():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(2, 3, 3, 1)).astype(np.float32)
    fake = rng.normal(size=(2, 3, 3, 1)).astype(np.float32)
    result = losses.hinge_discriminator_loss(real, fake)
    assert tuple(result.shape) == ()
    expected = np.maximum(0, 1 - real).mean() + np.maximum(0, 1 + fake).mean()
    assert value(result) == pytest.approx(float(expected), rel=1e-5)


def test_least_squares_is_in_gans_table_and_wasserstein_is_not():
    assert losses.get("least_squares", "generator") is losses.least_squares_generator_loss
    assert losses.get("least_squares", "discriminator") is losses.least_squares_discriminator_loss
    # The GAN train step has no Lipschitz constraint: `wgan`/`wgan_gp` own that objective.
    assert "least_squares" in losses.GENERATOR_LOSSES
    assert "wasserstein" not in losses.GENERATOR_LOSSES
    with pytest.raises(ValueError, match="'wasserstein'"):
        kerasgan.create_model("gan", generator_loss="wasserstein")


# Penalties


def linear_critic(weights):
    """D(x) = <x, w> per example; its input gradient is `w` everywhere."""
    w = tf.constant(weights, tf.float32)
    return lambda x: tf.reduce_sum(tf.reshape(x, [tf.shape(x)[0], -1]) * w, axis=1, keepdims=True)


def half_squared_norm_critic(x):
    """D(x) = |x|^2 / 2 per example; its input gradient is `x` itself."""
    return 0.5 * tf.reduce_sum(tf.square(tf.reshape(x, [tf.shape(x)[0], -1])), axis=1)


REAL = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]], np.float32)
FAKE = np.array([[0.0, 0.0], [2.0, 2.0], [-1.0, 1.0]], np.float32)


def test_gradient_penalty_is_zero_for_a_unit_norm_critic():
    penalty = losses.gradient_penalty(linear_critic([0.6, 0.8]), REAL, FAKE, seed=[1, 2])
    assert value(penalty) == pytest.approx(0.0, abs=1e-6)


def test_gradient_penalty_is_lambda_times_squared_norm_gap():
    # |w| = 3 everywhere: lambda (3 - 1)^2 = 40 for lambda = 10.
    penalty = losses.gradient_penalty(linear_critic([0.0, 3.0]), REAL, FAKE, seed=[1, 2])
    assert value(penalty) == pytest.approx(40.0, rel=1e-5)
    penalty = losses.gradient_penalty(linear_critic([0.3, 0.4]), REAL, FAKE, weight=2.0, seed=[3, 4])
    assert value(penalty) == pytest.approx(2.0 * 0.25, rel=1e-5)


def test_gradient_penalty_is_taken_at_the_interpolates():
    alpha = np.array([[0.0], [0.5], [1.0]], np.float32)
    penalty = losses.gradient_penalty(half_squared_norm_critic, REAL, FAKE, alpha=alpha)
    # x_hat = alpha x + (1 - alpha) G(z): (0, 0), (1, 0.5), (3, 0.5); grad = x_hat.
    norms = [0.0, math.sqrt(1.25), math.sqrt(9.25)]
    expected = 10.0 * mean((n - 1.0) ** 2 for n in norms)
    assert value(penalty) == pytest.approx(expected, rel=1e-5)


def test_gradient_penalty_draws_one_alpha_per_example_in_unit_interval():
    inputs = []

    def recording_critic(x):
        inputs.append(x)
        return half_squared_norm_critic(x)

    real = np.ones([64, 2, 2, 1], np.float32)
    fake = np.zeros([64, 2, 2, 1], np.float32)
    losses.gradient_penalty(recording_critic, real, fake, seed=[5, 6])
    x_hat = inputs[0].numpy()
    # With real = 1 and fake = 0, x_hat is alpha, the same over each image.
    assert np.all((x_hat >= 0.0) & (x_hat <= 1.0))
    np.testing.assert_array_equal(x_hat, np.broadcast_to(x_hat[:, :1, :1, :], x_hat.shape))
    assert np.std(x_hat[:, 0, 0, 0]) > 0.1


def test_penalties_need_a_seed():
    with pytest.raises(ValueError, match="seed=None"):
        losses.gradient_penalty(half_squared_norm_critic, REAL, FAKE)
    with pytest.raises(ValueError, match="seed=None"):
        losses.dragan_penalty(half_squared_norm_critic, REAL)


def test_safe_norm_has_a_finite_gradient_at_zero():
    zeros = tf.zeros([2, 3])
    with tf.GradientTape() as tape:
        tape.watch(zeros)
        norms = losses.per_example_norm(zeros)
    grad = tape.gradient(norms, zeros).numpy()
    assert np.all(np.isfinite(grad)) and np.all(grad == 0.0)
    # tf.norm's gradient is 0/0 there: the reason for the epsilon.
    with tf.GradientTape() as tape:
        tape.watch(zeros)
        plain = tf.norm(zeros, axis=1)
    assert np.all(np.isnan(tape.gradient(plain, zeros).numpy()))


def test_gradient_penalty_gradient_is_finite_for_a_flat_critic():
    # A critic with zero input gradient (w = 0): the penalty's own gradient
    # d/dw lambda (|w| - 1)^2 would be NaN with an exact norm.
    w = tf.Variable([0.0, 0.0])

    def critic(x):
        return tf.reduce_sum(x * w, axis=1)

    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, REAL, FAKE, seed=[1, 2])
    grad = tape.gradient(penalty, w).numpy()
    assert value(penalty) == pytest.approx(10.0, rel=1e-5)
    assert np.all(np.isfinite(grad))


def test_gradient_penalty_gradient_flows_to_the_critic_weights():
    # d/dw 10 (|w| - 1)^2 = 20 (|w| - 1) w / |w|; at w = (0, 3): (0, 40).
    w = tf.Variable([0.0, 3.0])

    def critic(x):
        return tf.reduce_sum(x * w, axis=1)

    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, REAL, FAKE, seed=[1, 2])
    np.testing.assert_allclose(tape.gradient(penalty, w).numpy(), [0.0, 40.0], rtol=1e-5)


def test_dragan_penalty_is_computed_around_real_data():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(16, 4, 4, 1)).astype(np.float32)
    inputs = []

    def recording_critic(x):
        inputs.append(x)
        return half_squared_norm_critic(x)

    penalty = losses.dragan_penalty(recording_critic, real, seed=[7, 8])
    x_hat = inputs[0].numpy()
    # x_hat = x + alpha * 0.5 std(x) U[0, 1]: within [x, x + 0.5 std(x)], elementwise.
    offset = x_hat - real
    assert np.all(offset >= -1e-6) and np.all(offset <= 0.5 * real.std() + 1e-5)
    assert offset.max() > 0.1 * real.std()
    # The critic's gradient there is x_hat itself.
    norms = np.sqrt((x_hat.reshape(16, -1) ** 2).sum(axis=1))
    assert value(penalty) == pytest.approx(10.0 * np.mean((norms - 1.0) ** 2), rel=1e-5)


def test_dragan_penalty_is_zero_for_a_unit_norm_critic():
    penalty = losses.dragan_penalty(linear_critic([0.6, 0.8]), REAL, seed=[1, 2])
    assert value(penalty) == pytest.approx(0.0, abs=1e-6)


def test_r1_penalty_is_half_gamma_squared_gradient_norm_on_real_data():
    # Linear critic: gamma / 2 |w|^2 = 5 * 25.
    assert value(losses.r1_penalty(linear_critic([3.0, 4.0]), REAL)) == pytest.approx(125.0, rel=1e-6)
    # Gradient x on the real data: gamma / 2 mean |x|^2 = 0.5 * mean(5, 1, 9.25).
    assert value(losses.r1_penalty(half_squared_norm_critic, REAL, gamma=1.0)) == (
        pytest.approx(0.5 * (5.0 + 1.0 + 9.25) / 3, rel=1e-6)
    )


# Models


@pytest.fixture(scope="module")
def dataset():
    images, labels = kerasgan.data.load_arrays("digits", "train", limit=16)
    return fixed_dataset(images, labels)


@pytest.mark.parametrize("name, n_critic", [("wgan", 3), ("wgan_gp", 2), ("sngan", 2)])
def test_n_critic_critic_iterations_per_generator_iteration(name, n_critic, dataset):
    model = tiny_model(name, n_critic=n_critic)
    model.compile()
    history = model.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
    assert int(model.g_optimizer.iterations) == 2
    assert int(model.d_optimizer.iterations) == 2 * n_critic
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    if name == "wgan":
        # After the steps, every critic weight is inside [-c, c]...
        for weight in model.discriminator.trainable_weights:
            assert np.max(np.abs(weight.numpy())) <= model.clip_value + 1e-7, weight.path
        # ...and the weights were moved by training, not just clipped once.
        assert history.history["wasserstein_distance"][-1] != 0.0
    if name == "wgan_gp":
        assert history.history["gradient_penalty"][-1] > 0.0


def test_wgan_clips_every_critic_weight_on_creation():
    model = tiny_model("wgan", clip_value=0.005)
    assert any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in model.discriminator.layers)
    for weight in model.discriminator.trainable_weights:
        assert np.max(np.abs(weight.numpy())) <= 0.005 + 1e-9, weight.path


def test_sngan_normalizes_every_discriminator_layer():
    model = tiny_model("sngan")
    wrapped = [layer for layer in model.discriminator.layers
               if isinstance(layer, keras.layers.SpectralNormalization)]
    weighted = [layer for layer in model.discriminator.layers if layer.trainable_weights]
    assert wrapped and wrapped == weighted
    assert {type(layer.layer) for layer in wrapped} == {keras.layers.Conv2D, keras.layers.Dense}


def test_sngan_training_call_divides_kernels_by_their_spectral_norm():
    keras.utils.set_random_seed(0)
    model = tiny_model("sngan", power_iterations=20)
    images = np.random.default_rng(0).uniform(-1, 1, (4, 32, 32, 1)).astype(np.float32)
    # The power iteration's vector persists across calls: 5 calls, 100 iterations, so
    # the estimate converges even when the top two singular values are close.
    for _ in range(5):
        model.discriminator(images, training=True)
    for layer in model.discriminator.layers:
        if isinstance(layer, keras.layers.SpectralNormalization):
            kernel = layer.kernel.numpy().reshape(-1, layer.kernel.shape[-1])
            assert np.linalg.norm(kernel, 2) == pytest.approx(1.0, abs=0.05), layer.name


def test_gradient_penalty_critics_have_no_batch_norm():
    for name in ("wgan_gp", "dragan"):
        layer_types = {type(layer) for layer in tiny_model(name).discriminator.layers}
        assert keras.layers.BatchNormalization not in layer_types, name
        assert keras.layers.LayerNormalization in layer_types, name
        none = tiny_model(name, discriminator_normalization="none").discriminator.layers
        assert not any(isinstance(layer, keras.layers.LayerNormalization) for layer in none)


@pytest.mark.parametrize(
    "name, optimizer, learning_rate, betas",
    [
        ("lsgan", keras.optimizers.Adam, 2e-4, (0.5, 0.999)),
        ("wgan", keras.optimizers.RMSprop, 5e-5, None),
        ("wgan_gp", keras.optimizers.Adam, 1e-4, (0.0, 0.9)),
        ("dragan", keras.optimizers.Adam, 1e-4, (0.5, 0.9)),
        ("sngan", keras.optimizers.Adam, 2e-4, (0.5, 0.999)),
    ],
)
def test_compile_without_arguments_uses_the_papers_optimizers(name, optimizer, learning_rate, betas):
    model = tiny_model(name)
    model.compile()
    assert model.optimizer is None
    for opt in (model.d_optimizer, model.g_optimizer):
        assert type(opt) is optimizer
        assert float(opt.learning_rate) == pytest.approx(learning_rate)
        if betas:
            assert (opt.beta_1, opt.beta_2) == betas


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("wgan", {"n_critic": 3, "clip_value": 0.02}),
        ("wgan_gp", {"n_critic": 2, "gp_weight": 5.0, "discriminator_normalization": "none"}),
        ("dragan", {"gp_weight": 1.0, "perturbation_scale": 0.25, "generator_loss": "least_squares"}),
        ("sngan", {"n_critic": 2, "power_iterations": 3}),
        ("lsgan", {}),
    ],
)
def test_config_round_trip_keeps_every_argument(name, overrides):
    model = tiny_model(name, **overrides)
    config = model.get_config()
    for key, expected in overrides.items():
        assert config[key] == expected, key
    clone = type(model).from_config(model.get_config())

    def hyperparameters(config):
        return {k: v for k, v in config.items() if k not in ("generator", "discriminator")}

    assert hyperparameters(clone.get_config()) == hyperparameters(model.get_config())


@pytest.mark.parametrize(
    "name, overrides, message",
    [
        ("wgan", {"n_critic": 0}, "n_critic=0"),
        ("wgan_gp", {"n_critic": 2.5}, "n_critic=2.5"),
        ("sngan", {"n_critic": -1}, "n_critic=-1"),
        ("wgan", {"clip_value": 0.0}, "clip_value=0.0"),
        ("wgan", {"clip_value": -0.01}, "clip_value=-0.01"),
        ("wgan_gp", {"gp_weight": -1.0}, "gp_weight=-1.0"),
        ("dragan", {"gp_weight": -0.5}, "gp_weight=-0.5"),
        ("dragan", {"perturbation_scale": -1.0}, "perturbation_scale=-1.0"),
        ("wgan_gp", {"discriminator_normalization": "batch"},
         "discriminator_normalization='batch'"),
        ("dragan", {"generator_loss": "wasserstein"}, "generator_loss='wasserstein'"),
        ("sngan", {"power_iterations": 0}, "power_iterations=0"),
        ("lsgan", {"base_filters": 0}, "base_filters=0"),
    ],
)
def test_bad_hyperparameters_raise_value_error_naming_the_value(name, overrides, message):
    with pytest.raises(ValueError, match=message):
        kerasgan.create_model(name, **{"latent_dim": 8, "base_filters": 4, **overrides})
