"""Datasets as `tf.data` pipelines of `(images, labels)` batches, images float32 in [-1, 1].

- `digits`: the embedded default, scikit-learn's bundled 8x8 handwritten digits
  (1,797 images, 10 classes) resized to 32x32x1. No network is touched. Deterministic
  80/20 split: `train` holds 1,437 images, `test` 360.
- Any `tensorflow_datasets` image dataset by name (`mnist`, `fashion_mnist`,
  `cifar10`, `celeb_a`, ...), read from `data_dir` and downloaded there if missing.
  Where the download cannot reach its host, `load` raises `DatasetDownloadError`
  (a `ValueError`) naming the dataset, the data directory and what to do instead.
- A folder of a user's own images, by its path (`load("path/to/folder")`, or
  `--dataset=path/to/folder`; see `is_folder`): PNG, JPEG, BMP or GIF files read with
  `keras.utils.image_dataset_from_directory`. Class sub-folders become labels
  (`folder/cat/*.png`, `folder/dog/*.png`: `num_classes=2`, for class-conditional
  models); images directly in the folder are unlabeled. Images come at the folder's most
  common size and are brought to a model's size like the tfds images. Every fifth image
  in sorted path order is held out as the `test` split (`FOLDER_TEST_EVERY`); `all`
  holds every image. A folder with `A/` and `B/` sub-folders holds image pairs for
  image-to-image models (`load_pairs`): paired by file name (`A/x.png` with `B/x.png`,
  for pix2pix), or two unpaired domains when no file name is in both (CycleGAN). Every
  image is checked once per process, and a file that does not decode is named.
- Image pairs for image-to-image models, `load_pairs(name)`: `digits_edges` (edge maps
  to digits), `digits_thick` (digits and stroke-thickened digits, unpaired),
  `sample_patches` (x4 low- to high-resolution patches of scikit-learn's two bundled
  photos), `<tfds name>_edges` (edge maps to the images of a tfds image dataset, e.g.
  `mnist_edges`), `<tfds name>_x4` (x4 downsampled images to the images, e.g.
  `celeb_a_x4` or `digits_x4`, for super-resolution), and tfds' `cycle_gan/<name>`
  domains.
- Captioned images for text-to-image models, `load_captions(name)`: `digits_captions`,
  the digits (plus a stroke-thickened copy of every third) with captions made from
  templates ("a handwritten seven", "the digit 7", "the digit 7 written thickly", ...),
  as character token ids of a fixed vocabulary (`CAPTION_VOCABULARY`, `tokenize`,
  `tokenize_tensor`).

Example:

>>> import kerasgan
>>> dataset = kerasgan.data.load("digits", batch_size=16)
>>> images, labels = next(iter(dataset))
>>> images.shape, labels.shape
(TensorShape([16, 32, 32, 1]), TensorShape([16]))
"""

import collections
import dataclasses
import difflib
import functools
import os

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from kerasgan import validation
# The caption templates and the tokenizer live in `kerasgan.text`; these names stay here too.
from kerasgan.text import (CAPTION_STYLES, CAPTION_TEMPLATES, CAPTION_VOCABULARY,  # noqa: F401
                           MAX_CAPTION_LENGTH, NUMBER_WORDS, PADDING_ID, UNKNOWN_ID, CaptionBank,
                           caption, caption_bank, caption_lengths, detokenize, label_caption,
                           tokenize, tokenize_tensor, vocabulary_file_contents)

EMBEDDED_DATASETS = ("digits",)
_DIGITS_SPLITS = ("train", "test", "all")
_DIGITS_TRAIN_FRACTION = 0.8


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know of a dataset.

    Attributes:
        name: Dataset name.
        image_shape: `(height, width, channels)` of the images as `load` yields them
            without `image_size` (of the targets, for a pair dataset).
        num_classes: Number of classes, or None if the dataset has no class label.
        source_shape: For pair datasets, the sources' `(height, width, channels)`.
        paired: For pair datasets, whether each source has its own target (pix2pix,
            SRGAN) rather than the sources and targets being two unpaired domains
            (CycleGAN). None for image datasets.
    """

    name: str
    image_shape: tuple
    num_classes: int | None
    #: For pair datasets (`is_pair_dataset`): the `(height, width, channels)` of the
    #: sources; `image_shape` is then the targets'. None for image datasets.
    source_shape: tuple | None = None
    paired: bool | None = None


class DatasetDownloadError(ValueError):
    """A tfds dataset that is not in its data directory could not be downloaded there
    (no network, or its host refused): the message names the dataset, the directory and
    what to do instead."""


@functools.lru_cache(maxsize=None)
def _digits_arrays():
    """All 1,797 digits as uint8 `[N, 32, 32, 1]` and int32 labels, in a fixed shuffled order."""
    from sklearn.datasets import load_digits  # a heavy import, needed only here

    bunch = load_digits()
    images = bunch.images.astype(np.float32)[..., None] * (255.0 / 16.0)
    images = tf.image.resize(images, (32, 32), method="bilinear").numpy()
    images = np.clip(np.round(images), 0, 255).astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(images))
    return images[order], bunch.target.astype(np.int32)[order]


def _digits(split):
    images, labels = _digits_arrays()
    cut = int(len(images) * _DIGITS_TRAIN_FRACTION)
    if split == "train":
        return images[:cut], labels[:cut]
    if split == "test":
        return images[cut:], labels[cut:]
    if split == "all":
        return images, labels
    raise ValueError(
        f"Unknown split for dataset 'digits'. Received: split={split!r}. "
        f"Choices: {', '.join(_DIGITS_SPLITS)}."
    )


def _unknown_dataset_error(name):
    import tensorflow_datasets as tfds

    # Community datasets are left out: listing them asks GCS, 16 s when offline.
    candidates = (list(EMBEDDED_DATASETS) + list(CAPTION_DATASETS)
                  + list(tfds.list_builders(with_community_datasets=False)))
    close = difflib.get_close_matches(str(name), candidates, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return ValueError(
        f"Unknown dataset: {name!r}.{hint} Use 'digits' (embedded, offline), "
        "'digits_captions' (embedded, captioned, for text2image), the name "
        "of a tensorflow_datasets image dataset such as 'mnist', 'fashion_mnist', 'cifar10', "
        "or the path of a folder of your own images (e.g. ./my_images)."
    )


def _network_errors():
    """What tfds' downloads raise when they cannot reach a host: requests' errors (http),
    urllib's (ftp), socket errors, and tfds' own DownloadError (an HTTP error status)."""
    import socket
    import urllib.error

    import requests  # a tensorflow-datasets dependency
    import tensorflow_datasets as tfds

    return (requests.exceptions.RequestException, urllib.error.URLError, ConnectionError,
            TimeoutError, socket.gaierror, tfds.download.DownloadError)


def _download_error(name, data_dir, error):
    """The one-line `DatasetDownloadError` for dataset `name`, whose download into
    `data_dir` (None: tfds' default) failed with `error`."""
    import tensorflow_datasets as tfds

    data_dir = os.fspath(data_dir) if data_dir else tfds.core.constants.DATA_DIR
    # requests wraps the telling error (NameResolutionError, NewConnectionError: the host
    # and why) in two more; the bottom one (socket.gaierror) no longer names the host.
    chain = [error]
    while (chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 10:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)
    telling = next((e for e in reversed(chain) if len(str(e)) > 40), error)
    cause = " ".join(f"{type(telling).__name__}: {telling}".split())
    if len(cause) > 240:
        cause = cause[:237] + "..."
    return DatasetDownloadError(
        f"Cannot download dataset {name!r} into data_dir {data_dir!r} ({cause}). Connect "
        "to the network and run again; or prepare it on a connected machine with `python "
        "-c \"import tensorflow_datasets as tfds; "
        f"tfds.builder('{name}', data_dir='DIR').download_and_prepare()\"` and copy DIR's "
        f"contents into {data_dir!r}; or use the embedded --dataset=digits or a folder of "
        "your own images (--dataset=path/to/folder)."
    )


def _tfds_builder(name, data_dir=None):
    import tensorflow_datasets as tfds

    if not isinstance(name, str) or not name:
        raise _unknown_dataset_error(name)
    try:
        return tfds.builder(name, data_dir=data_dir)
    # tfds raises DatasetNotFoundError for unknown names, ValueError for names it
    # cannot parse and AssertionError for unknown versions.
    except (tfds.core.registered.DatasetNotFoundError, ValueError, AssertionError) as error:
        raise _unknown_dataset_error(name) from error
    # Registered datasets describe themselves from their code; others (community ones,
    # read-only builders) may have to fetch their description first.
    except _network_errors() as error:
        raise _download_error(name, data_dir, error) from error


def _tfds_keys(features, name):
    """Finds the image feature and the class-label feature of a tfds dataset."""
    import tensorflow_datasets as tfds

    image_key = next(
        (key for key, feature in features.items() if isinstance(feature, tfds.features.Image)),
        None,
    )
    if image_key is None:
        raise ValueError(
            f"Dataset {name!r} has no image feature. Its features are: {', '.join(features)}."
        )
    label_key = next(
        (key for key, feature in features.items()
         if isinstance(feature, tfds.features.ClassLabel)),
        None,
    )
    return image_key, label_key


def info(name, data_dir=None):
    """Returns the `DatasetInfo` of dataset `name` without reading its data.

    Raises:
        ValueError: if `name` is neither embedded, nor a tfds dataset with images, nor a
            folder of images (see `is_folder`); for a folder, if it is empty, holds no
            images or an image that does not decode.
        DatasetDownloadError: if tfds must fetch the dataset's description and cannot.
    """
    if is_folder(name):
        return _folder_info(name)
    if name == "digits":
        return DatasetInfo("digits", (32, 32, 1), 10)
    if is_caption_dataset(name):
        return DatasetInfo(name, (32, 32, 1), 10)
    if is_pair_dataset(name):
        return _pair_info(name, data_dir)
    builder = _tfds_builder(name, data_dir)
    features = builder.info.features
    image_key, label_key = _tfds_keys(features, name)
    return DatasetInfo(
        name,
        tuple(features[image_key].shape),
        features[label_key].num_classes if label_key else None,
    )


def _fit_to_size(image, size):
    """Brings one uint8 image to `size` = (height, width).

    An image a little smaller than the target (up to a quarter of its side, e.g. MNIST's
    28 -> 32) is padded with black around the centre, keeping its pixels exact, as
    DCGAN implementations do for MNIST. Otherwise it is centre-cropped to the target's
    aspect ratio and resized with antialiasing (e.g. CelebA 218x178 -> 64x64).
    """
    height, width = image.shape[0], image.shape[1]
    target_h, target_w = size
    if (height, width) == (target_h, target_w):
        return image
    if height is not None and width is not None and (
        height <= target_h <= height * 1.25 and width <= target_w <= width * 1.25
    ):
        return tf.image.resize_with_crop_or_pad(image, target_h, target_w)
    shape = tf.shape(image)
    crop_h = tf.minimum(shape[0], shape[1] * target_h // target_w)
    crop_w = tf.minimum(shape[1], shape[0] * target_w // target_h)
    image = tf.image.resize_with_crop_or_pad(image, crop_h, crop_w)
    image = tf.image.resize(image, (target_h, target_w), method="bilinear", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def _fit_channels(image, channels):
    have = image.shape[-1]
    if channels is None or have == channels:
        return image
    if have == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(image)
    if have == 3 and channels == 1:
        return tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))), tf.uint8)
    raise ValueError(f"Cannot convert images with {have} channels to channels={channels}.")


def _to_unit_range(images, labels):
    return tf.cast(images, tf.float32) / 127.5 - 1.0, labels


def load(name="digits", split="train", image_size=None, batch_size=64, *, channels=None,
         shuffle=None, repeat=False, drop_remainder=True, cache=True, seed=0, data_dir=None,
         download=True):
    """Loads dataset `name` as batches of `(images, labels)`.

    Images are float32 in [-1, 1], NHWC; labels int32 (zeros when the dataset has no
    class label). The pipeline caches the decoded uint8 images, shuffles, batches,
    converts to float after batching (vectorized) and prefetches.

    Args:
        name: `"digits"`, a tfds dataset name, e.g. `"mnist"`, or the path of a folder
            of images (`is_folder`; class sub-folders give the labels). A caption
            dataset (`"digits_captions"`) is read by `load_captions`, whose batches are
            `(images, {"tokens", "label"})`.
        split: `"train"` or `"test"` (`"all"` for digits and folders); tfds split
            strings such as `"train[:10%]"` for tfds datasets.
        image_size: Side `int` or `(height, width)` to bring images to (see
            `_fit_to_size` for pad vs resize). None keeps the dataset's size.
        batch_size: Images per batch.
        channels: 1 or 3 to convert grayscale/RGB; None keeps the dataset's.
        shuffle: Shuffle every epoch. Default: True for the train split only.
        repeat: Repeat forever (for `fit(steps_per_epoch=...)`).
        drop_remainder: Drop the last, smaller batch so every step sees `batch_size`.
        cache: Cache the decoded images in memory (True), in files with this prefix
            (a str), or not at all (False).
        seed: Shuffle seed.
        data_dir: tfds data directory.
        download: Let tfds download and prepare the dataset if it is missing.

    Returns:
        A `tf.data.Dataset` of `(images, labels)`.

    Raises:
        ValueError: for an unknown dataset or split, bad sizes, or a folder that is
            missing, empty, holds no images or an image that does not decode.
        DatasetDownloadError: if a tfds dataset is not in `data_dir` and cannot be
            downloaded (no network).
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    if image_size is not None:
        size = (image_size, image_size) if np.isscalar(image_size) else tuple(image_size)
        if len(size) != 2:
            raise ValueError(
                f"`image_size` must be an int or (height, width). Received: image_size={image_size!r}"
            )
        for side in size:
            validation.check_positive_int("image_size", side)
    else:
        size = None
    if channels not in (None, 1, 3):
        raise ValueError(f"`channels` must be None, 1 or 3. Received: channels={channels!r}")
    if shuffle is None:
        shuffle = str(split).startswith("train")
    if is_caption_dataset(name):
        return load_captions(name, split, batch_size, image_size=image_size, channels=channels,
                             shuffle=shuffle, repeat=repeat, drop_remainder=drop_remainder,
                             seed=seed)

    if is_folder(name):
        dataset, num_examples = _load_folder(name, split)
    elif name == "digits":
        images, labels = _digits(split)
        dataset = tf.data.Dataset.from_tensor_slices((images, labels))
        num_examples = len(images)
    else:
        dataset, num_examples = _load_tfds(name, split, data_dir, download, shuffle, seed)

    def prepare(image, label):
        if size is not None:
            image = _fit_to_size(image, size)
        return _fit_channels(image, channels), label

    dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        dataset = dataset.cache(cache if isinstance(cache, str) else "")
    if shuffle:
        buffer = min(num_examples or 10_000, 10_000)
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(_to_unit_range, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _load_tfds(name, split, data_dir, download, shuffle_files, seed):
    """Reads a tfds dataset as `(uint8 image, int32 label)` pairs."""
    import tensorflow_datasets as tfds

    builder = _tfds_builder(name, data_dir)
    image_key, label_key = _tfds_keys(builder.info.features, name)
    try:
        dataset = tfds.load(name, split=split, data_dir=data_dir, download=download,
                            shuffle_files=shuffle_files,
                            read_config=tfds.ReadConfig(shuffle_seed=seed))
    except _network_errors() as error:
        raise _download_error(name, builder.data_dir_root, error) from error
    except (ValueError, KeyError) as error:
        splits = ", ".join(builder.info.splits) or "unknown"
        raise ValueError(
            f"Cannot read split {split!r} of dataset {name!r} ({error}). "
            f"Its splits are: {splits}."
        ) from error
    try:
        num_examples = builder.info.splits[split].num_examples
    except (KeyError, ValueError, TypeError):
        num_examples = None

    def pick(example):
        label = example[label_key] if label_key else tf.zeros([], tf.int64)
        return example[image_key], tf.cast(label, tf.int32)

    return dataset.map(pick, num_parallel_calls=tf.data.AUTOTUNE), num_examples


def load_arrays(name="digits", split="test", image_size=None, channels=None, limit=None,
                data_dir=None):
    """Loads a split into memory as numpy `(images float32 [-1, 1], labels int32)`.

    Args:
        name, split, image_size, channels, data_dir: As for `load`.
        limit: Keep at most this many images.

    Returns:
        A pair of numpy arrays.
    """
    if limit is not None:
        validation.check_positive_int("limit", limit)
    dataset = load(name, split, image_size, batch_size=256, channels=channels, shuffle=False,
                   drop_remainder=False, cache=False, data_dir=data_dir)
    if limit is not None:
        dataset = dataset.unbatch().take(limit).batch(256)
    images, labels = [], []
    for batch_images, batch_labels in dataset:
        images.append(batch_images.numpy())
        labels.append(batch_labels.numpy())
    return np.concatenate(images), np.concatenate(labels)


# Image pairs for the image-to-image variants ---------------------------------------------

#: Embedded datasets of `(source, target)` image pairs, built offline from data
#: scikit-learn bundles. `digits_edges` and `sample_patches` are paired (pix2pix,
#: SRGAN); `digits_thick` is two unpaired domains (CycleGAN).
PAIR_DATASETS = ("digits_edges", "digits_thick", "sample_patches")
#: The side of `sample_patches`' high-resolution patches and its downsampling factor.
SAMPLE_PATCH_SIZE = 96
SAMPLE_PATCH_SCALE = 4
_SAMPLE_TRAIN_FRACTION = 0.8
#: `<tfds name>_edges` (e.g. `mnist_edges`) pairs the edge maps of a tfds image
#: dataset's images with the images, as `digits_edges` does for the digits.
EDGES_SUFFIX = "_edges"
#: `<tfds name>_x4` (e.g. `celeb_a_x4`; also `digits_x4`) pairs each image of a tfds
#: image dataset, downsampled 4x (`tf.image.resize(..., "area")`, as
#: `sample_patches`), with the image: super-resolution pairs.
X4_SUFFIX = "_x4"
_X4_SCALE = 4


def is_pair_dataset(name):
    """Whether `load_pairs` (not `load`) reads dataset `name`: an embedded pair dataset
    (`PAIR_DATASETS`), `<tfds image dataset>_edges`, such as `mnist_edges`,
    `<tfds image dataset>_x4`, such as `celeb_a_x4`, or a folder with `A/` and `B/`
    sub-folders (`PAIR_FOLDERS`)."""
    if is_folder(name):
        root = _folder_path(name)
        return all(os.path.isdir(os.path.join(root, sub)) for sub in PAIR_FOLDERS)
    return isinstance(name, str) and (name in PAIR_DATASETS or name.endswith(EDGES_SUFFIX)
                                      or name.endswith(X4_SUFFIX))


def _edges_base(name):
    """The tfds dataset under `<name>_edges`, or None for the other pair datasets."""
    if name in PAIR_DATASETS or not name.endswith(EDGES_SUFFIX):
        return None
    return name[:-len(EDGES_SUFFIX)]


def _x4_base(name):
    """The tfds dataset (or `digits`) under `<name>_x4`, or None for the other pair
    datasets."""
    if name in PAIR_DATASETS or not name.endswith(X4_SUFFIX):
        return None
    return name[:-len(X4_SUFFIX)]


def _pair_info(name, data_dir=None):
    if name in ("digits_edges", "digits_thick"):
        return DatasetInfo(name, (32, 32, 1), None, source_shape=(32, 32, 1),
                           paired=name == "digits_edges")
    if name == "sample_patches":
        side = SAMPLE_PATCH_SIZE // SAMPLE_PATCH_SCALE
        return DatasetInfo(name, (SAMPLE_PATCH_SIZE, SAMPLE_PATCH_SIZE, 3), None,
                           source_shape=(side, side, 3), paired=True)
    suffix = X4_SUFFIX if _x4_base(name) else EDGES_SUFFIX
    try:
        base = info(_x4_base(name) or _edges_base(name), data_dir)
    except ValueError as error:
        raise ValueError(f"Unknown pair dataset: {name!r}. `<name>{suffix}` needs a "
                         f"tfds image dataset <name>: {error}") from error
    if suffix == X4_SUFFIX:
        height, width, channels = base.image_shape
        source_shape = (None if height is None else height // _X4_SCALE,
                        None if width is None else width // _X4_SCALE, channels)
        return DatasetInfo(name, base.image_shape, None, source_shape=source_shape,
                           paired=True)
    return DatasetInfo(name, base.image_shape, None, source_shape=base.image_shape,
                       paired=True)


def edge_maps(images):
    """Binary edge maps of uint8 `[N, H, W, 1]` images: white where the Sobel gradient
    magnitude exceeds a quarter of the image's largest one, black elsewhere (the
    "edges -> photo" input of Isola et al. 2017, made with a fixed filter instead of
    their HED network). Colour images get the edges of their luma, repeated on every
    channel. Returns uint8 of the images' shape."""
    return _edge_maps(tf.convert_to_tensor(images)).numpy()


def _edge_maps(images):
    """`edge_maps` on a uint8 tensor `[N, H, W, C]`, inside a `tf.data` pipeline too."""
    channels = images.shape[-1]
    grey = tf.cast(images, tf.float32)
    if channels == 3:
        grey = tf.image.rgb_to_grayscale(grey)
    gradients = tf.image.sobel_edges(grey)
    magnitude = tf.norm(gradients, axis=-1)
    peak = tf.reduce_max(magnitude, axis=[1, 2, 3], keepdims=True)
    edges = tf.cast(magnitude > 0.25 * tf.maximum(peak, 1e-6), tf.uint8) * 255
    return tf.tile(edges, [1, 1, 1, channels]) if channels == 3 else edges


def thicken(images, size=3):
    """Stroke-thickened versions of uint8 `[N, H, W, C]` images: a grey dilation by a
    `size` x `size` square (a max filter). Returns uint8 of the same shape."""
    size = validation.check_positive_int("size", size)
    images = tf.convert_to_tensor(images)
    return tf.nn.max_pool2d(images, size, strides=1, padding="SAME").numpy()


@functools.lru_cache(maxsize=None)
def _sample_photos():
    """scikit-learn's two bundled photos (china.jpg, flower.jpg), uint8 `[427, 640, 3]`."""
    from sklearn.datasets import load_sample_images  # a heavy import, needed only here

    return tuple(np.asarray(image, np.uint8) for image in load_sample_images().images)


def sample_patches(split="train", count=512, patch_size=SAMPLE_PATCH_SIZE,
                   scale=SAMPLE_PATCH_SCALE, seed=0):
    """Random `(low, high)` resolution patch pairs from scikit-learn's bundled photos.

    `train` patches come from the left 80% of each photo and `test` patches from the
    right 20%, so held-out patches show pixels training never saw. The low-resolution
    patch is the high-resolution one averaged over `scale` x `scale` blocks
    (`tf.image.resize(..., "area")`), the usual SRGAN degradation up to the blur.

    Returns:
        uint8 arrays `low [count, s/scale, s/scale, 3]` and `high [count, s, s, 3]`.
    """
    if split not in ("train", "test"):
        raise ValueError(f"Unknown split for dataset 'sample_patches'. Received: split={split!r}. "
                         "Choices: train, test.")
    count = validation.check_positive_int("count", count)
    patch_size = validation.check_positive_int("patch_size", patch_size)
    scale = validation.check_positive_int("scale", scale)
    if patch_size % scale:
        raise ValueError(f"`patch_size` must be a multiple of `scale`. Received: "
                         f"patch_size={patch_size}, scale={scale}")
    rng = np.random.default_rng(seed)
    highs = []
    for index in range(count):
        photo = _sample_photos()[index % 2]
        height, width = photo.shape[:2]
        cut = int(width * _SAMPLE_TRAIN_FRACTION)
        left_range = (0, cut - patch_size) if split == "train" else (cut, width - patch_size)
        top = rng.integers(0, height - patch_size + 1)
        left = rng.integers(left_range[0], left_range[1] + 1)
        highs.append(photo[top:top + patch_size, left:left + patch_size])
    high = np.stack(highs)
    low = tf.image.resize(high.astype(np.float32), (patch_size // scale,) * 2, method="area")
    low = np.clip(np.round(low.numpy()), 0, 255).astype(np.uint8)
    return low, high


def pair_arrays(name, split="train", **kwargs):
    """The uint8 `(sources, targets)` arrays of an embedded pair dataset.

    - `digits_edges`: edge maps of the digits to the digits (paired, 32x32x1).
    - `digits_thick`: digits (domain A) and stroke-thickened digits (domain B), from
      disjoint halves of the split, so no image has its counterpart in the other
      domain (unpaired, 32x32x1).
    - `sample_patches`: 24x24x3 low-resolution to 96x96x3 high-resolution photo patches
      (paired; `kwargs` go to `sample_patches`).
    """
    if name == "digits_edges":
        images, _ = _digits(split)
        return edge_maps(images), images
    if name == "digits_thick":
        images, _ = _digits(split)
        half = len(images) // 2
        return images[:half], thicken(images[half:2 * half])
    if name == "sample_patches":
        return sample_patches(split, **kwargs)
    raise ValueError(f"Unknown pair dataset. Received: name={name!r}. Embedded ones: "
                     f"{', '.join(PAIR_DATASETS)}; tfds CycleGAN sets as 'cycle_gan/<name>'.")


def load_pairs(name="digits_edges", split="train", batch_size=64, *, image_size=None,
               shuffle=None, repeat=False, drop_remainder=True, seed=0, data_dir=None,
               download=True, paired=None, **kwargs):
    """Loads an image-to-image dataset as batches of `(sources, targets)`, both float32
    in [-1, 1], NHWC.

    Args:
        name: An embedded pair dataset (`PAIR_DATASETS`, see `pair_arrays`), a tfds
            image dataset's edge maps and images, `"<tfds name>_edges"` (e.g.
            `"mnist_edges"`; `image_size` applies before the edges are taken), a tfds
            image dataset's images downsampled 4x and the images, `"<tfds name>_x4"`
            (e.g. `"celeb_a_x4"`; `image_size` is the high-resolution side, a multiple
            of 4), a tfds CycleGAN dataset such as `"cycle_gan/horse2zebra"`, whose
            `trainA`/`trainB` (`testA`/`testB` for `split="test"`) splits become the
            unpaired domains, or a folder with `A/` (sources) and `B/` (targets)
            sub-folders of images (see `paired`; both come with the channels of the
            more colourful one, and at their own most common size without
            `image_size`).
        split: `"train"` or `"test"` (also `"all"` for folders).
        batch_size: Pairs per batch.
        image_size: Side to resize tfds images to (they come at 256x256); embedded
            sets keep their sizes.
        shuffle: Shuffle every epoch; default: for the train split. Unpaired domains are
            shuffled independently.
        repeat, drop_remainder, seed, data_dir, download: As for `load`.
        paired: For folders: True pairs `A/x.png` with `B/x.png` (the same file name,
            extensions aside; files without a counterpart are left out), False serves
            `A/` and `B/` as unpaired domains shuffled independently (as `digits_thick`),
            None (default) pairs if any file name is in both.
        **kwargs: For `sample_patches` (`count`, `patch_size`, `scale`).

    Returns:
        A `tf.data.Dataset` of `(sources, targets)`.

    Raises:
        ValueError: for an unknown dataset or split; for a folder, as `load` does, and
            when it has no `A/` and `B/` sub-folders or, with `paired=True`, no file
            name in both.

    Example:

    >>> sources, targets = next(iter(load_pairs("digits_edges", batch_size=4)))
    >>> sources.shape, targets.shape
    (TensorShape([4, 32, 32, 1]), TensorShape([4, 32, 32, 1]))
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    if shuffle is None:
        shuffle = split == "train"
    if is_folder(name):
        domains = _load_folder_pairs(name, split, image_size, paired)
    elif str(name).startswith("cycle_gan/"):
        domains = [_load_tfds_domain(name, f"{split}{side}", image_size, data_dir, download,
                                     seed) for side in "AB"]
    elif is_pair_dataset(name) and _edges_base(name):
        domains = [_load_tfds_edges(_edges_base(name), split, image_size, data_dir, download,
                                    seed)]
    elif is_pair_dataset(name) and _x4_base(name):
        domains = [_load_downsampled(_x4_base(name), split, image_size, data_dir, download,
                                     seed)]
    else:
        sources, targets = pair_arrays(name, split, **kwargs)
        if name == "digits_thick":
            domains = [tf.data.Dataset.from_tensor_slices(a) for a in (sources, targets)]
        else:
            domains = [tf.data.Dataset.from_tensor_slices((sources, targets))]
    if shuffle:
        domains = [d.shuffle(10_000, seed=seed + i, reshuffle_each_iteration=True)
                   for i, d in enumerate(domains)]
    dataset = domains[0] if len(domains) == 1 else tf.data.Dataset.zip(tuple(domains))
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(lambda a, b: (tf.cast(a, tf.float32) / 127.5 - 1.0,
                                        tf.cast(b, tf.float32) / 127.5 - 1.0),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _load_tfds_edges(name, split, image_size, data_dir, download, seed):
    """`(edge map, image)` uint8 pairs of a tfds image dataset, cached. MNIST-sized
    images are padded to `image_size` before their edges are taken (see
    `_fit_to_size`)."""
    dataset, _ = _load_tfds(name, split, data_dir, download, False, seed)
    dataset = dataset.map(lambda image, label: image)
    if image_size is not None:
        dataset = dataset.map(lambda image: _fit_to_size(image, (image_size, image_size)),
                              num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.map(lambda image: (_edge_maps(image[None])[0], image),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.cache()


def downsample(images, scale):
    """uint8 `[N, H, W, C]` images averaged over `scale` x `scale` blocks
    (`tf.image.resize(..., "area")`, the degradation of `sample_patches` and
    `<tfds name>_x4`), rounded to uint8 `[N, H / scale, W / scale, C]`."""
    scale = validation.check_positive_int("scale", scale)
    images = tf.convert_to_tensor(images)
    shape = tf.shape(images)
    size = tf.stack([shape[1] // scale, shape[2] // scale])
    low = tf.image.resize(tf.cast(images, tf.float32), size, method="area")
    return tf.cast(tf.clip_by_value(tf.round(low), 0, 255), tf.uint8)


def _load_downsampled(name, split, image_size, data_dir, download, seed, scale=_X4_SCALE):
    """`(image downsampled scale x, image)` uint8 pairs of a tfds image dataset (or the
    embedded digits), cached. Images are brought to `image_size` first (see
    `_fit_to_size`), else centre-cropped to sides that are multiples of `scale`."""
    if image_size is not None and image_size % scale:
        raise ValueError(f"`image_size` must be a multiple of {scale} for "
                         f"'{name}{X4_SUFFIX}'. Received: image_size={image_size!r}")
    if name == "digits":
        dataset = tf.data.Dataset.from_tensor_slices(_digits(split)[0])
    else:
        dataset, _ = _load_tfds(name, split, data_dir, download, False, seed)
        dataset = dataset.map(lambda image, label: image)
    if image_size is not None:
        dataset = dataset.map(lambda image: _fit_to_size(image, (image_size, image_size)),
                              num_parallel_calls=tf.data.AUTOTUNE)
    else:
        def crop(image):
            shape = tf.shape(image)
            return tf.image.resize_with_crop_or_pad(image, shape[0] - shape[0] % scale,
                                                    shape[1] - shape[1] % scale)

        dataset = dataset.map(crop, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.map(lambda image: (downsample(image[None], scale)[0], image),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.cache()


def load_pair_arrays(name="digits_edges", split="test", limit=None, image_size=None,
                     data_dir=None, **kwargs):
    """Loads a split of a pair dataset into memory, unshuffled: numpy float32
    `(sources, targets)` in [-1, 1] (held-out pairs for evaluation and image grids).

    Args:
        name, split, image_size, data_dir, **kwargs: As for `load_pairs`.
        limit: Keep at most this many pairs.

    Returns:
        A pair of numpy arrays.
    """
    if limit is not None:
        validation.check_positive_int("limit", limit)
    dataset = load_pairs(name, split, batch_size=256, image_size=image_size, shuffle=False,
                         drop_remainder=False, data_dir=data_dir, **kwargs)
    if limit is not None:
        dataset = dataset.unbatch().take(limit).batch(256)
    sources, targets = [], []
    for batch_sources, batch_targets in dataset:
        sources.append(batch_sources.numpy())
        targets.append(batch_targets.numpy())
    return np.concatenate(sources), np.concatenate(targets)


def _load_tfds_domain(name, split, image_size, data_dir, download, seed):
    """One domain of a tfds CycleGAN dataset as uint8 images, cached."""
    dataset, _ = _load_tfds(name, split, data_dir, download, False, seed)
    dataset = dataset.map(lambda image, label: image)
    if image_size is not None:
        dataset = dataset.map(lambda image: _fit_to_size(image, (image_size, image_size)),
                              num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.cache()


# A user's own images: folders ------------------------------------------------------------

#: The image files read from folders, by extension (any case): those
#: `keras.utils.image_dataset_from_directory` reads.
FOLDER_IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
#: A folder's `test` split: every fifth image in sorted path order (the 5th, 10th, ...;
#: for a paired folder, every fifth pair), so about a fifth of each class sub-folder, and
#: the same images on every run and machine. `train` holds the others, `all` every image.
FOLDER_TEST_EVERY = 5
_FOLDER_SPLITS = ("train", "test", "all")
#: The sub-folders of an image-pair folder: sources in `A/`, targets in `B/`.
PAIR_FOLDERS = ("A", "B")
# Folders whose left-out unpaired files were already reported (once per process).
_REPORTED_UNPAIRED = set()


def is_folder(name):
    """Whether dataset `name` is a folder of images, given by its path, rather than a
    named dataset.

    A path object is; so is a str that starts with `/`, `.` or `~` or holds a path
    separator, unless it is a tfds name with a config or version
    (`"cycle_gan/horse2zebra"`, `"mnist/3.0.1"`) and no such directory exists. A plain
    name is a folder only if it is an existing directory and no dataset has that name
    (write `./mnist` for a folder called `mnist`). The folder need not exist: reading
    it then raises a ValueError saying that it was not found.

    >>> is_folder("digits"), is_folder("/data/my_images"), is_folder("cycle_gan/horse2zebra")
    (False, True, False)
    """
    if isinstance(name, os.PathLike):
        return True
    if not isinstance(name, str) or not name or name in EMBEDDED_DATASETS + PAIR_DATASETS:
        return False
    if name in CAPTION_DATASETS:
        return False
    if name.startswith(("/", ".", "~")):
        return True
    if "/" in name or os.sep in name:
        return os.path.isdir(name) or not _is_dataset_name(name.split("/")[0])
    return os.path.isdir(name) and not _is_dataset_name(name)


def _is_dataset_name(name):
    """Whether plain `name` names a tfds dataset (or digits), maybe with a version or an
    `_edges`/`_x4` suffix."""
    import tensorflow_datasets as tfds

    base = name.split(":")[0]
    for suffix in (EDGES_SUFFIX, X4_SUFFIX):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
            break
    return base in EMBEDDED_DATASETS or base in tfds.list_builders(
        with_community_datasets=False)


def _folder_path(name):
    return os.path.expanduser(os.fspath(name))


def short_name(name):
    """Dataset `name` as run and export directory names can hold it: a folder's base
    name, other names with `/` and `:` as `_`.

    >>> short_name("/data/faces/"), short_name("cycle_gan/horse2zebra"), short_name("digits")
    ('faces', 'cycle_gan_horse2zebra', 'digits')
    """
    if is_folder(name):
        return os.path.basename(os.path.abspath(_folder_path(name))) or "folder"
    return str(name).replace("/", "_").replace(":", "_")


@dataclasses.dataclass(frozen=True)
class _Folder:
    """A folder of images as read: keras' file list, sorted, and the folder's image shape."""

    root: str
    paths: tuple
    #: The class sub-folders in label order, or None for an unlabeled folder.
    class_names: tuple | None
    #: The most common `(height, width)` of its images, and 3 channels if any image has
    #: colour, else 1.
    image_shape: tuple


def _check_folder(root):
    if not os.path.exists(root):
        raise ValueError(
            f"Dataset folder not found: {root!r}. Give the path of an existing folder of "
            "images (class sub-folders for labels; A/ and B/ for image pairs), 'digits', or "
            "a tensorflow_datasets name such as 'mnist'.")
    if not os.path.isdir(root):
        raise ValueError(f"Dataset {root!r} is a file, not a folder: give the folder that "
                         "holds the images.")


def _has_images(directory):
    for _, _, files in os.walk(directory):
        if any(file.lower().endswith(FOLDER_IMAGE_FORMATS) for file in files):
            return True
    return False


def _folder_classes(root):
    """The class sub-folders of folder `root` (those that hold images), sorted, or None if
    its images lie directly in it. Raises a one-line ValueError for a folder that is
    empty, holds no images, or holds images both directly and in sub-folders."""
    _check_folder(root)
    entries = sorted(entry for entry in os.listdir(root) if not entry.startswith("."))
    if not entries:
        raise ValueError(f"Dataset folder {root!r} is empty: put images in it (PNG, JPEG, "
                         "BMP or GIF), or one sub-folder of images per class.")
    loose = [entry for entry in entries if entry.lower().endswith(FOLDER_IMAGE_FORMATS)
             and os.path.isfile(os.path.join(root, entry))]
    classes = [entry for entry in entries if os.path.isdir(os.path.join(root, entry))
               and _has_images(os.path.join(root, entry))]
    if loose and classes:
        raise ValueError(
            f"Dataset folder {root!r} holds images both directly ({len(loose)}, e.g. "
            f"{loose[0]!r}) and in sub-folders ({', '.join(classes[:3])}): put all images "
            "directly in it (unlabeled) or all in class sub-folders (labeled).")
    if not loose and not classes:
        raise ValueError(
            f"Dataset folder {root!r} holds no images: none of its files (sub-folders "
            f"included) ends in {', '.join(FOLDER_IMAGE_FORMATS)}.")
    return tuple(classes) if classes else None


def _keras_folder_dataset(root, class_names, image_size=(1, 1), channels=3):
    """`keras.utils.image_dataset_from_directory` over `root` in sorted path order,
    unbatched: float32 images (center-cropped to `image_size`'s aspect ratio and resized
    to it) and int labels from the `class_names` sub-folders, or images alone if None."""
    labeled = class_names is not None
    return keras.utils.image_dataset_from_directory(
        root, labels="inferred" if labeled else None, label_mode="int" if labeled else None,
        class_names=list(class_names) if labeled else None,
        color_mode="rgb" if channels == 3 else "grayscale", batch_size=None,
        image_size=tuple(image_size), shuffle=False, crop_to_aspect_ratio=True,
        verbose=False)


def _index_folder(name, labeled=True):
    """Lists and checks the images of folder `name` (`labeled=False`: read every image
    below it, as for the `A/` and `B/` domains). Returns a `_Folder`."""
    root = _folder_path(name)
    class_names = _folder_classes(root)
    if not labeled:
        class_names = None
    # Constructing the dataset only lists the files: nothing is decoded yet.
    paths = tuple(_keras_folder_dataset(root, class_names).file_paths)
    stamps = []
    for path in paths:
        status = os.stat(path)
        stamps.append((status.st_mtime_ns, status.st_size))
    shapes = _image_shapes(paths, tuple(stamps))
    sizes = collections.Counter(map(tuple, shapes[:, :2].tolist()))
    # Ties go to the size met first, in sorted path order (most_common is stable).
    height, width = sizes.most_common(1)[0][0]
    channels = 3 if shapes[:, 2].max() >= 3 else 1
    return _Folder(root, paths, class_names, (height, width, channels))


@functools.lru_cache(maxsize=16)
def _image_shapes(paths, stamps):
    """Decodes every image once (per process, and again when a file changes, which
    `stamps` tell) to learn its `(height, width, channels)` and to name a file that does
    not decode before training starts rather than fail mid-epoch. Returns int64
    `[len(paths), 3]`."""
    del stamps  # only part of the cache key

    def shape(index, path):
        image = tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
        return index, tf.shape(image, out_type=tf.int64)

    shapes = np.full((len(paths), 3), -1, np.int64)
    dataset = (tf.data.Dataset.from_tensor_slices(list(paths)).enumerate()
               .map(shape, num_parallel_calls=tf.data.AUTOTUNE).ignore_errors().batch(1024))
    for indices, batch_shapes in dataset:
        shapes[indices.numpy()] = batch_shapes.numpy()
    unreadable = np.flatnonzero(shapes[:, 0] < 0)
    if len(unreadable):
        path = paths[unreadable[0]]
        try:
            tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
            reason = "it could not be read"
        except tf.errors.OpError as error:
            reason = error.message.split("}}")[-1].split("[Op:")[0].strip()
        more = f" ({len(unreadable) - 1} more files do not decode)" if len(unreadable) > 1 else ""
        reason = " ".join(reason.split()).rstrip(".")
        raise ValueError(f"Cannot read image file {path!r}: {reason}{more}. Replace or "
                         "delete it.")
    return shapes


def _check_folder_split(split, root):
    if split not in _FOLDER_SPLITS:
        raise ValueError(f"Unknown split for dataset folder {root!r}. Received: "
                         f"split={split!r}. Choices: {', '.join(_FOLDER_SPLITS)}.")


def _split_mask(positions, split):
    """Which files `split` keeps, from each file's position in the folder's numbering
    (-1: left out everywhere)."""
    positions = np.asarray(positions)
    held_out = positions % FOLDER_TEST_EVERY == FOLDER_TEST_EVERY - 1
    if split == "test":
        return (positions >= 0) & held_out
    if split == "train":
        return (positions >= 0) & ~held_out
    return positions >= 0


def _read_folder(folder, positions, split, channels, what="images"):
    """The uint8 images and int32 labels (zeros if unlabeled) of `split` of an indexed
    folder, in sorted path order, with `channels` channels. `positions[i]` numbers file
    `i` for the split (`_split_mask`). Returns the dataset and its size."""
    _check_folder_split(split, folder.root)
    keep = _split_mask(positions, split)
    count = int(keep.sum())
    if not count:
        total = int((np.asarray(positions) >= 0).sum())
        raise ValueError(
            f"Dataset folder {folder.root!r} holds {total} {what}, too few for a {split!r} "
            f"split (every {FOLDER_TEST_EVERY}th is held out for 'test'): add {what}.")
    dataset = _keras_folder_dataset(folder.root, folder.class_names, folder.image_shape[:2],
                                    channels)
    if tuple(dataset.file_paths) != folder.paths:
        raise ValueError(f"Dataset folder {folder.root!r} changed while it was being read: "
                         "run again.")
    if folder.class_names is None:
        dataset = dataset.map(lambda image: (image, 0))
    keep = tf.constant(keep)
    dataset = tf.data.Dataset.zip((dataset, tf.data.Dataset.range(len(folder.paths))))
    dataset = dataset.filter(lambda example, index: tf.gather(keep, index))
    # The filter hides the size; Keras' progress bar and epoch counts want it.
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))

    def to_uint8(example, index):
        image, label = example
        # Keras resizes in float; images already at the folder's size keep their values.
        image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
        return image, tf.cast(label, tf.int32)

    return dataset.map(to_uint8, num_parallel_calls=tf.data.AUTOTUNE), count


def _load_folder(name, split):
    """Reads an image folder as `(uint8 image, int32 label)` pairs, with its size."""
    folder = _index_folder(name)
    return _read_folder(folder, np.arange(len(folder.paths)), split, folder.image_shape[-1])


def _folder_info(name):
    if is_pair_dataset(name):
        root, domain_a, domain_b, channels = _pair_folder(name)
        _, _, paired = _pair_positions(root, domain_a, domain_b, None)
        return DatasetInfo(os.fspath(name), (*domain_b.image_shape[:2], channels), None,
                           source_shape=(*domain_a.image_shape[:2], channels), paired=paired)
    folder = _index_folder(name)
    classes = folder.class_names
    return DatasetInfo(os.fspath(name), folder.image_shape, len(classes) if classes else None)


def _pair_folder(name):
    """The `A/` and `B/` domains of a pair folder, indexed, and their common channels
    (3 if either has colour: a model's sources and targets have the same channels)."""
    root = _folder_path(name)
    domain_a, domain_b = (_index_folder(os.path.join(root, sub), labeled=False)
                          for sub in PAIR_FOLDERS)
    return root, domain_a, domain_b, max(domain_a.image_shape[-1], domain_b.image_shape[-1])


def _file_key(path, root):
    """A file's name within its domain, extension aside: what pairs `A/x.png` with `B/x.jpg`."""
    return os.path.splitext(os.path.relpath(path, root))[0].replace(os.sep, "/")


def _pair_positions(root, domain_a, domain_b, paired):
    """Numbers the files of the two domains for splitting: in paired mode the k-th pair
    (by file name) gets k in both, files without a counterpart -1; unpaired, each
    domain's files are numbered on their own. Returns `(positions_a, positions_b,
    paired)`; `paired=None` means paired if any file name is in both."""
    keys = [[_file_key(path, domain.root) for path in domain.paths]
            for domain in (domain_a, domain_b)]
    common = set(keys[0]) & set(keys[1])
    if paired is None:
        paired = bool(common)
    if not paired:
        return np.arange(len(keys[0])), np.arange(len(keys[1])), False
    if not common:
        raise ValueError(
            f"A/ and B/ of dataset folder {root!r} have no file name in common: a paired "
            "model (pix2pix) needs each source A/<name> to have its target B/<name> "
            "(e.g. A/0001.png and B/0001.png; extensions may differ).")
    orders = []
    for sub, domain_keys in zip(PAIR_FOLDERS, keys):
        order = [key for key in domain_keys if key in common]
        repeated = [key for key, n in collections.Counter(order).items() if n > 1]
        if repeated:
            raise ValueError(f"{sub}/ of dataset folder {root!r} holds {repeated[0]!r} "
                             "twice, with different extensions: keep one, so that it "
                             "pairs with one file.")
        orders.append(order)
    if orders[0] != orders[1]:
        raise ValueError(f"The file names of A/ and B/ of dataset folder {root!r} sort "
                         "differently (extensions inside names?): give each pair the "
                         "same file name, extension included.")
    number = {key: k for k, key in enumerate(orders[0])}
    positions = [np.array([number.get(key, -1) for key in domain_keys], np.int64)
                 for domain_keys in keys]
    left_out = [int((p < 0).sum()) for p in positions]
    if any(left_out) and root not in _REPORTED_UNPAIRED:
        _REPORTED_UNPAIRED.add(root)
        logging.warning("Dataset folder %r: %d files of A/ and %d of B/ have no "
                        "counterpart with the same name and are left out; %d pairs remain.",
                        root, left_out[0], left_out[1], len(common))
    return positions[0], positions[1], True


def _load_folder_pairs(name, split, image_size, paired):
    """The domains of a pair folder as `load_pairs` zips them: one dataset of uint8
    `(source, target)` pairs, or two of images when unpaired; cached."""
    if not is_pair_dataset(name):
        root = _folder_path(name)
        _check_folder(root)
        raise ValueError(
            f"Dataset folder {root!r} has no A/ and B/ sub-folders: image-to-image models "
            "read their sources from <folder>/A and their targets from <folder>/B.")
    root, domain_a, domain_b, channels = _pair_folder(name)
    positions_a, positions_b, paired = _pair_positions(root, domain_a, domain_b, paired)
    what = "pairs" if paired else "images"
    domains = []
    for domain, positions in ((domain_a, positions_a), (domain_b, positions_b)):
        dataset, _ = _read_folder(domain, positions, split, channels, what)
        dataset = dataset.map(lambda image, label: image)
        if image_size is not None:
            dataset = dataset.map(lambda image: _fit_to_size(image, (image_size, image_size)),
                                  num_parallel_calls=tf.data.AUTOTUNE)
        domains.append(dataset)
    if paired:
        return [tf.data.Dataset.zip(tuple(domains)).cache()]
    return [domain.cache() for domain in domains]


# Captions for text-to-image models -------------------------------------------------------

#: Embedded datasets of captioned images (`load_captions`): `digits_captions`, the digits
#: described by sentences made from templates.
CAPTION_DATASETS = ("digits_captions",)
# Which digits images get the thick treatment: every third of a split, as extra examples.
_THICK_EVERY = 3
_THICK_SIZE = 3


def caption_arrays(split="train"):
    """The `digits_captions` examples of `split`, before captions are drawn: uint8 images
    `[N, 32, 32, 1]`, int32 digits `[N]` and bool `thick` `[N]`.

    Every digit of the split appears as it is (plain), and every third one also
    stroke-thickened (`thicken`, a 3x3 dilation), so thick captions are true of their
    images. The train split holds 1,437 + 479 examples, the test split 360 + 120.
    """
    images, labels = _digits(split)
    chosen = np.arange(len(images)) % _THICK_EVERY == 0
    thick_images = thicken(images[chosen], _THICK_SIZE)
    return (np.concatenate([images, thick_images]),
            np.concatenate([labels, labels[chosen]]),
            np.concatenate([np.zeros(len(images), bool), np.ones(int(chosen.sum()), bool)]))


def is_caption_dataset(name):
    """Whether `load_captions` (not `load`) reads dataset `name` (`CAPTION_DATASETS`)."""
    return isinstance(name, str) and name in CAPTION_DATASETS


def load_captions(name="digits_captions", split="train", batch_size=64, *, image_size=None,
                  channels=None, shuffle=None, repeat=False, drop_remainder=True, seed=0):
    """Loads a captioned dataset as batches of `(images, {"tokens", "label"})`.

    Images are float32 in [-1, 1] (NHWC); `tokens` int32 `[batch, MAX_CAPTION_LENGTH]`
    are the character ids of one caption per image (`tokenize`), drawn afresh from its
    digit's templates of its style every epoch; `label` int32 `[batch]` is the digit
    the caption names, which text-to-image models use to pick mismatching captions.

    Args:
        name: `"digits_captions"` (see `caption_arrays`).
        split: `"train"`, `"test"` or `"all"`.
        batch_size, image_size, channels, shuffle, repeat, drop_remainder, seed: As for
            `load`.

    Returns:
        A `tf.data.Dataset` of `(images, {"tokens": tokens, "label": labels})`.

    Example:

    >>> images, captions = next(iter(load_captions(batch_size=4)))
    >>> images.shape, captions["tokens"].shape, captions["label"].shape
    (TensorShape([4, 32, 32, 1]), TensorShape([4, 48]), TensorShape([4]))
    """
    if not is_caption_dataset(name):
        raise ValueError(f"Unknown caption dataset. Received: name={name!r}. Choices: "
                         f"{', '.join(CAPTION_DATASETS)}.")
    batch_size = validation.check_positive_int("batch_size", batch_size)
    if channels not in (None, 1, 3):
        raise ValueError(f"`channels` must be None, 1 or 3. Received: channels={channels!r}")
    if shuffle is None:
        shuffle = split == "train"
    images, labels, thick = caption_arrays(split)
    bank = CaptionBank()
    tokens = tf.constant(bank.tokens)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels, thick))
    if image_size is not None:
        size = (image_size, image_size) if np.isscalar(image_size) else tuple(image_size)
        if len(size) != 2:
            raise ValueError("`image_size` must be an int or (height, width). Received: "
                             f"image_size={image_size!r}")
        for side in size:
            validation.check_positive_int("image_size", side)
        dataset = dataset.map(lambda image, label, style: (_fit_to_size(image, size), label,
                                                           style))
    if channels is not None:
        dataset = dataset.map(lambda image, label, style: (_fit_channels(image, channels),
                                                           label, style))
    dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    # A fresh template per example and epoch: captions vary while images repeat.
    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    dataset = tf.data.Dataset.zip((dataset, draws)).map(
        lambda example, draw: (example[0], {
            "tokens": tf.gather(tokens, bank.rows(example[1], example[2], tf.abs(draw))),
            "label": example[1]}),
        num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(lambda images, captions: (tf.cast(images, tf.float32) / 127.5 - 1.0,
                                                    captions),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def caption_examples(num_images, split="test", seed=0):
    """Held-out captioned images for grids and evaluation, without the pipeline: float32
    images in [-1, 1], their captions (list of str) and digits, drawn with `seed` from
    `caption_arrays(split)` and each given a random caption of its digit and style."""
    num_images = validation.check_positive_int("num_images", num_images)
    images, labels, thick = caption_arrays(split)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))[:num_images]
    bank = CaptionBank()
    rows = bank.rows(labels[order], thick[order], rng.integers(0, 2**31 - 1, len(order))).numpy()
    return (images[order].astype(np.float32) / 127.5 - 1.0, [bank.texts[row] for row in rows],
            labels[order])
