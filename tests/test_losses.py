"""Tests of `kerasgan.losses` against values computed by hand on fixed logits.

Expected values are written out with `math.log`/`math.exp` (or the same formulas in
numpy for larger arrays), never by calling the library a second time.
"""

import math

import numpy as np
import pytest
import tensorflow as tf

from kerasgan import losses

REAL_LOGITS = [2.0, -1.0, 0.5, 3.0]
FAKE_LOGITS = [-2.0, 0.0, 1.5, -0.5]


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def neg_log_sigmoid(x):
    """-log D for a logit x: the cross-entropy against target 1."""
    return -math.log(sigmoid(x))


def neg_log_one_minus_sigmoid(x):
    """-log(1 - D) for a logit x: the cross-entropy against target 0."""
    return -math.log(1.0 - sigmoid(x))


def mean(values):
    values = list(values)
    return sum(values) / len(values)


def value(tensor):
    return float(np.asarray(tensor))


def gradient(loss_fn, logits):
    logits = tf.constant(logits, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = loss_fn(logits)
    return tape.gradient(loss, logits).numpy()


# sigmoid_cross_entropy


def test_sigmoid_cross_entropy_target_one_is_mean_neg_log_sigmoid():
    expected = mean(neg_log_sigmoid(x) for x in REAL_LOGITS)
    assert value(losses.sigmoid_cross_entropy(REAL_LOGITS, 1.0)) == pytest.approx(expected, rel=1e-6)


def test_sigmoid_cross_entropy_target_zero_is_mean_neg_log_one_minus_sigmoid():
    expected = mean(neg_log_one_minus_sigmoid(x) for x in FAKE_LOGITS)
    assert value(losses.sigmoid_cross_entropy(FAKE_LOGITS, 0.0)) == pytest.approx(expected, rel=1e-6)


def test_sigmoid_cross_entropy_per_element_targets():
    logits = [1.0, -2.0, 0.5]
    targets = [1.0, 0.0, 0.3]
    expected = mean(
        t * neg_log_sigmoid(x) + (1.0 - t) * neg_log_one_minus_sigmoid(x)
        for x, t in zip(logits, targets)
    )
    result = losses.sigmoid_cross_entropy(tf.constant(logits), tf.constant(targets))
    assert value(result) == pytest.approx(expected, rel=1e-6)


def test_sigmoid_cross_entropy_at_zero_logit_is_log_two():
    # D = 1/2 whatever the target.
    for target in (0.0, 0.3, 1.0):
        assert value(losses.sigmoid_cross_entropy([0.0, 0.0], target)) == pytest.approx(
            math.log(2.0), rel=1e-6
        )


def test_sigmoid_cross_entropy_is_finite_for_extreme_logits():
    logits = [100.0, -100.0]
    # Right answers: ~0 (exp(-100)) when the logit agrees with the target,
    # exactly |x| = 100 when it is confidently wrong. log(sigmoid(x)) in float32
    # would give log(0) = -inf here.
    agree = losses.sigmoid_cross_entropy(tf.constant(logits), tf.constant([1.0, 0.0]))
    disagree = losses.sigmoid_cross_entropy(tf.constant(logits), tf.constant([0.0, 1.0]))
    assert np.isfinite(value(agree)) and np.isfinite(value(disagree))
    assert value(agree) == pytest.approx(0.0, abs=1e-6)
    assert value(disagree) == pytest.approx(100.0, rel=1e-6)
    grad = gradient(lambda x: losses.sigmoid_cross_entropy(x, [0.0, 1.0]), logits)
    assert np.all(np.isfinite(grad))
    # d/dx of (1-t) softplus(x) + t softplus(-x), divided by N = 2.
    np.testing.assert_allclose(grad, [0.5, -0.5], rtol=1e-6)


# Discriminator loss


def test_minimax_discriminator_loss_is_mean_real_part_plus_mean_fake_part():
    expected = mean(neg_log_sigmoid(x) for x in REAL_LOGITS) + mean(
        neg_log_one_minus_sigmoid(x) for x in FAKE_LOGITS
    )
    result = losses.minimax_discriminator_loss(tf.constant(REAL_LOGITS), tf.constant(FAKE_LOGITS))
    assert value(result) == pytest.approx(expected, rel=1e-6)


def test_minimax_discriminator_loss_with_different_batch_sizes_averages_each_half():
    # Each half is averaged on its own: a sum of two means, not one mean of all 5 terms.
    real = [1.0]
    fake = [-3.0, 2.0, 0.0, 4.0]
    expected = neg_log_sigmoid(1.0) + mean(neg_log_one_minus_sigmoid(x) for x in fake)
    assert value(losses.minimax_discriminator_loss(real, fake)) == pytest.approx(expected, rel=1e-6)


def test_minimax_discriminator_loss_with_one_sided_smoothing():
    target = 0.9
    expected = mean(
        target * neg_log_sigmoid(x) + (1.0 - target) * neg_log_one_minus_sigmoid(x)
        for x in REAL_LOGITS
    ) + mean(neg_log_one_minus_sigmoid(x) for x in FAKE_LOGITS)
    result = losses.minimax_discriminator_loss(REAL_LOGITS, FAKE_LOGITS, real_target=target)
    assert value(result) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("fake_logits", [FAKE_LOGITS, [5.0, -7.0, 0.25, 1.0], [0.0, 0.0, 0.0, 0.0]])
def test_smoothing_changes_only_the_real_half(fake_logits):
    target = 0.8
    smoothed = losses.minimax_discriminator_loss(REAL_LOGITS, fake_logits, real_target=target)
    plain = losses.minimax_discriminator_loss(REAL_LOGITS, fake_logits)
    # softplus(x) - softplus(-x) = x, so the smoothed real term exceeds the plain one by
    # (1 - t) * mean(real_logits), whatever the fakes are.
    expected_difference = (1.0 - target) * mean(REAL_LOGITS)
    assert value(smoothed) - value(plain) == pytest.approx(expected_difference, abs=1e-5)


def test_smoothing_leaves_the_fake_gradient_unchanged_and_changes_the_real_one():
    real = tf.constant(REAL_LOGITS)
    fake = tf.constant(FAKE_LOGITS)

    def grads(real_target):
        with tf.GradientTape() as tape:
            tape.watch([real, fake])
            loss = losses.minimax_discriminator_loss(real, fake, real_target=real_target)
        return [g.numpy() for g in tape.gradient(loss, [real, fake])]

    real_plain, fake_plain = grads(1.0)
    real_smoothed, fake_smoothed = grads(0.9)
    np.testing.assert_array_equal(fake_smoothed, fake_plain)
    # d/dx of the fake half: sigmoid(x) / N; the fake target stays 0 under smoothing.
    np.testing.assert_allclose(fake_plain, [sigmoid(x) / 4 for x in FAKE_LOGITS], rtol=1e-6)
    # d/dx of the real half: (sigmoid(x) - t) / N.
    np.testing.assert_allclose(real_plain, [(sigmoid(x) - 1.0) / 4 for x in REAL_LOGITS], rtol=1e-5)
    np.testing.assert_allclose(
        real_smoothed, [(sigmoid(x) - 0.9) / 4 for x in REAL_LOGITS], rtol=1e-5, atol=1e-7
    )


def test_non_saturating_game_shares_the_discriminator_loss():
    assert losses.non_saturating_discriminator_loss is losses.minimax_discriminator_loss


# Generator losses


def test_minimax_generator_loss_is_mean_log_one_minus_sigmoid():
    expected = mean(math.log(1.0 - sigmoid(x)) for x in FAKE_LOGITS)
    result = losses.minimax_generator_loss(tf.constant(FAKE_LOGITS))
    assert value(result) == pytest.approx(expected, rel=1e-6)
    assert value(result) < 0.0


def test_non_saturating_generator_loss_is_mean_neg_log_sigmoid():
    expected = mean(-math.log(sigmoid(x)) for x in FAKE_LOGITS)
    result = losses.non_saturating_generator_loss(tf.constant(FAKE_LOGITS))
    assert value(result) == pytest.approx(expected, rel=1e-6)
    assert value(result) > 0.0


def test_generator_losses_are_finite_for_extreme_logits():
    logits = [-100.0, 100.0]
    # log(1 - sigmoid(x)) = -softplus(x): ~0 and -100; -log sigmoid(x) = softplus(-x): 100 and ~0.
    assert value(losses.minimax_generator_loss(logits)) == pytest.approx(-50.0, rel=1e-6)
    assert value(losses.non_saturating_generator_loss(logits)) == pytest.approx(50.0, rel=1e-6)
    for loss_fn in (losses.minimax_generator_loss, losses.non_saturating_generator_loss):
        assert np.all(np.isfinite(gradient(loss_fn, logits)))


def test_non_saturating_gradient_is_larger_when_discriminator_rejects_fakes():
    # Goodfellow et al. 2014, Section 3: early in training D rejects fakes with high
    # confidence and log(1 - D(G(z))) saturates; -log D(G(z)) does not.
    rejected = [-10.0, -8.0, -12.0]
    n = len(rejected)
    minimax_grad = gradient(losses.minimax_generator_loss, rejected)
    non_saturating_grad = gradient(losses.non_saturating_generator_loss, rejected)
    # d/dx of -softplus(x) / N is -sigmoid(x) / N; of softplus(-x) / N is -(1 - sigmoid(x)) / N.
    np.testing.assert_allclose(minimax_grad, [-sigmoid(x) / n for x in rejected], rtol=1e-5)
    np.testing.assert_allclose(
        non_saturating_grad, [-(1.0 - sigmoid(x)) / n for x in rejected], rtol=1e-5
    )
    # Both push the logits up (descent direction is +x); the non-saturating push is
    # over a thousand times stronger.
    assert np.all(minimax_grad < 0) and np.all(non_saturating_grad < 0)
    assert np.all(np.abs(non_saturating_grad) > 1000 * np.abs(minimax_grad))


def test_minimax_gradient_is_larger_when_discriminator_is_fooled():
    # The mirror image of the case above, so the comparison is not a constant ordering.
    fooled = [10.0, 8.0]
    minimax_grad = gradient(losses.minimax_generator_loss, fooled)
    non_saturating_grad = gradient(losses.non_saturating_generator_loss, fooled)
    assert np.all(np.abs(minimax_grad) > 1000 * np.abs(non_saturating_grad))


# Shapes


def _expected_by_formula(real, fake):
    """Numpy versions of the hand formulas, for arrays: softplus(-x) = -log sigmoid(x)."""
    neg_log_d_real = np.log1p(np.exp(-real.astype(np.float64)))
    neg_log_one_minus_d_fake = np.log1p(np.exp(fake.astype(np.float64)))
    return {
        "discriminator": neg_log_d_real.mean() + neg_log_one_minus_d_fake.mean(),
        "minimax_generator": -neg_log_one_minus_d_fake.mean(),
        "non_saturating_generator": np.log1p(np.exp(-fake.astype(np.float64))).mean(),
    }


@pytest.mark.parametrize(
    "shape",
    [(8,), (8, 1), (2, 4, 4, 1)],
    ids=["rank1_vector", "rank2_column", "rank4_patches"],
)
def test_losses_reduce_any_rank_to_a_scalar_mean(shape):
    rng = np.random.default_rng(0)
    real = (rng.normal(size=shape) * 3).astype(np.float32)
    fake = (rng.normal(size=shape) * 3).astype(np.float32)
    expected = _expected_by_formula(real, fake)
    results = {
        "discriminator": losses.minimax_discriminator_loss(real, fake),
        "minimax_generator": losses.minimax_generator_loss(fake),
        "non_saturating_generator": losses.non_saturating_generator_loss(fake),
    }
    for key, result in results.items():
        assert tuple(result.shape) == (), key
        assert result.dtype == tf.float32, key
        assert value(result) == pytest.approx(expected[key], rel=1e-5), key


def test_patch_loss_equals_loss_on_the_flattened_patches():
    rng = np.random.default_rng(1)
    patches = rng.normal(size=(3, 5, 5, 1)).astype(np.float32)
    flat = patches.reshape(-1)
    assert value(losses.non_saturating_generator_loss(patches)) == pytest.approx(
        value(losses.non_saturating_generator_loss(flat)), rel=1e-6
    )
    # And not, say, a sum over the patches of each image.
    per_patch = np.log1p(np.exp(-flat.astype(np.float64)))
    assert value(losses.non_saturating_generator_loss(patches)) == pytest.approx(
        per_patch.mean(), rel=1e-5
    )


# get()


@pytest.mark.parametrize(
    "name, kind, expected",
    [
        ("minimax", "generator", losses.minimax_generator_loss),
        ("non_saturating", "generator", losses.non_saturating_generator_loss),
        ("minimax", "discriminator", losses.minimax_discriminator_loss),
        ("non_saturating", "discriminator", losses.non_saturating_discriminator_loss),
    ],
)
def test_get_returns_the_named_loss(name, kind, expected):
    assert losses.get(name, kind) is expected


def test_get_defaults_to_generator_losses():
    assert losses.get("minimax") is losses.minimax_generator_loss
    assert losses.get("non_saturating") is losses.non_saturating_generator_loss


@pytest.mark.parametrize("kind", ["generator", "discriminator"])
def test_get_unknown_name_raises_with_value_and_choices(kind):
    with pytest.raises(ValueError) as error:
        losses.get("wasserstain", kind)
    message = str(error.value)
    assert "'wasserstain'" in message
    assert f"{kind}_loss=" in message
    for name in ("minimax", "non_saturating", "least_squares", "wasserstein", "hinge"):
        assert name in message


@pytest.mark.parametrize("name, discriminator, generator, real_target", [
    ("minimax", losses.minimax_discriminator_loss, losses.minimax_generator_loss, True),
    ("non_saturating", losses.non_saturating_discriminator_loss,
     losses.non_saturating_generator_loss, True),
    ("least_squares", losses.least_squares_discriminator_loss,
     losses.least_squares_generator_loss, True),
    ("wasserstein", losses.wasserstein_discriminator_loss,
     losses.wasserstein_generator_loss, False),
    ("hinge", losses.hinge_discriminator_loss, losses.hinge_generator_loss, False),
])
def test_get_covers_every_objective(name, discriminator, generator, real_target):
    objective = losses.get(name, "objective")
    assert objective == (discriminator, generator, real_target)
    assert losses.get(name, "discriminator") is discriminator
    assert losses.get(name, "generator") is generator


def test_objective_passes_the_real_target_only_where_the_loss_has_one():
    real, fake = np.array([0.5, 2.0]), np.array([-1.0, 0.0])
    smoothed = losses.get("minimax", "objective").discriminator_loss(real, fake, real_target=0.9)
    assert float(smoothed) == pytest.approx(
        float(losses.minimax_discriminator_loss(real, fake, real_target=0.9)))
    hinge = losses.get("hinge", "objective").discriminator_loss(real, fake, real_target=0.9)
    assert float(hinge) == pytest.approx(float(losses.hinge_discriminator_loss(real, fake)))


def test_hinge_and_wasserstein_generator_losses_are_one_function():
    assert losses.hinge_generator_loss is losses.wasserstein_generator_loss

