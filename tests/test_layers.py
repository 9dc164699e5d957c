"""Tests of `kerasgan.layers`: numpy references, batch dependence, gradients, `None`
batch sizes under `tf.function`, and `.keras` round-trips, all on tiny tensors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.layers import DiffAugment, MinibatchDiscrimination, MinibatchStdDev

RNG = np.random.default_rng(0)


def random_images(batch, height=4, width=4, channels=4):
    return RNG.uniform(-1, 1, (batch, height, width, channels)).astype("float32")


def none_batch_function(fn, example, **kwargs):
    """`fn` traced once with the batch dimension left `None`."""
    spec = tf.TensorSpec((None, *example.shape[1:]), tf.float32)
    return tf.function(lambda x: fn(x, **kwargs), input_signature=[spec], autograph=False)


def assert_round_trip(model, inputs, tmp_path):
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0),
                               model.predict(inputs, verbose=0), rtol=1e-6, atol=1e-6)
    return loaded


# MinibatchStdDev -------------------------------------------------------------------


def stddev_reference(x, group_size, num_features=1):
    """ProGAN's statistic with loops: image i's group is images i % M + k * M."""
    n, height, width, channels = x.shape
    group = max(k for k in range(1, group_size + 1) if n % k == 0)
    m = n // group
    per_feature = channels // num_features
    stats = np.zeros((n, num_features))
    for i in range(n):
        members = x[i % m::m].astype("float64")
        assert len(members) == group
        for f in range(num_features):
            values = members[..., f * per_feature:(f + 1) * per_feature]
            stats[i, f] = np.sqrt(values.var(axis=0) + 1e-8).mean()
    extra = np.broadcast_to(stats[:, None, None, :], (n, height, width, num_features))
    return np.concatenate([x, extra], axis=-1)


@pytest.mark.parametrize("batch,group_size,num_features", [
    (4, 2, 1), (8, 4, 2), (6, 4, 1),  # 6 % 4 != 0: groups of 3
    (3, 4, 1),  # group_size > batch: one group of 3
])
def test_minibatch_stddev_matches_numpy_reference(batch, group_size, num_features):
    images = random_images(batch)
    outputs = MinibatchStdDev(group_size, num_features)(images).numpy()
    assert outputs.shape == (batch, 4, 4, 4 + num_features)
    np.testing.assert_allclose(outputs, stddev_reference(images, group_size, num_features),
                               rtol=1e-5, atol=1e-6)


def test_minibatch_stddev_output_depends_on_other_images_of_the_group():
    layer = MinibatchStdDev(group_size=2)  # batch 4: groups {0, 2} and {1, 3}
    images = random_images(4)
    outputs = layer(images).numpy()
    in_group, out_of_group = images.copy(), images.copy()
    in_group[2] += 1.0 * RNG.standard_normal(in_group[2].shape).astype("float32")
    out_of_group[1] = 0.0
    assert not np.allclose(layer(in_group).numpy()[0, ..., -1], outputs[0, ..., -1])
    np.testing.assert_allclose(layer(out_of_group).numpy()[0], outputs[0], rtol=1e-6)
    # A per-example network (no batch statistics) does not see image 2 at all.
    conv = keras.layers.Conv2D(2, 3, padding="same")
    np.testing.assert_array_equal(conv(in_group).numpy()[0], conv(images).numpy()[0])


def test_minibatch_stddev_none_batch_under_tf_function():
    layer = MinibatchStdDev(group_size=4)
    fn = none_batch_function(layer, random_images(1))
    assert fn.get_concrete_function().structured_outputs.shape.as_list() == [None, 4, 4, 5]
    for batch in (8, 6, 5):  # groups of 4, of 3 and of 1
        images = random_images(batch)
        np.testing.assert_allclose(fn(images).numpy(), stddev_reference(images, 4),
                                   rtol=1e-5, atol=1e-6)


def test_minibatch_stddev_is_differentiable():
    images = tf.constant(random_images(4))
    with tf.GradientTape() as tape:
        tape.watch(images)
        statistic = tf.reduce_sum(MinibatchStdDev(group_size=2)(images)[..., -1])
    gradient = tape.gradient(statistic, images).numpy()
    assert np.all(np.isfinite(gradient)) and np.any(gradient != 0)


def test_minibatch_stddev_functional_model_round_trip(tmp_path):
    inputs = keras.Input((4, 4, 2))
    x = keras.layers.Conv2D(3, 3, padding="same")(inputs)
    x = MinibatchStdDev(group_size=2, name="stddev")(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    assert model.get_layer("stddev").output.shape == (None, 4, 4, 4)
    loaded = assert_round_trip(model, random_images(6, channels=2), tmp_path)
    assert loaded.get_layer("stddev").get_config()["group_size"] == 2


def test_minibatch_stddev_rejects_bad_arguments():
    with pytest.raises(ValueError, match="group_size=0"):
        MinibatchStdDev(group_size=0)
    with pytest.raises(ValueError, match="num_features=2"):
        MinibatchStdDev(num_features=2)(random_images(2, channels=3))


# MinibatchDiscrimination ------------------------------------------------------------


def discrimination_reference(x, kernel, num_kernels, kernel_dim):
    m = (x.astype("float64") @ kernel).reshape(len(x), num_kernels, kernel_dim)
    o = np.zeros((len(x), num_kernels))
    for i in range(len(x)):
        for j in range(len(x)):
            if j != i:
                o[i] += np.exp(-np.abs(m[i] - m[j]).sum(axis=-1))
    return np.concatenate([x, o], axis=-1)


def features(batch, size=6):
    return RNG.standard_normal((batch, size)).astype("float32")


def test_minibatch_discrimination_matches_numpy_reference():
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    x = features(5)
    outputs = layer(x).numpy()
    kernel = layer.kernel.numpy()
    assert kernel.shape == (6, 6)
    # N(0, 0.02) weights make every c_b close to 1; larger ones test the distances.
    layer.kernel.assign(kernel * 25)
    expected = discrimination_reference(x, kernel * 25, 3, 2)
    assert expected[:, 6:].min() < 0.5 * expected[:, 6:].max()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert outputs.shape == (5, 9)


def test_minibatch_discrimination_output_depends_on_other_examples():
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    x = features(3)
    changed = x.copy()
    changed[1] += 2.0
    before, after = layer(x).numpy(), layer(changed).numpy()
    np.testing.assert_array_equal(after[0, :6], before[0, :6])
    assert not np.allclose(after[0, 6:], before[0, 6:], rtol=0, atol=1e-7)


def test_minibatch_discrimination_kernel_gets_gradients():
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    x = tf.constant(features(4))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer(x) * RNG.standard_normal((4, 10)).astype("float32"))
    assert [w.name for w in layer.trainable_weights] == ["kernel"]
    kernel_gradient = tape.gradient(loss, layer.kernel).numpy()
    input_gradient = tape.gradient(loss, x).numpy()
    assert np.all(np.isfinite(kernel_gradient)) and np.any(kernel_gradient != 0)
    assert np.all(np.isfinite(input_gradient))


def test_minibatch_discrimination_none_batch_and_round_trip(tmp_path):
    inputs = keras.Input((6,))
    x = MinibatchDiscrimination(num_kernels=4, kernel_dim=3, name="discrimination")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert model.get_layer("discrimination").output.shape == (None, 10)
    x = features(5)
    fn = none_batch_function(model.get_layer("discrimination"), x)
    np.testing.assert_allclose(fn(x).numpy(), model.get_layer("discrimination")(x).numpy(),
                               rtol=1e-6)
    loaded = assert_round_trip(model, x, tmp_path)
    assert loaded.get_layer("discrimination").get_config()["kernel_dim"] == 3


# DiffAugment ------------------------------------------------------------------------


def distinct_images(batch, side=8, channels=3):
    """Non-zero, all-distinct pixel values, so each output value names its source."""
    values = np.arange(1, batch * side * side * channels + 1, dtype="float32")
    return (values / values.max()).reshape(batch, side, side, channels)


@pytest.mark.parametrize("channels", [1, 3])
def test_diff_augment_is_identity_unless_training(channels):
    layer = DiffAugment(seed=0)
    images = random_images(3, 8, 8, channels)
    np.testing.assert_array_equal(layer(images).numpy(), images)
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
    first = layer(images, training=True).numpy()
    second = layer(images, training=True).numpy()
    assert first.shape == second.shape == images.shape
    assert not np.allclose(first, images) and not np.allclose(first, second)
    empty = DiffAugment(policy="")
    np.testing.assert_array_equal(empty(images, training=True).numpy(), images)


def test_diff_augment_translation_is_a_zero_filled_shift():
    images = distinct_images(6, side=8, channels=2)
    outputs = DiffAugment("translation", translation_ratio=0.25, seed=1)(
        images, training=True).numpy()
    shifted = 0
    for image, output in zip(images, outputs):
        assert set(output.ravel()) <= set(image.ravel()) | {0.0}
        # The whole image moved by one (dy, dx) with |dy|, |dx| <= 0.25 * 8.
        matches = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                expected = np.zeros_like(image)
                rows, cols = slice(max(0, -dy), min(8, 8 - dy)), slice(max(0, -dx), min(8, 8 - dx))
                expected[rows, cols] = image[max(0, dy):min(8, 8 + dy), max(0, dx):min(8, 8 + dx)]
                matches.append(np.array_equal(output, expected))
                shifted += matches[-1] and (dy, dx) != (0, 0)
        assert any(matches)
    assert shifted > 0


def test_diff_augment_cutout_zeroes_one_square_per_image():
    images = distinct_images(6, side=8)
    outputs = DiffAugment("cutout", cutout_ratio=0.5, seed=2)(images, training=True).numpy()
    for image, output in zip(images, outputs):
        cut = output == 0
        assert np.all((output == image) | cut)
        assert np.all(cut == cut[..., :1])  # all channels of a pixel together
        rows, cols = np.nonzero(cut[..., 0])
        assert 1 <= len(rows) <= 16  # a 4 x 4 square clipped at the border
        assert len(rows) == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)  # a rectangle


def test_diff_augment_color_of_a_flat_image_is_a_brightness_shift():
    # Saturation and contrast scale deviations from a mean: on a flat image there
    # are none, so only the brightness in [-0.5, 0.5) remains.
    images = np.full((8, 4, 4, 3), 0.25, "float32")
    outputs = DiffAugment("color", seed=3)(images, training=True).numpy()
    brightness = outputs[:, 0, 0, 0] - 0.25
    np.testing.assert_allclose(outputs, np.broadcast_to(outputs[:, :1, :1, :1], outputs.shape),
                               atol=1e-6)
    assert np.all((brightness >= -0.5 - 1e-6) & (brightness < 0.5 + 1e-6))
    assert len(np.unique(np.round(brightness, 5))) == 8


def test_diff_augment_passes_gradients_to_its_input():
    images = tf.constant(random_images(4, 8, 8, 3))
    weights = RNG.standard_normal(images.shape).astype("float32")
    with tf.GradientTape() as tape:
        tape.watch(images)
        loss = tf.reduce_sum(DiffAugment(seed=4)(images, training=True) * weights)
    gradient = tape.gradient(loss, images).numpy()
    assert np.all(np.isfinite(gradient)) and np.any(gradient != 0)


def test_diff_augment_rejects_unknown_policies_and_bad_ratios():
    with pytest.raises(ValueError, match="rotate.*'color', 'translation', 'cutout'"):
        DiffAugment(policy="color,rotate")
    with pytest.raises(ValueError, match="translation_ratio=1.5"):
        DiffAugment(translation_ratio=1.5)


def test_diff_augment_none_batch_under_tf_function():
    layer = DiffAugment(seed=5)
    images = random_images(5, 8, 8, 1)
    fn = none_batch_function(layer, images, training=True)
    assert fn.get_concrete_function().structured_outputs.shape.as_list() == [None, 8, 8, 1]
    first, second = fn(images).numpy(), fn(images).numpy()
    assert first.shape == images.shape
    assert not np.allclose(first, second)  # the SeedGenerator advances inside the graph


def test_diff_augment_model_round_trip(tmp_path):
    inputs = keras.Input((8, 8, 3))
    x = DiffAugment("translation,cutout", cutout_ratio=0.25, seed=6, name="augment")(inputs)
    x = keras.layers.Conv2D(2, 3, strides=2)(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    loaded = assert_round_trip(model, random_images(3, 8, 8, 3), tmp_path)
    config = loaded.get_layer("augment").get_config()
    assert (config["policy"], config["cutout_ratio"], config["seed"]) == (
        "translation,cutout", 0.25, 6)


def test_diff_augment_draws_differ_across_replicas(mirrored):
    with mirrored.scope():
        layer = DiffAugment("translation", seed=7)
    images = distinct_images(2, side=8)
    outputs = mirrored.run(tf.function(lambda: layer(images, training=True), autograph=False))
    first, second = (t.numpy() for t in mirrored.experimental_local_results(outputs))
    assert not np.array_equal(first, second)
