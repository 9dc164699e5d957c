"""Image pairs for the image-to-image variants: edge maps, thickened strokes, photo
patches, and tfds CycleGAN domains through `tfds.testing.mock_data` (offline)."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from kerasgan import data


def test_edge_maps_are_binary_outline_of_a_square_and_empty_for_a_flat_image():
    image = np.zeros((1, 16, 16, 1), np.uint8)
    image[0, 4:12, 4:12] = 255
    edges = data.edge_maps(np.concatenate([image, np.full_like(image, 90)]))
    assert set(np.unique(edges)) <= {0, 255}
    square, flat = edges[0, ..., 0] > 0, edges[1, ..., 0] > 0
    assert not flat.any()
    # Edges lie along the square's border, not deep inside it or far outside.
    assert square[3:5, 6:10].any() and square[11:13, 6:10].any()
    assert not square[7:9, 7:9].any() and not square[:2].any()


def test_thicken_dilates_one_pixel_into_a_square():
    image = np.zeros((1, 7, 7, 1), np.uint8)
    image[0, 3, 3] = 200
    thick = data.thicken(image, size=3)[0, ..., 0]
    expected = np.zeros((7, 7), np.uint8)
    expected[2:5, 2:5] = 200
    np.testing.assert_array_equal(thick, expected)
    digits, _ = data._digits("test")
    assert np.all(data.thicken(digits) >= digits)


def test_sample_patches_low_resolution_is_the_block_mean_of_the_high():
    low, high = data.sample_patches("train", count=6, patch_size=16, scale=4, seed=1)
    assert low.shape == (6, 4, 4, 3) and high.shape == (6, 16, 16, 3)
    assert low.dtype == np.uint8 and high.dtype == np.uint8
    block_mean = high.reshape(6, 4, 4, 4, 4, 3).astype(np.float64).mean(axis=(2, 4))
    assert np.max(np.abs(block_mean - low)) <= 0.5 + 1e-6
    again, _ = data.sample_patches("train", count=6, patch_size=16, scale=4, seed=1)
    np.testing.assert_array_equal(again, low)
    other, _ = data.sample_patches("train", count=6, patch_size=16, scale=4, seed=2)
    assert not np.array_equal(other, low)


def test_test_patches_come_from_the_right_of_the_photos():
    _, high = data.sample_patches("test", count=8, patch_size=16, scale=4, seed=0)
    photos = data._sample_photos()
    cut = int(photos[0].shape[1] * data._SAMPLE_TRAIN_FRACTION)
    for index, patch in enumerate(high):
        photo = photos[index % 2]
        # Find the patch's column by matching its first row against the photo.
        hits = [(t, l) for t in range(photo.shape[0] - 15) for l in range(cut, photo.shape[1] - 15)
                if np.array_equal(photo[t, l:l + 16], patch[0])
                and np.array_equal(photo[t:t + 16, l:l + 16], patch)]
        assert hits, f"test patch {index} is not in the held-out strip"


@pytest.mark.parametrize("kwargs, message", [
    ({"patch_size": 18, "scale": 4}, "patch_size=18"),
    ({"scale": 0}, "scale=0"),
    ({"count": -1}, "count=-1"),
])
def test_sample_patches_bad_arguments_raise_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.sample_patches("train", **kwargs)


def test_load_pairs_digits_edges_are_the_edges_of_their_targets():
    sources, targets = next(iter(data.load_pairs("digits_edges", "test", batch_size=5)))
    assert sources.shape == targets.shape == (5, 32, 32, 1)
    assert sources.dtype == tf.float32
    levels = np.round((targets.numpy() + 1.0) * 127.5).astype(np.uint8)
    expected = data.edge_maps(levels).astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(sources.numpy(), expected, atol=1e-6)


def test_load_pairs_digits_thick_domains_are_unpaired_and_thicker():
    a, b = data.pair_arrays("digits_thick", "train")
    assert a.shape == b.shape and a.shape[1:] == (32, 32, 1)
    # Domain B is thickened: more bright pixels per image on average.
    assert (b > 128).mean() > 1.3 * (a > 128).mean()
    # No B image is the thickened version of an A image.
    thick_a = data.thicken(a)
    assert not any(np.array_equal(thick_a[i], b[i]) for i in range(len(a)))
    sources, targets = next(iter(data.load_pairs("digits_thick", batch_size=4)))
    assert sources.shape == targets.shape == (4, 32, 32, 1)


def test_load_pairs_cycle_gan_from_tfds_mock_data():
    with tfds.testing.mock_data(num_examples=4):
        sources, targets = next(iter(data.load_pairs("cycle_gan/horse2zebra", batch_size=2,
                                                     image_size=64)))
    assert sources.shape == targets.shape == (2, 64, 64, 3)
    for batch in (sources, targets):
        assert batch.numpy().min() >= -1.0 and batch.numpy().max() <= 1.0


def test_load_pairs_unknown_name_raises_naming_it():
    with pytest.raises(ValueError, match="name='digits_edge'"):
        data.load_pairs("digits_edge")
