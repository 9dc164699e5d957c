"""Tests of `kerasgan.data`: the embedded digits, argument errors, tfds datasets through
`tfds.testing.mock_data` (no network), and `_fit_to_size`."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from kerasgan import data

DIGITS_TRAIN = 1437
DIGITS_TEST = 360
DIGITS_ALL = 1797
ONE_STEP = 1.0 / 127.5  # one uint8 level in [-1, 1]


def count_images(dataset):
    return sum(int(images.shape[0]) for images, _ in dataset)


def all_labels(dataset):
    return np.concatenate([labels.numpy() for _, labels in dataset])


def mock_tfds(num_examples=8):
    """Generated examples through the real tfds loading code; offline, nothing written.

    tfds ships no `dataset_info.json` for these datasets, so the default policy falls back
    to `MockPolicy.USE_CODE`: features come from the dataset's code, and every split name
    is accepted and holds `num_examples` generated examples.
    """
    return tfds.testing.mock_data(num_examples=num_examples)


# digits


def test_digits_batch_shapes_dtypes_and_range():
    images, labels = next(iter(data.load("digits", batch_size=16)))
    assert images.shape == (16, 32, 32, 1)
    assert images.dtype == tf.float32
    assert labels.shape == (16,)
    assert labels.dtype == tf.int32
    images = images.numpy()
    # The background is exactly 0 -> -1; the ink of some stroke reaches (nearly) 255.
    assert images.min() == -1.0
    assert 0.9 < images.max() <= 1.0
    assert np.all((labels.numpy() >= 0) & (labels.numpy() < 10))


def test_digits_arrays_cover_the_full_range_and_all_classes():
    images, labels = data.load_arrays("digits", "all")
    assert images.dtype == np.float32 and labels.dtype == np.int32
    assert images.min() == -1.0 and images.max() == 1.0
    np.testing.assert_array_equal(np.unique(labels), np.arange(10))


@pytest.mark.parametrize(
    "split, expected", [("train", DIGITS_TRAIN), ("test", DIGITS_TEST), ("all", DIGITS_ALL)]
)
def test_digits_split_sizes(split, expected):
    assert count_images(data.load("digits", split, batch_size=100, drop_remainder=False)) == expected
    images, labels = data.load_arrays("digits", split)
    assert images.shape == (expected, 32, 32, 1)
    assert labels.shape == (expected,)


def test_digits_drop_remainder_keeps_full_batches_only():
    dataset = data.load("digits", "train", batch_size=100)
    sizes = [int(images.shape[0]) for images, _ in dataset]
    assert sizes == [100] * (DIGITS_TRAIN // 100)


def test_digits_train_and_test_are_disjoint_and_make_up_all():
    train_images, train_labels = data.load_arrays("digits", "train")
    test_images, test_labels = data.load_arrays("digits", "test")
    all_images, all_labels_ = data.load_arrays("digits", "all")
    train_keys = {image.tobytes() for image in train_images}
    test_keys = {image.tobytes() for image in test_images}
    assert len(train_keys) == DIGITS_TRAIN  # the 1,797 digits are all distinct
    assert not train_keys & test_keys
    np.testing.assert_array_equal(np.concatenate([train_images, test_images]), all_images)
    np.testing.assert_array_equal(np.concatenate([train_labels, test_labels]), all_labels_)


def test_digits_are_deterministic_across_calls():
    first = [data.load_arrays("digits", split) for split in ("train", "test")]
    # Rebuild from scikit-learn rather than reuse the in-process cache.
    data._digits_arrays.cache_clear()
    second = [data.load_arrays("digits", split) for split in ("train", "test")]
    for (images_a, labels_a), (images_b, labels_b) in zip(first, second):
        np.testing.assert_array_equal(images_a, images_b)
        np.testing.assert_array_equal(labels_a, labels_b)


def test_digits_labels_match_their_images():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images, labels = data.load_arrays("digits", "all")
    np.testing.assert_array_equal(np.bincount(labels), np.bincount(bunch.target))
    # Undo the 8 -> 32 upsampling with 4x4 block means and find each image's nearest
    # original digit: a label shuffled apart from its image would not match.
    pixels = (images[..., 0] + 1.0) * 127.5 * (16.0 / 255.0)
    down = pixels.reshape(-1, 8, 4, 8, 4).mean(axis=(2, 4)).reshape(-1, 64)
    originals = bunch.images.reshape(-1, 64)
    distances = (
        (down**2).sum(1)[:, None] - 2.0 * down @ originals.T + (originals**2).sum(1)[None, :]
    )
    nearest = distances.argmin(axis=1)
    assert np.mean(bunch.target[nearest] == labels) > 0.99


def test_digits_train_is_reshuffled_every_epoch():
    dataset = data.load("digits", "train", batch_size=64)
    epoch_1 = all_labels(dataset)
    epoch_2 = all_labels(dataset)
    assert len(epoch_1) == len(epoch_2) == (DIGITS_TRAIN // 64) * 64
    assert not np.array_equal(epoch_1, epoch_2)
    # And it is shuffled at all: not the fixed order of load_arrays.
    _, fixed = data.load_arrays("digits", "train")
    assert not np.array_equal(epoch_1, fixed[: len(epoch_1)])


def test_digits_shuffle_is_seeded():
    first = all_labels(data.load("digits", "train", batch_size=64, seed=3))
    again = all_labels(data.load("digits", "train", batch_size=64, seed=3))
    other = all_labels(data.load("digits", "train", batch_size=64, seed=4))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_digits_test_split_is_unshuffled_by_default():
    dataset = data.load("digits", "test", batch_size=64, drop_remainder=False)
    fixed_images, fixed_labels = data.load_arrays("digits", "test")
    for _ in range(2):  # the same order every epoch
        np.testing.assert_array_equal(all_labels(dataset), fixed_labels)
    images, _ = next(iter(dataset))
    np.testing.assert_array_equal(images.numpy(), fixed_images[:64])


def test_digits_shuffle_can_be_forced_on_the_test_split():
    _, fixed_labels = data.load_arrays("digits", "test")
    shuffled = all_labels(data.load("digits", "test", batch_size=64, shuffle=True,
                                    drop_remainder=False))
    assert not np.array_equal(shuffled, fixed_labels)
    np.testing.assert_array_equal(np.sort(shuffled), np.sort(fixed_labels))


def test_digits_image_size_changes_the_shape():
    images, _ = next(iter(data.load("digits", "test", image_size=16, batch_size=8)))
    assert images.shape == (8, 16, 16, 1)
    images = images.numpy()
    assert images.min() >= -1.0 and images.max() <= 1.0
    # A downscaled digit still has background and ink.
    assert images.min() == -1.0 and images.max() > 0.5


def test_digits_image_size_as_height_width_pair():
    images, _ = next(iter(data.load("digits", "test", image_size=(16, 24), batch_size=4)))
    assert images.shape == (4, 16, 24, 1)


def test_digits_channels_3_repeats_the_gray_channel():
    images, _ = next(iter(data.load("digits", "test", channels=3, batch_size=8)))
    assert images.shape == (8, 32, 32, 3)
    gray, _ = next(iter(data.load("digits", "test", batch_size=8)))
    for channel in range(3):
        np.testing.assert_array_equal(images.numpy()[..., channel], gray.numpy()[..., 0])


def test_digits_repeat_yields_more_than_one_epoch():
    batch_size = 500
    one_epoch = list(data.load("digits", "train", batch_size=batch_size))
    assert len(one_epoch) == DIGITS_TRAIN // batch_size  # 2
    repeated = list(data.load("digits", "train", batch_size=batch_size, repeat=True).take(7))
    assert len(repeated) == 7
    assert all(images.shape[0] == batch_size for images, _ in repeated)


def test_load_arrays_limit():
    images, labels = data.load_arrays("digits", "test", limit=10)
    assert images.shape == (10, 32, 32, 1) and labels.shape == (10,)
    full_images, _ = data.load_arrays("digits", "test")
    np.testing.assert_array_equal(images, full_images[:10])


def test_digits_info():
    assert data.info("digits") == data.DatasetInfo("digits", (32, 32, 1), 10)


# errors


@pytest.mark.parametrize("name", ["no_such_dataset_xyz", "digit", "mnsit"])
def test_unknown_dataset_raises_naming_it(name):
    with pytest.raises(ValueError, match=f"Unknown dataset: '{name}'"):
        data.load(name)


@pytest.mark.parametrize("name, close", [("digit", "'digits'"), ("mnsit", "'mnist'")])
def test_unknown_dataset_suggests_the_close_match(name, close):
    with pytest.raises(ValueError, match=f"Unknown dataset: '{name}'.*Did you mean {close}"):
        data.load(name)


def test_unknown_dataset_far_from_any_name_has_no_suggestion():
    with pytest.raises(ValueError, match="Unknown dataset: 'no_such_dataset_xyz'") as error:
        data.load("no_such_dataset_xyz")
    assert "Did you mean" not in str(error.value)


def test_info_unknown_dataset_raises_with_suggestion():
    with pytest.raises(ValueError, match="Unknown dataset: 'mnsit'.*'mnist'"):
        data.info("mnsit")


def test_digits_bad_split_raises_naming_it():
    with pytest.raises(ValueError, match="split='validation'") as error:
        data.load("digits", split="validation")
    message = str(error.value)
    assert "split='validation'" in message
    assert "train" in message and "test" in message and "all" in message


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True])
def test_bad_batch_size_raises_naming_it(batch_size):
    with pytest.raises(ValueError, match=f"`batch_size`.*batch_size={batch_size!r}"):
        data.load("digits", batch_size=batch_size)


@pytest.mark.parametrize("image_size", [0, -8, (32,), (32, 32, 1), (32, 0)])
def test_bad_image_size_raises_naming_it(image_size):
    with pytest.raises(ValueError, match="image_size"):
        data.load("digits", image_size=image_size)


@pytest.mark.parametrize("channels", [2, 0, 4])
def test_bad_channels_raises_naming_it(channels):
    with pytest.raises(ValueError, match=f"channels={channels}"):
        data.load("digits", channels=channels)


# tfds datasets, offline through mock_data


def _check_batch(images, labels, shape, num_classes=10):
    assert images.shape == shape
    assert images.dtype == tf.float32
    assert labels.dtype == tf.int32
    images, labels = images.numpy(), labels.numpy()
    assert images.min() >= -1.0 and images.max() <= 1.0
    # Mock pixels are random uint8s, so a batch spans nearly the whole range.
    assert images.min() < -0.9 and images.max() > 0.9
    assert np.all((labels >= 0) & (labels < num_classes))


def test_mnist_is_padded_to_32():
    with mock_tfds():
        images, labels = next(iter(data.load("mnist", batch_size=4, image_size=32)))
    _check_batch(images, labels, (4, 32, 32, 1))


def test_mnist_padding_keeps_pixels_and_is_black():
    with mock_tfds():
        native, native_labels = data.load_arrays("mnist", "test")
        padded, padded_labels = data.load_arrays("mnist", "test", image_size=32)
    assert native.shape == (8, 28, 28, 1) and padded.shape == (8, 32, 32, 1)
    np.testing.assert_array_equal(padded[:, 2:30, 2:30], native)
    np.testing.assert_array_equal(padded_labels, native_labels)
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    assert np.all(padded[:, border] == -1.0)


def test_fashion_mnist_keeps_its_size_by_default():
    with mock_tfds():
        images, labels = next(iter(data.load("fashion_mnist", batch_size=4)))
    _check_batch(images, labels, (4, 28, 28, 1))


def test_cifar10_is_rgb_32():
    with mock_tfds():
        images, labels = next(iter(data.load("cifar10", batch_size=4)))
    _check_batch(images, labels, (4, 32, 32, 3))


def test_cifar10_channels_1_is_the_luma_of_rgb():
    with mock_tfds():
        rgb, _ = data.load_arrays("cifar10", "test")
        gray, _ = data.load_arrays("cifar10", "test", channels=1)
    assert gray.shape == (8, 32, 32, 1)
    levels = (rgb.astype(np.float64) + 1.0) * 127.5
    luma = np.round(levels @ np.array([0.2989, 0.5870, 0.1140]))[..., None] / 127.5 - 1.0
    np.testing.assert_allclose(gray, luma, atol=ONE_STEP + 1e-6)


def test_cifar10_image_size_64_resizes():
    with mock_tfds():
        images, labels = next(iter(data.load("cifar10", batch_size=4, image_size=64,
                                             channels=1)))
    assert images.shape == (4, 64, 64, 1)
    assert images.dtype == tf.float32 and labels.dtype == tf.int32
    assert images.numpy().min() >= -1.0 and images.numpy().max() <= 1.0


def test_tfds_split_sizes_and_unshuffled_test():
    with mock_tfds(num_examples=10):
        assert count_images(data.load("mnist", "test", batch_size=3, drop_remainder=False)) == 10
        assert count_images(data.load("mnist", "test", batch_size=3)) == 9
        dataset = data.load("mnist", "test", batch_size=3, drop_remainder=False)
        np.testing.assert_array_equal(all_labels(dataset), all_labels(dataset))


def test_tfds_info():
    assert data.info("mnist") == data.DatasetInfo("mnist", (28, 28, 1), 10)
    assert data.info("fashion_mnist").image_shape == (28, 28, 1)
    cifar = data.info("cifar10")
    assert cifar.image_shape == (32, 32, 3) and cifar.num_classes == 10


def test_tfds_unreadable_split_raises_naming_split_and_dataset(monkeypatch, tmp_path):
    # mock_data accepts any split name, so stand in for tfds' own error on a bad split.
    def load(name, split, **kwargs):
        raise ValueError(f"Unknown split {split!r}. Should be one of ['test', 'train'].")

    monkeypatch.setattr(tfds, "load", load)
    with pytest.raises(ValueError, match=r"Cannot read split 'validation' of dataset 'mnist'"
                                         r".*Should be one of \['test', 'train'\]") as error:
        data.load("mnist", split="validation", data_dir=str(tmp_path), download=False)
    assert isinstance(error.value.__cause__, ValueError)


# _fit_to_size


def test_fit_to_size_pads_small_images_around_the_centre():
    rng = np.random.default_rng(0)
    image = rng.integers(1, 256, size=(28, 28, 1), dtype=np.uint8)  # no zeros inside
    out = data._fit_to_size(tf.constant(image), (32, 32)).numpy()
    assert out.shape == (32, 32, 1) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[2:30, 2:30], image)
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    assert np.all(out[border] == 0)
    scaled, _ = data._to_unit_range(out[None], None)
    assert np.all(scaled.numpy()[0][border] == -1.0)


def test_fit_to_size_keeps_an_image_of_the_right_size():
    image = tf.constant(np.arange(16 * 16, dtype=np.uint8).reshape(16, 16, 1))
    np.testing.assert_array_equal(data._fit_to_size(image, (16, 16)).numpy(), image.numpy())


def test_fit_to_size_centre_crops_then_resizes():
    # A CelebA-shaped 218x178 image: the centre 178x178 square is gray, the 20 rows
    # above and below it are white. A centre crop to the square drops all the white.
    image = np.full((218, 178, 3), 255, np.uint8)
    image[20:198] = 100
    out = data._fit_to_size(tf.constant(image), (64, 64)).numpy()
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    assert np.all(out == 100)


def test_fit_to_size_resize_keeps_the_crop_layout():
    # Left half of the centre square black, right half 200: after the resize the left
    # and right columns keep their values, with a blend only near the middle.
    image = np.zeros((218, 178, 1), np.uint8)
    image[:, 89:] = 200
    out = data._fit_to_size(tf.constant(image), (64, 64)).numpy()[..., 0]
    assert out.shape == (64, 64)
    assert np.all(out[:, :30] == 0)
    assert np.all(out[:, 34:] == 200)
    assert np.all(out == out[0])  # rows are alike: nothing of a vertical resize shows


def test_fit_to_size_non_square_target_crops_to_its_aspect_ratio():
    # A 40x40 image to 16x32 (h x w): crop the centre 20 rows (aspect 1:2), then resize.
    image = np.full((40, 40, 1), 250, np.uint8)
    image[10:30] = 50
    out = data._fit_to_size(tf.constant(image), (16, 32)).numpy()
    assert out.shape == (16, 32, 1)
    assert np.all(out == 50)
