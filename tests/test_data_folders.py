"""Tests of `kerasgan.data` on folders of a user's own images: labels from class
sub-folders, splits, sizes and channels, the errors, A/B image pairs, and the training
engine (`kerasgan.training`) taking a folder as its dataset."""

import os

import numpy as np
import pytest
import tensorflow as tf

from conftest import check_batch_shapes
from kerasgan import data, training
from kerasgan.registry import model_defaults

NUM_IMAGES = 200


def to_uint8(images):
    return np.round((np.asarray(images) + 1.0) * 127.5).astype(np.uint8)


def write_png(path, image):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(tf.io.encode_png(image).numpy())


@pytest.fixture(scope="module")
def digits():
    """200 digits as uint8 `[200, 32, 32, 1]` with their labels."""
    images, labels = data.load_arrays("digits", "all", limit=NUM_IMAGES)
    return to_uint8(images), labels


@pytest.fixture(scope="module")
def folders(tmp_path_factory, digits):
    """The folders the tests read, written once: `classes` (10 class sub-folders),
    `flat` (unlabeled), `pairs` (A/ edge maps, B/ digits, same names), `unpaired`
    (A/ digits, B/ thickened digits, no common names) and `rgb` (colour PNGs)."""
    root = tmp_path_factory.mktemp("folders")
    images, labels = digits
    for n, (image, label) in enumerate(zip(images, labels)):
        write_png(str(root / "classes" / str(label) / f"{n:04d}.png"), image)
        write_png(str(root / "flat" / f"{n:04d}.png"), image)
    edges = data.edge_maps(images)
    for n in range(40):
        write_png(str(root / "pairs" / "A" / f"{n:04d}.png"), edges[n])
        write_png(str(root / "pairs" / "B" / f"{n:04d}.png"), images[n])
    thick = data.thicken(images[20:40])
    for n in range(20):
        write_png(str(root / "unpaired" / "A" / f"plain_{n:03d}.png"), images[n])
        write_png(str(root / "unpaired" / "B" / f"thick_{n:03d}.png"), thick[n])
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, size=(10, 40, 40, 3), dtype=np.uint8)
    for n, image in enumerate(colour):
        write_png(str(root / "rgb" / f"{n:02d}.png"), image)
    return {name: str(root / name) for name in ("classes", "flat", "pairs", "unpaired", "rgb")}


def sorted_by_class(digits):
    """The digits in the order a class-folder dataset reads them: by class, then file."""
    images, labels = digits
    order = np.lexsort((np.arange(len(labels)), labels))
    return images[order], labels[order]


# Labeled folders


def test_class_folder_info_and_is_folder(folders):
    path = folders["classes"]
    assert data.is_folder(path) and not data.is_pair_dataset(path)
    assert data.info(path) == data.DatasetInfo(path, (32, 32, 1), 10)


def test_class_folder_reads_every_image_exactly_with_its_label(folders, digits):
    images, labels = data.load_arrays(folders["classes"], "all")
    expected_images, expected_labels = sorted_by_class(digits)
    assert images.dtype == np.float32 and labels.dtype == np.int32
    np.testing.assert_array_equal(to_uint8(images), expected_images)
    np.testing.assert_array_equal(labels, expected_labels)


def test_folder_split_holds_out_every_fifth_image(folders, digits):
    train_images, train_labels = data.load_arrays(folders["classes"], "train")
    test_images, test_labels = data.load_arrays(folders["classes"], "test")
    assert len(train_images) == 160 and len(test_images) == 40
    expected_images, expected_labels = sorted_by_class(digits)
    held_out = np.arange(NUM_IMAGES) % data.FOLDER_TEST_EVERY == data.FOLDER_TEST_EVERY - 1
    np.testing.assert_array_equal(to_uint8(test_images), expected_images[held_out])
    np.testing.assert_array_equal(to_uint8(train_images), expected_images[~held_out])
    np.testing.assert_array_equal(test_labels, expected_labels[held_out])
    # Classes lie together in sorted order, so every class is held out in part.
    np.testing.assert_array_equal(np.unique(test_labels), np.arange(10))


def test_folder_batches_are_shuffled_on_train_and_fixed_on_test(folders):
    dataset = data.load(folders["classes"], "train", batch_size=16)
    assert int(dataset.cardinality()) == 10  # known: Keras shows the epoch's progress
    images, labels = next(iter(dataset))
    assert images.shape == (16, 32, 32, 1) and images.dtype == tf.float32
    assert labels.shape == (16,) and labels.dtype == tf.int32
    assert images.numpy().min() >= -1.0 and images.numpy().max() <= 1.0
    first = np.concatenate([batch_labels.numpy() for _, batch_labels in dataset])
    second = np.concatenate([batch_labels.numpy() for _, batch_labels in dataset])
    assert len(first) == 160 and not np.array_equal(first, second)
    test = data.load(folders["classes"], "test", batch_size=16, drop_remainder=False)
    np.testing.assert_array_equal(np.concatenate([lab.numpy() for _, lab in test]),
                                  data.load_arrays(folders["classes"], "test")[1])


def test_folder_images_are_brought_to_the_model_size_like_tfds_images(folders):
    native, _ = data.load_arrays(folders["classes"], "test", limit=8)
    # A little larger (36 <= 32 * 1.25): padded with black, pixels kept, as MNIST 28 -> 32.
    padded, _ = data.load_arrays(folders["classes"], "test", limit=8, image_size=36)
    np.testing.assert_array_equal(padded[:, 2:34, 2:34], native)
    resized, _ = data.load_arrays(folders["classes"], "test", limit=8, image_size=64)
    expected = np.stack([data._fit_to_size(tf.constant(image), (64, 64)).numpy()
                         for image in to_uint8(native)])
    np.testing.assert_array_equal(to_uint8(resized), expected)
    rgb, _ = data.load_arrays(folders["classes"], "test", limit=8, channels=3)
    assert rgb.shape == (8, 32, 32, 3)
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], native[..., 0])


# Unlabeled and colour folders


def test_flat_folder_is_unlabeled(folders, digits):
    path = folders["flat"]
    assert data.info(path) == data.DatasetInfo(path, (32, 32, 1), None)
    images, labels = data.load_arrays(path, "all")
    np.testing.assert_array_equal(to_uint8(images), digits[0])
    assert np.all(labels == 0)


def test_rgb_folder_to_one_channel_is_the_luma(folders):
    path = folders["rgb"]
    assert data.info(path) == data.DatasetInfo(path, (40, 40, 3), None)
    rgb, _ = data.load_arrays(path, "all")
    gray, _ = data.load_arrays(path, "all", channels=1, image_size=32)
    assert rgb.shape == (10, 40, 40, 3) and gray.shape == (10, 32, 32, 1)
    expected = data._fit_channels(data._fit_to_size(tf.constant(to_uint8(rgb)[0]), (32, 32)), 1)
    np.testing.assert_array_equal(to_uint8(gray[0]), expected.numpy())


def test_folder_of_mixed_sizes_and_channels_comes_at_its_most_common_size(tmp_path, digits):
    images = digits[0]
    for n in range(3):
        write_png(str(tmp_path / f"a{n}.png"), images[n])  # 32x32 gray: the most common
    write_png(str(tmp_path / "b.png"), np.zeros((48, 64, 3), np.uint8) + 200)  # wide, colour
    info = data.info(str(tmp_path))
    assert info.image_shape == (32, 32, 3)  # colour if any image has it
    read, _ = data.load_arrays(str(tmp_path), "all")
    assert read.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(to_uint8(read[0, ..., 1]), images[0, ..., 0])
    np.testing.assert_array_equal(to_uint8(read[3]), np.full((32, 32, 3), 200, np.uint8))


def test_jpeg_files_and_nested_class_folders_are_read(tmp_path, digits):
    images, labels = digits
    for n in range(10):
        path = tmp_path / f"class_{labels[n]}" / "nested" / f"{n}.jpg"
        os.makedirs(path.parent, exist_ok=True)
        path.write_bytes(tf.io.encode_jpeg(images[n], quality=100).numpy())
    info = data.info(str(tmp_path))
    assert info.num_classes == len(set(labels[:10].tolist()))
    read, _ = data.load_arrays(str(tmp_path), "all")
    assert read.shape == (10, 32, 32, 1)


# What is a folder


def test_is_folder_tells_paths_from_dataset_names(tmp_path, monkeypatch):
    for name in ("digits", "digits_edges", "mnist", "mnist_edges", "cycle_gan/horse2zebra",
                 "mnist/3.0.1", "digits_captions", None, 3):
        assert not data.is_folder(name), name
    for name in ("/no/such/folder", "./images", "../images", "~/images", "my/images",
                 tmp_path):
        assert data.is_folder(name), name
    monkeypatch.chdir(tmp_path)
    os.makedirs("my_images")
    os.makedirs("mnist")
    assert data.is_folder("my_images")
    assert not data.is_folder("mnist")  # the dataset wins; ./mnist is the folder
    assert data.is_folder("./mnist")
    assert not data.is_folder("not_a_dir_nor_dataset")


def test_short_name_of_a_folder_is_its_base_name(folders):
    assert data.short_name(folders["classes"] + "/") == "classes"
    assert data.short_name("mnist") == "mnist"


def test_folder_given_as_a_relative_or_path_object(folders, monkeypatch):
    monkeypatch.chdir(os.path.dirname(folders["flat"]))
    import pathlib

    assert data.info("./flat").image_shape == (32, 32, 1)
    assert data.info(pathlib.Path(folders["flat"])).image_shape == (32, 32, 1)


# Errors


def one_line_error(call, *args, **kwargs):
    with pytest.raises(ValueError) as error:
        call(*args, **kwargs)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_missing_folder_is_named(tmp_path):
    path = str(tmp_path / "no_such_folder")
    for call in (data.info, data.load, data.load_arrays, data.load_pairs):
        message = one_line_error(call, path)
        assert f"Dataset folder not found: {path!r}" in message


def test_unknown_plain_name_keeps_the_unknown_dataset_error():
    message = one_line_error(data.load, "digts")
    assert "Unknown dataset: 'digts'" in message and "'digits'" in message


def test_file_instead_of_a_folder_is_named(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"")
    assert "is a file, not a folder" in one_line_error(data.info, str(path))


def test_empty_folder_is_named(tmp_path):
    message = one_line_error(data.load, str(tmp_path))
    assert f"Dataset folder {str(tmp_path)!r} is empty" in message


def test_folder_without_images_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    os.makedirs(tmp_path / "sub")
    (tmp_path / "sub" / "data.csv").write_text("1,2")
    message = one_line_error(data.info, str(tmp_path))
    assert f"Dataset folder {str(tmp_path)!r} holds no images" in message and ".png" in message


def test_corrupt_image_file_is_named(tmp_path, digits):
    for n in range(6):
        write_png(str(tmp_path / "cats" / f"{n}.png"), digits[0][n])
    bad = tmp_path / "cats" / "3.png"
    bad.write_bytes(bad.read_bytes()[:40])  # truncated
    (tmp_path / "cats" / "5.png").write_bytes(b"not an image")
    message = one_line_error(data.load, str(tmp_path))
    assert f"Cannot read image file {str(bad)!r}" in message
    assert "1 more files do not decode" in message and "Replace or delete it" in message
    assert "Op:" not in message and "{{" not in message  # TF's wrapping is cut off


def test_images_both_loose_and_in_sub_folders_are_refused(tmp_path, digits):
    write_png(str(tmp_path / "loose.png"), digits[0][0])
    write_png(str(tmp_path / "cats" / "0.png"), digits[0][1])
    message = one_line_error(data.info, str(tmp_path))
    assert "holds images both directly" in message and "'loose.png'" in message


def test_unknown_split_and_too_small_test_split(folders, tmp_path, digits):
    message = one_line_error(data.load, folders["flat"], "validation")
    assert "split='validation'" in message and "train, test, all" in message
    for n in range(4):
        write_png(str(tmp_path / f"{n}.png"), digits[0][n])
    assert len(data.load_arrays(str(tmp_path), "train")[0]) == 4
    message = one_line_error(data.load_arrays, str(tmp_path), "test")
    assert "holds 4 images, too few for a 'test' split" in message


def test_empty_class_sub_folders_are_not_classes(tmp_path, digits):
    write_png(str(tmp_path / "cats" / "0.png"), digits[0][0])
    os.makedirs(tmp_path / "empty")
    assert data.info(str(tmp_path)).num_classes == 1


# Image pairs


def test_pair_folder_info_and_paired_reading(folders, digits):
    path = folders["pairs"]
    assert data.is_pair_dataset(path)
    assert data.info(path) == data.DatasetInfo(path, (32, 32, 1), None,
                                               source_shape=(32, 32, 1), paired=True)
    sources, targets = data.load_pair_arrays(path, "all")
    np.testing.assert_array_equal(to_uint8(targets), digits[0][:40])
    np.testing.assert_array_equal(to_uint8(sources), data.edge_maps(digits[0][:40]))
    test_sources, test_targets = data.load_pair_arrays(path, "test", image_size=64)
    assert test_sources.shape == test_targets.shape == (8, 64, 64, 1)
    # Shuffled batches keep each source with its target.
    for batch_sources, batch_targets in data.load_pairs(path, batch_size=8):
        np.testing.assert_array_equal(to_uint8(batch_sources),
                                      data.edge_maps(to_uint8(batch_targets)))


def test_pairs_match_by_name_and_leave_out_the_rest(tmp_path, digits):
    images = digits[0]
    for n in range(10):
        write_png(str(tmp_path / "A" / f"{n}.png"), images[n])
        (tmp_path / "B").mkdir(exist_ok=True)
        # Targets as JPEG: a pair's files may differ in extension.
        (tmp_path / "B" / f"{n}.jpg").write_bytes(tf.io.encode_jpeg(images[n]).numpy())
    write_png(str(tmp_path / "A" / "extra.png"), images[10])
    info = data.info(str(tmp_path))
    assert info.paired is True
    sources, targets = data.load_pair_arrays(str(tmp_path), "all")
    assert len(sources) == len(targets) == 10
    np.testing.assert_array_equal(to_uint8(sources), images[:10])
    assert np.abs(targets - sources).mean() < 0.05  # the same digits, through JPEG


def test_unpaired_folder_serves_two_domains(folders, digits):
    path = folders["unpaired"]
    info = data.info(path)
    assert info.paired is False and info.source_shape == (32, 32, 1)
    plain, thick = data.load_pair_arrays(path, "all")
    np.testing.assert_array_equal(to_uint8(plain), digits[0][:20])
    np.testing.assert_array_equal(to_uint8(thick), data.thicken(digits[0][20:40]))
    # Unpaired domains are shuffled independently, as digits_thick's are.
    sources, targets = next(iter(data.load_pairs(path, batch_size=16)))
    source_rows = [np.flatnonzero((to_uint8(plain) == s).all(axis=(1, 2, 3)))[0]
                   for s in to_uint8(sources.numpy())]
    target_rows = [np.flatnonzero((to_uint8(thick) == t).all(axis=(1, 2, 3)))[0]
                   for t in to_uint8(targets.numpy())]
    assert source_rows != target_rows


def test_paired_request_without_common_names_is_refused(folders):
    message = one_line_error(data.load_pairs, folders["unpaired"], paired=True)
    assert "have no file name in common" in message and folders["unpaired"] in message


def test_pairs_of_a_folder_without_a_and_b_are_refused(folders):
    message = one_line_error(data.load_pairs, folders["classes"])
    assert "has no A/ and B/ sub-folders" in message


def test_pair_folder_channels_follow_the_colourful_domain(tmp_path, digits):
    for n in range(5):
        write_png(str(tmp_path / "A" / f"{n}.png"), digits[0][n])
        write_png(str(tmp_path / "B" / f"{n}.png"), np.repeat(digits[0][n], 3, axis=-1))
    info = data.info(str(tmp_path))
    assert info.image_shape == info.source_shape == (32, 32, 3)
    sources, targets = data.load_pair_arrays(str(tmp_path), "all")
    assert sources.shape == targets.shape == (5, 32, 32, 3)


# The training engine, unchanged, on folders


def engine_config(model, dataset, **kwargs):
    defaults = model_defaults(model)
    model_kwargs = {key: value for key, value in {"base_filters": 4, "latent_dim": 8}.items()
                    if key in defaults}
    return training.resolve_config({"model": model, "dataset": dataset, "epochs": 1,
                                    "steps_per_epoch": 1, "batch_size": 4,
                                    "model_kwargs": model_kwargs, **kwargs})


@pytest.mark.parametrize("model, folder, num_classes", [
    ("dcgan", "flat", None), ("cgan", "classes", 10), ("pix2pix", "pairs", None),
    ("cyclegan", "unpaired", None)])
def test_training_engine_takes_a_folder(folders, tmp_path, model, folder, num_classes):
    config = engine_config(model, folders[folder])
    built = training.build_model(config)
    if num_classes:
        assert built.num_classes == num_classes
    batch = next(iter(training.training_dataset(config, built)))
    assert batch[0].shape[0] == 4
    check_batch_shapes(built, batch)
    training.training_callbacks(config, str(tmp_path))  # pair grids read the test split


def test_training_engine_refuses_cgan_on_an_unlabeled_folder(folders):
    with pytest.raises(ValueError, match="has no class labels"):
        training.build_model(engine_config("cgan", folders["flat"]))


def test_training_engine_fits_a_folder(folders, tmp_path):
    config = engine_config("dcgan", folders["classes"], image_size=16)
    result = training.train(config, str(tmp_path), verbose=0)
    assert result.steps == 1 and np.isfinite(result.final_logs["g_loss"])
