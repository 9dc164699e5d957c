"""Datasets as `tf.data` pipelines of `(images, labels)` batches, images float32 in [-1, 1].

- `digits`: the embedded default, scikit-learn's bundled 8x8 handwritten digits
  (1,797 images, 10 classes) resized to 32x32x1. No network is touched. Deterministic
  80/20 split: `train` holds 1,437 images, `test` 360.
- Any `tensorflow_datasets` image dataset by name (`mnist`, `fashion_mnist`,
  `cifar10`, `celeb_a`, ...), read from `data_dir` and downloaded there if missing.
- Image pairs for image-to-image models, `load_pairs(name)`: `digits_edges` (edge maps
  to digits), `digits_thick` (digits and stroke-thickened digits, unpaired),
  `sample_patches` (x4 low- to high-resolution patches of scikit-learn's two bundled
  photos), `<tfds name>_edges` (edge maps to the images of a tfds image dataset, e.g.
  `mnist_edges`), `<tfds name>_x4` (x4 downsampled images to the images, e.g.
  `celeb_a_x4` or `digits_x4`, for super-resolution), and tfds' `cycle_gan/<name>`
  domains.

Example:

>>> import kerasgan
>>> dataset = kerasgan.data.load("digits", batch_size=16)
>>> images, labels = next(iter(dataset))
>>> images.shape, labels.shape
(TensorShape([16, 32, 32, 1]), TensorShape([16]))
"""

import dataclasses
import difflib
import functools

import numpy as np
import tensorflow as tf

from kerasgan import validation

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
    """

    name: str
    image_shape: tuple
    num_classes: int | None
    #: For pair datasets (`is_pair_dataset`): the `(height, width, channels)` of the
    #: sources; `image_shape` is then the targets'. None for image datasets.
    source_shape: tuple | None = None


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

    candidates = list(EMBEDDED_DATASETS) + list(tfds.list_builders())
    close = difflib.get_close_matches(str(name), candidates, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return ValueError(
        f"Unknown dataset: {name!r}.{hint} Use 'digits' (embedded, offline) or the name "
        "of a tensorflow_datasets image dataset such as 'mnist', 'fashion_mnist', 'cifar10'."
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
        ValueError: if `name` is neither embedded nor a tfds dataset with images.
    """
    if name == "digits":
        return DatasetInfo("digits", (32, 32, 1), 10)
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
        name: `"digits"` or a tfds dataset name, e.g. `"mnist"`.
        split: `"train"` or `"test"` (`"all"` for digits); tfds split strings such as
            `"train[:10%]"` for tfds datasets.
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
        ValueError: for an unknown dataset or split, or bad sizes.
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

    if name == "digits":
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
    (`PAIR_DATASETS`), `<tfds image dataset>_edges`, such as `mnist_edges`, or
    `<tfds image dataset>_x4`, such as `celeb_a_x4`."""
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
        return DatasetInfo(name, (32, 32, 1), None, source_shape=(32, 32, 1))
    if name == "sample_patches":
        side = SAMPLE_PATCH_SIZE // SAMPLE_PATCH_SCALE
        return DatasetInfo(name, (SAMPLE_PATCH_SIZE, SAMPLE_PATCH_SIZE, 3), None,
                           source_shape=(side, side, 3))
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
        return DatasetInfo(name, base.image_shape, None, source_shape=source_shape)
    return DatasetInfo(name, base.image_shape, None, source_shape=base.image_shape)


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
               download=True, **kwargs):
    """Loads an image-to-image dataset as batches of `(sources, targets)`, both float32
    in [-1, 1], NHWC.

    Args:
        name: An embedded pair dataset (`PAIR_DATASETS`, see `pair_arrays`), a tfds
            image dataset's edge maps and images, `"<tfds name>_edges"` (e.g.
            `"mnist_edges"`; `image_size` applies before the edges are taken), a tfds
            image dataset's images downsampled 4x and the images, `"<tfds name>_x4"`
            (e.g. `"celeb_a_x4"`; `image_size` is the high-resolution side, a multiple
            of 4), or a tfds CycleGAN dataset such as `"cycle_gan/horse2zebra"`, whose
            `trainA`/`trainB` (`testA`/`testB` for `split="test"`) splits become the
            unpaired domains.
        split: `"train"` or `"test"`.
        batch_size: Pairs per batch.
        image_size: Side to resize tfds images to (they come at 256x256); embedded
            sets keep their sizes.
        shuffle: Shuffle every epoch; default: for the train split. Unpaired domains are
            shuffled independently.
        repeat, drop_remainder, seed, data_dir, download: As for `load`.
        **kwargs: For `sample_patches` (`count`, `patch_size`, `scale`).

    Returns:
        A `tf.data.Dataset` of `(sources, targets)`.

    Example:

    >>> sources, targets = next(iter(load_pairs("digits_edges", batch_size=4)))
    >>> sources.shape, targets.shape
    (TensorShape([4, 32, 32, 1]), TensorShape([4, 32, 32, 1]))
    """
    batch_size = validation.check_positive_int("batch_size", batch_size)
    if shuffle is None:
        shuffle = split == "train"
    if str(name).startswith("cycle_gan/"):
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
