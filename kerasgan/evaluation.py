"""Sample-quality metrics of generators, over the features of a classifier network.

`evaluate(generated, real)` returns:

- `frechet_distance`: distance between Gaussians fitted to the two feature sets
  (Heusel et al. 2017). 0 for identical statistics; lower is better.
- `kernel_distance`, `kernel_distance_std`: the unbiased squared MMD with a cubic
  polynomial kernel, averaged over random subsets, and its spread over the subsets
  (KID, Binkowski et al. 2018). About 0 (either sign) for two samples of one distribution.
- `precision`, `recall`: the share of generated samples inside the real data's k-NN
  manifold, and of real samples inside the generated one (Kynkaanniemi et al. 2019).
  Low precision: unrealistic samples; low recall: missing variety. Real outliers have
  wide balls that can take in far-off samples (uniform noise scores 0.8 on digits), so
  read precision next to the distances.
- `classifier_score`: `exp(E[KL(p(y|x) || p(y))])` over the feature network's classes,
  the Inception Score's form (Salimans et al. 2016): up to `num_classes` for confident
  predictions spread evenly over the classes.
- `modes_covered`: how many classes the classifier assigns at least a quarter of their
  fair share (`num_samples / num_classes`) of the generated samples.
- `mode_kl`: `KL(generated class histogram || real class histogram)`; 0 when the
  generator hits the classes as often as the real data do.

The last three need class logits; a feature network without them (`inception` without
its classifier head, a custom one returning features only) leaves them out of the dict.

Image-to-image models are measured on held-out pairs: `translation_metrics` (the above
on translations against targets, plus their L1 distance) and, for models that upsample,
`super_resolution_metrics` (PSNR and SSIM of the outputs and of bicubic upsampling).
Unpaired translators (CycleGAN) add `cycle_metrics`: how well each generator's output
is mapped back by the other, and whether the classifier still reads the same class.
Text-to-image models (text2image) add `text_to_image_metrics`: how often the classifier
reads the digit a caption names, whether "thick" captions give thicker strokes, and
whether the discriminator prefers an image's own caption to another digit's.

Feature networks (`features=`):

- `"digits"` (default): a small CNN trained by `scripts/train_classifier.py` on the
  digits train split, shipped in the package (`kerasgan/assets/digits_classifier.keras`,
  393 KiB). Test accuracy 99.4% on the 360 digits test images. Features: its 64-unit
  `features` layer; logits: its 10 outputs. Other sizes are resized to 32x32, RGB is
  converted to grey.
- `"inception"`: `keras.applications.InceptionV3` at 299x299 (bilinear resize, grey
  repeated to RGB), its 2048-d average pool as features and, when the weights of its
  ImageNet classifier head are present, its 1000 logits. The weights are never
  downloaded here: they are read from the Keras cache (`~/.keras/models/`) or from
  `weights_path`. Numbers are not comparable with papers' FID, which use the 2015
  TF-Slim Inception graph.
- A path to a classifier `.keras` file made by `scripts/train_classifier.py` (its
  `features` layer and logits), any `keras.Model`, or a callable from float images in
  [-1, 1] to `features` or `(features, logits)`.

The distances scale with the features, so compare numbers only for one feature network,
one real set and one number of samples (the Frechet distance is biased upwards for
small sets). On digits, the train split against the test split (the floor a perfect
generator reaches) gives a Frechet distance of about 5, an untrained DCGAN about 465.

Statistics accumulate in batches: means and covariances as float64 running moments,
features for the kernel metrics as a fixed-size random sample (`max_kernel_samples`),
so 50,000 images need no more memory than a few batches.

Example:

>>> import kerasgan
>>> from kerasgan import evaluation
>>> images, _ = kerasgan.data.load_arrays("digits", "test")
>>> metrics = evaluation.evaluate(images[:180], images[180:])
>>> sorted(metrics)  # doctest: +NORMALIZE_WHITESPACE
['classifier_score', 'frechet_distance', 'kernel_distance', 'kernel_distance_std',
 'mode_kl', 'modes_covered', 'precision', 'recall']
>>> metrics["modes_covered"]
10

References:
    Heusel et al., 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
    Local Nash Equilibrium", https://arxiv.org/abs/1706.08500
    Binkowski et al., 2018, "Demystifying MMD GANs", https://arxiv.org/abs/1801.01401
    Kynkaanniemi et al., 2019, "Improved Precision and Recall Metric for Assessing
    Generative Models", https://arxiv.org/abs/1904.06991
    Salimans et al., 2016, "Improved Techniques for Training GANs",
    https://arxiv.org/abs/1606.03498
"""

import functools
import os

import numpy as np
import tensorflow as tf

from kerasgan import validation
from kerasgan.io_utils import keras_cache_dirs as _keras_cache_dirs

DIGITS_CLASSIFIER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets",
                                      "digits_classifier.keras")
#: Keras' file names of the InceptionV3 ImageNet weights, with and without the classifier.
INCEPTION_WEIGHTS_FILES = {
    "top": "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
    "notop": "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
}
FEATURE_NETWORKS = ("digits", "inception")
# Float images may overshoot [-1, 1] by this much (resampling, float rounding) and are
# clipped; more means they are on another scale, e.g. [0, 1] or [0, 255].
_RANGE_TOLERANCE = 1e-2
# A class never predicted for the real data gets this probability in `mode_kl`, so a
# generator that makes it scores a large but finite divergence.
_MIN_CLASS_PROBABILITY = 1e-6


# Input checks -----------------------------------------------------------------------------


def check_images(name, images):
    """Validates images for the metrics without copying them; returns a numpy array.

    Args:
        name: The argument's name, for the error messages.
        images: uint8 images in [0, 255] or float images in [-1, 1] (up to 0.01 over,
            which is clipped), `[num_images, height, width, channels]`.

    Returns:
        `images` as a numpy array, unchanged.

    Raises:
        ValueError: naming `name` for a wrong rank, no images, an unsupported dtype,
            non-finite values or floats outside [-1, 1].
    """
    if isinstance(images, tf.Tensor):
        images = images.numpy()
    array = np.asarray(images)
    if array.ndim != 4:
        raise ValueError(
            f"`{name}` must be a batch of images [num_images, height, width, channels]. "
            f"Received: {name} with shape {array.shape}"
        )
    if array.shape[0] == 0 or 0 in array.shape[1:]:
        raise ValueError(f"`{name}` must hold at least one image. Received: {name} with "
                         f"shape {array.shape}")
    if array.dtype == np.uint8:
        return array
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"`{name}` must be uint8 in [0, 255] or float in [-1, 1]. Received: {name} with "
            f"dtype {array.dtype}"
        )
    low, high = float(np.min(array)), float(np.max(array))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"`{name}` must be finite. Received: {name} with NaN or infinite "
                         "values")
    if low < -1.0 - _RANGE_TOLERANCE or high > 1.0 + _RANGE_TOLERANCE:
        raise ValueError(
            f"Float `{name}` must be in [-1, 1]. Received: {name} with values in "
            f"[{low:.4g}, {high:.4g}]. Scale [0, 1] images with `2 * x - 1`, or pass uint8."
        )
    return array


def _to_unit_float(batch):
    """uint8 [0, 255] or float [-1, 1] (already checked) to float32 in [-1, 1]."""
    if batch.dtype == np.uint8:
        return batch.astype(np.float32) / 127.5 - 1.0
    return np.clip(batch, -1.0, 1.0).astype(np.float32)


def _check_positive(name, value):
    return validation.check_positive_int(name, value)


# Streaming statistics ---------------------------------------------------------------------


class RunningStats:
    """Mean and covariance of feature vectors, accumulated batch by batch in float64.

    Merges each batch's mean and scatter matrix into the running ones (Chan et al.'s
    parallel update) rather than summing `x` and `x x^T`: the sums of squares cancel
    catastrophically when features have a large mean and a small spread.

    Example:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(100, 3))
    >>> stats = RunningStats()
    >>> for batch in np.split(x, 4):
    ...     stats.update(batch)
    >>> np.allclose(stats.covariance, np.cov(x, rowvar=False))
    True

    Reference:
        Chan, Golub & LeVeque, 1979, "Updating Formulae and a Pairwise Algorithm for
        Computing Sample Variances".
    """

    def __init__(self):
        self.count = 0
        self._mean = None
        self._scatter = None

    def update(self, batch):
        """Adds `batch`, `[n, dim]`, to the statistics."""
        batch = np.asarray(batch, dtype=np.float64)
        if batch.ndim != 2 or len(batch) == 0:
            raise ValueError(f"`batch` must be [num_vectors, dim] with num_vectors > 0. "
                             f"Received: batch with shape {batch.shape}")
        if self._mean is not None and batch.shape[1] != self._mean.shape[0]:
            raise ValueError(f"`batch` must have {self._mean.shape[0]} columns like the "
                             f"earlier ones. Received: batch with shape {batch.shape}")
        count = len(batch)
        mean = batch.mean(axis=0)
        centred = batch - mean
        scatter = centred.T @ centred
        if self.count == 0:
            self._mean, self._scatter = mean, scatter
        else:
            total = self.count + count
            delta = mean - self._mean
            self._mean = self._mean + delta * (count / total)
            self._scatter = self._scatter + scatter + np.outer(delta, delta) * (
                self.count * count / total)
        self.count += count

    @property
    def mean(self):
        """The mean vector, float64 `[dim]`."""
        if self.count == 0:
            raise ValueError("RunningStats has no data: call update() first.")
        return self._mean

    @property
    def covariance(self):
        """The unbiased covariance (divides by `count - 1`, as `np.cov`), float64."""
        if self.count < 2:
            raise ValueError(f"A covariance needs at least 2 vectors. Received: "
                             f"count={self.count}")
        return self._scatter / (self.count - 1)


class _Reservoir:
    """A uniform random sample of at most `capacity` rows of a stream (Vitter's
    algorithm R): the kernel and k-NN metrics need the vectors themselves, and all
    of them would not fit in memory for large sets."""

    def __init__(self, capacity, seed):
        self.capacity = capacity
        self.seen = 0
        self._rng = np.random.default_rng(seed)
        self._rows = None

    def add(self, batch):
        if self._rows is None:
            self._rows = np.empty((self.capacity, batch.shape[1]), np.float32)
        index = np.arange(self.seen, self.seen + len(batch))
        fill = index < self.capacity
        self._rows[index[fill]] = batch[fill]
        if not fill.all():
            # Row i (0-based) replaces a random kept row with probability capacity / (i + 1).
            slots = self._rng.integers(0, index[~fill] + 1)
            keep = slots < self.capacity
            self._rows[slots[keep]] = batch[~fill][keep]
        self.seen += len(batch)

    @property
    def rows(self):
        return self._rows[:min(self.seen, self.capacity)]


class FeatureStatistics:
    """What `evaluate` keeps of one image set: feature moments, a sample of the
    features, and the classifier's class histogram and probabilities.

    Compute it once for the real data (`compute_statistics`) and pass it as `real`
    to compare many generators, or checkpoints, against the same set.

    Args:
        extractor: A `FeatureExtractor`.
        batch_size: Images per feature-network call.
        max_kernel_samples: Most feature vectors kept (a uniform random sample) for
            the kernel distance and precision/recall.
        seed: Seed of that sample.
    """

    def __init__(self, extractor, batch_size=128, max_kernel_samples=10_000, seed=0):
        self.extractor = extractor
        self.batch_size = _check_positive("batch_size", batch_size)
        _check_positive("max_kernel_samples", max_kernel_samples)
        self.image_shape = None
        self.moments = RunningStats()
        self.sample = _Reservoir(max_kernel_samples, seed)
        self.num_classes = None
        self.class_counts = None
        self._probability_sum = None
        self._negative_entropy_sum = 0.0

    @property
    def num_images(self):
        return self.moments.count

    @property
    def has_classes(self):
        return self.class_counts is not None

    def update(self, images, name="images"):
        """Adds a batch of images, uint8 in [0, 255] or float in [-1, 1], NHWC.

        Raises:
            ValueError: for invalid images (see `evaluate`), naming them `name`.
        """
        images = check_images(name, images)
        if self.image_shape is None:
            self.image_shape = images.shape[1:]
        elif images.shape[1:] != self.image_shape:
            raise ValueError(
                f"All `{name}` must have one shape. Received: {name} with shape "
                f"{images.shape[1:]} after images of shape {self.image_shape}"
            )
        for start in range(0, len(images), self.batch_size):
            batch = _to_unit_float(images[start:start + self.batch_size])
            features, logits = self.extractor(batch)
            self._add(features, logits, len(batch))
        return self

    def _add(self, features, logits, count):
        if features.ndim != 2 or len(features) != count:
            raise ValueError(f"The feature network {self.extractor.name!r} must return "
                             f"[{count}, dim] features. Received shape {features.shape}")
        self.moments.update(features)
        self.sample.add(features.astype(np.float32))
        if logits is None:
            return
        if self.num_classes is None:
            self.num_classes = logits.shape[-1]
            self.class_counts = np.zeros(self.num_classes, np.int64)
            self._probability_sum = np.zeros(self.num_classes, np.float64)
        logits = logits.astype(np.float64)
        log_probabilities = logits - logits.max(axis=1, keepdims=True)
        log_probabilities -= np.log(np.exp(log_probabilities).sum(axis=1, keepdims=True))
        probabilities = np.exp(log_probabilities)
        self.class_counts += np.bincount(logits.argmax(axis=1), minlength=self.num_classes)
        self._probability_sum += probabilities.sum(axis=0)
        self._negative_entropy_sum += float((probabilities * log_probabilities).sum())

    def classifier_score(self):
        """`exp(E_x[KL(p(y|x) || p(y))])` with `p(y)` the mean prediction."""
        count = self.num_images
        marginal = self._probability_sum / count
        # E_x KL(p(y|x) || p(y)) = E_x[sum p log p] - sum p(y) log p(y).
        mean_kl = self._negative_entropy_sum / count - float(
            np.sum(marginal * np.log(np.maximum(marginal, 1e-300))))
        return float(np.exp(max(mean_kl, 0.0)))


# Metrics on features ----------------------------------------------------------------------


def _psd_sqrt(matrix):
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mean1, covariance1, mean2, covariance2):
    """Frechet distance between the Gaussians `N(mean1, covariance1)` and `N(mean2, covariance2)`.

    `||mean1 - mean2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2))`. The trace of the matrix
    square root is taken as `Tr((C1^(1/2) C2 C1^(1/2))^(1/2))`, which is equal (the
    two matrices are similar) but symmetric positive semi-definite: its eigenvalues
    are real and non-negative up to rounding, so near-singular covariances (fewer
    samples than dimensions, a collapsed generator) give a finite answer without the
    complex parts and `eps * I` retries that `scipy.linalg.sqrtm(C1 @ C2)` needs.
    Computed in float64; rounding below 0 is clipped.

    Args:
        mean1, mean2: Mean vectors `[dim]`.
        covariance1, covariance2: Covariance matrices `[dim, dim]`.

    Returns:
        A non-negative Python float.

    Example:

    >>> import numpy as np
    >>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))
    4.0

    Reference:
        Dowson & Landau, 1982, "The Frechet distance between multivariate normal
        distributions"; Heusel et al., 2017, https://arxiv.org/abs/1706.08500
    """
    mean1 = np.atleast_1d(np.asarray(mean1, np.float64))
    mean2 = np.atleast_1d(np.asarray(mean2, np.float64))
    covariance1 = np.atleast_2d(np.asarray(covariance1, np.float64))
    covariance2 = np.atleast_2d(np.asarray(covariance2, np.float64))
    dim = mean1.shape[0]
    for name, value, shape in (("mean1", mean1, (dim,)), ("mean2", mean2, (dim,)),
                               ("covariance1", covariance1, (dim, dim)),
                               ("covariance2", covariance2, (dim, dim))):
        if value.shape != shape:
            raise ValueError(f"`{name}` must have shape {shape} to match `mean1`. "
                             f"Received: {name} with shape {value.shape}")
    root1 = _psd_sqrt((covariance1 + covariance1.T) / 2)
    middle = root1 @ covariance2 @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_root = float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())
    difference = mean1 - mean2
    distance = float(difference @ difference + np.trace(covariance1) + np.trace(covariance2)
                     - 2.0 * trace_root)
    return max(distance, 0.0)


# Sets up to this size get their kernel matrices computed once, and subsets index into
# them: a hundred small matrix products per evaluation cost far more (BLAS start-up,
# threads) than three large ones. 2,048 vectors make 32 MB float64 matrices.
_FULL_KERNEL_MAX_VECTORS = 2048


def _polynomial_kernel(x, y):
    # KID's kernel: k(x, y) = (x.y / dim + 1)^3 (Binkowski et al. 2018, Section 4).
    kernel = x @ y.T / x.shape[1] + 1.0
    return kernel * kernel * kernel


def kernel_distance(features1, features2, num_subsets=100, subset_size=1000, seed=0):
    """Kernel Inception Distance: the unbiased squared MMD with a cubic polynomial kernel.

    Averaged over `num_subsets` random subsets of each set (without replacement). The
    estimate is unbiased at any subset size, so with fewer than `2 * subset_size`
    vectors the subsets take half of the smaller set: whole-set subsets would all be
    equal, and their spread (the returned std) would be 0.

    Args:
        features1, features2: Feature vectors `[n1, dim]`, `[n2, dim]`, at least 2 each.
        num_subsets: Subsets to average over.
        subset_size: Vectors per subset (at most half the smaller set).
        seed: Seed of the subset draws.

    Returns:
        `(mean, std)` over the subsets, Python floats. The mean can be slightly negative.

    Example:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> kid, std = kernel_distance(rng.normal(size=(200, 8)), rng.normal(size=(200, 8)))
    >>> abs(kid) < 3 * std
    True

    Reference:
        Binkowski et al., 2018, "Demystifying MMD GANs", https://arxiv.org/abs/1801.01401
    """
    x_all = np.asarray(features1, np.float64)
    y_all = np.asarray(features2, np.float64)
    _check_positive("num_subsets", num_subsets)
    _check_positive("subset_size", subset_size)
    smaller = min(len(x_all), len(y_all))
    if smaller < 2:
        raise ValueError(f"The kernel distance needs at least 2 vectors per set. Received: "
                         f"{len(x_all)} and {len(y_all)}")
    size = min(subset_size, max(2, smaller // 2))
    full = max(len(x_all), len(y_all)) <= _FULL_KERNEL_MAX_VECTORS
    if full:
        k_xx_all = _polynomial_kernel(x_all, x_all)
        k_yy_all = _polynomial_kernel(y_all, y_all)
        k_xy_all = _polynomial_kernel(x_all, y_all)
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets)
    pairs = size * (size - 1)
    for i in range(num_subsets):
        ix = rng.choice(len(x_all), size, replace=False)
        iy = rng.choice(len(y_all), size, replace=False)
        if full:
            k_xx, k_yy = k_xx_all[np.ix_(ix, ix)], k_yy_all[np.ix_(iy, iy)]
            k_xy = k_xy_all[np.ix_(ix, iy)]
        else:
            x, y = x_all[ix], y_all[iy]
            k_xx, k_yy, k_xy = (_polynomial_kernel(x, x), _polynomial_kernel(y, y),
                                _polynomial_kernel(x, y))
        # Unbiased MMD^2 (Gretton et al. 2012, eq. 3): the diagonals k(x_i, x_i) are left out.
        estimates[i] = ((k_xx.sum() - np.trace(k_xx)) / pairs
                        + (k_yy.sum() - np.trace(k_yy)) / pairs
                        - 2.0 * k_xy.mean())
    return float(estimates.mean()), float(estimates.std())


def _squared_distances(a, b):
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(squared, 0.0)


def _knn_radii(features, k, chunk):
    """Squared distance of each vector to its k-th nearest neighbour in its own set."""
    radii = np.empty(len(features))
    for start in range(0, len(features), chunk):
        distances = _squared_distances(features[start:start + chunk], features)
        # Column 0 after partitioning is the vector itself (distance 0), so index k
        # is the k-th other vector.
        radii[start:start + chunk] = np.partition(distances, k, axis=1)[:, k]
    return radii


def _fraction_inside(queries, centres, radii, chunk):
    inside = 0
    for start in range(0, len(queries), chunk):
        distances = _squared_distances(queries[start:start + chunk], centres)
        inside += int((distances <= radii[None, :]).any(axis=1).sum())
    return inside / len(queries)


def precision_recall(real_features, generated_features, k=3, chunk_size=1024):
    """Improved precision and recall: k-NN estimates of each set's manifold.

    Each real vector spans a ball reaching its k-th nearest real neighbour; precision
    is the share of generated vectors inside at least one real ball. Recall swaps
    the roles.

    Args:
        real_features, generated_features: Feature vectors `[n, dim]`, more than `k` each.
        k: Neighbour that sets each ball's radius (3 in the paper).
        chunk_size: Rows of the distance matrix held at once.

    Returns:
        `(precision, recall)`, Python floats in [0, 1].

    Reference:
        Kynkaanniemi et al., 2019, https://arxiv.org/abs/1904.06991
    """
    real = np.asarray(real_features, np.float64)
    generated = np.asarray(generated_features, np.float64)
    k = _check_positive("k", k)
    for name, value in (("real_features", real), ("generated_features", generated)):
        if len(value) <= k:
            raise ValueError(f"Precision and recall need more than k={k} vectors per set. "
                             f"Received: {name} with {len(value)}")
    precision = _fraction_inside(generated, real, _knn_radii(real, k, chunk_size), chunk_size)
    recall = _fraction_inside(real, generated, _knn_radii(generated, k, chunk_size), chunk_size)
    return precision, recall


def compute_metrics(generated, real, k=3, kid_subsets=100, kid_subset_size=1000, seed=0):
    """The metrics of `evaluate` from two `FeatureStatistics`.

    Returns:
        A dict of Python floats (`modes_covered` is an int); the class-based metrics only
        when the feature network gives logits.
    """
    for name, stats in (("generated", generated), ("real", real)):
        if stats.num_images < 2:
            raise ValueError(f"`{name}` must hold at least 2 images. Received: {name} with "
                             f"{stats.num_images}")
    if generated.image_shape != real.image_shape:
        raise ValueError(
            "`generated` and `real` must have the same image shape. Received: generated with "
            f"shape {generated.image_shape} and real with shape {real.image_shape}"
        )
    metrics = {"frechet_distance": frechet_distance(
        generated.moments.mean, generated.moments.covariance,
        real.moments.mean, real.moments.covariance)}
    kid, kid_std = kernel_distance(generated.sample.rows, real.sample.rows, kid_subsets,
                                   kid_subset_size, seed)
    metrics["kernel_distance"], metrics["kernel_distance_std"] = kid, kid_std
    metrics["precision"], metrics["recall"] = precision_recall(
        real.sample.rows, generated.sample.rows, k)
    if generated.has_classes and real.has_classes:
        metrics["classifier_score"] = generated.classifier_score()
        share = generated.class_counts / generated.num_images
        # A class counts as covered with a quarter of its fair share of samples: a
        # lenient bar, so classifier noise on a few samples does not count as a mode.
        fair = generated.num_images / generated.num_classes
        metrics["modes_covered"] = int((generated.class_counts >= 0.25 * fair).sum())
        reference = np.maximum(real.class_counts / real.num_images, _MIN_CLASS_PROBABILITY)
        present = share > 0
        metrics["mode_kl"] = float(np.sum(share[present] * np.log(share[present]
                                                                  / reference[present])))
    return metrics


# Feature networks -------------------------------------------------------------------------


class FeatureExtractor:
    """A feature network as `evaluate` uses it: images in [-1, 1] to `(features, logits)`.

    Args:
        function: Callable from float32 images `[n, H, W, C]` in [-1, 1] to features
            `[n, dim]`, or to a pair `(features, logits [n, num_classes])`.
        name: Name shown in errors and reports.
        image_size: `(height, width)` the function takes; other sizes are resized
            bilinearly first. None passes images as they come.
        channels: 1 or 3, the channels the function takes; grey is repeated to RGB and
            RGB turned to grey (luma) first. None passes them as they come.

    Example:

    >>> import numpy as np
    >>> flatten = FeatureExtractor(lambda x: np.reshape(x, (len(x), -1)), "pixels")
    >>> features, logits = flatten(np.zeros((2, 4, 4, 1), np.float32))
    >>> features.shape, logits
    ((2, 16), None)
    """

    def __init__(self, function, name="custom", image_size=None, channels=None):
        if not callable(function):
            raise ValueError(f"`function` must be callable. Received: function={function!r}")
        if channels not in (None, 1, 3):
            raise ValueError(f"`channels` must be None, 1 or 3. Received: channels={channels!r}")
        self.function = function
        self.name = name
        self.image_size = None if image_size is None else tuple(int(s) for s in image_size)
        self.channels = channels

    def adapt(self, images):
        """Resizes and converts channels of float images as the network needs them."""
        have = images.shape[-1]
        if self.channels is not None and have != self.channels:
            if have == 1 and self.channels == 3:
                images = tf.image.grayscale_to_rgb(tf.convert_to_tensor(images))
            elif have == 3 and self.channels == 1:
                images = tf.image.rgb_to_grayscale(tf.convert_to_tensor(images))
            else:
                raise ValueError(
                    f"The feature network {self.name!r} takes images with {self.channels} "
                    f"channel(s). Received: images with {have} channels"
                )
        if self.image_size is not None and tuple(images.shape[1:3]) != self.image_size:
            images = tf.image.resize(images, self.image_size, method="bilinear")
        return images

    def __call__(self, images):
        """Returns `(features, logits)` as numpy arrays; `logits` is None without classes."""
        outputs = self.function(self.adapt(images))
        if isinstance(outputs, (tuple, list)):
            if len(outputs) != 2:
                raise ValueError(
                    f"The feature network {self.name!r} must return features or "
                    f"(features, logits). Received {len(outputs)} outputs"
                )
            features, logits = outputs
        else:
            features, logits = outputs, None
        features = np.asarray(features, np.float64)
        if logits is not None:
            logits = np.asarray(logits)
            if logits.ndim != 2 or len(logits) != len(features):
                raise ValueError(
                    f"The feature network {self.name!r} must return logits [{len(features)}, "
                    f"num_classes]. Received shape {logits.shape}"
                )
        return features, logits


def _input_geometry(model):
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return None, None
    if not isinstance(shape, tuple) or len(shape) != 4:
        return None, None
    size = tuple(shape[1:3]) if None not in shape[1:3] else None
    return size, shape[3] if shape[3] in (1, 3) else None


def keras_extractor(model, name=None):
    """A `FeatureExtractor` from a `keras.Model`.

    - Two outputs: `(features, logits)`.
    - One output and a layer named `features` (a classifier from
      `scripts/train_classifier.py`): that layer's output, and the model's output as
      logits.
    - Otherwise: the output as features, no logits.

    The model's input size and channels, when fixed, are what images are brought to.
    """
    name = name or model.name
    outputs = getattr(model, "outputs", None)
    if outputs is not None and len(outputs) == 1:
        try:
            features_layer = model.get_layer("features")
        except ValueError:
            features_layer = None
        if features_layer is not None:
            import keras

            model = keras.Model(model.inputs, [features_layer.output, outputs[0]],
                                name=f"{model.name}_features")
    # One traced graph for all batches; the last, smaller batch retraces once at most.
    call = tf.function(lambda images: model(images, training=False), reduce_retracing=True)
    size, channels = _input_geometry(model)
    return FeatureExtractor(call, name, image_size=size, channels=channels)


@functools.lru_cache(maxsize=None)
def _classifier_extractor(path):
    import keras

    if not os.path.isfile(path):
        raise ValueError(f"Feature network file not found. Received: features={path!r}")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # keras raises many types for a file that is not a model
        raise ValueError(f"Cannot load the feature network features={path!r}: {error}") from error
    name = "digits" if path == DIGITS_CLASSIFIER_PATH else path
    return keras_extractor(model, name)


def _find_inception_weights(weights_path):
    if weights_path is not None:
        weights_path = os.path.expanduser(os.fspath(weights_path))
        if not os.path.isfile(weights_path):
            raise ValueError(f"InceptionV3 weights file not found. Received: "
                             f"weights_path={weights_path!r}")
        return weights_path
    for kind in ("top", "notop"):
        for directory in _keras_cache_dirs():
            candidate = os.path.join(directory, INCEPTION_WEIGHTS_FILES[kind])
            if os.path.isfile(candidate):
                return candidate
    raise ValueError(
        "features='inception' needs the InceptionV3 ImageNet weights, and they are not in "
        f"{_keras_cache_dirs()[0]}. On a machine with internet, run "
        "`python -c \"import keras; keras.applications.InceptionV3()\"` (it saves "
        f"{INCEPTION_WEIGHTS_FILES['top']} in ~/.keras/models/), copy the file to the same "
        "place here or pass weights_path=..., or use features='digits'."
    )


@functools.lru_cache(maxsize=None)
def _inception_extractor(weights, weights_path):
    import keras

    if weights not in ("imagenet", None):
        raise ValueError(f"`weights` must be 'imagenet' or None (random, for tests). "
                         f"Received: weights={weights!r}")
    path = None if weights is None else _find_inception_weights(weights_path)
    # The full model, for its 1000 ImageNet logits; a file without the classifier head
    # (`..._notop.h5`) does not load into it, and then only features are measured.
    model = keras.applications.InceptionV3(include_top=True, weights=None,
                                           classifier_activation=None)
    try:
        if path is not None:
            model.load_weights(path)
        model = keras.Model(model.inputs, [model.get_layer("avg_pool").output, model.output],
                            name="inception_v3_features")
    except ValueError:
        model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=path)
    # Images in [-1, 1] are already what InceptionV3's `preprocess_input` makes. Called
    # eagerly: tracing its ~300 layers takes longer than a batch of 299x299 convolutions
    # gains from a graph.
    return FeatureExtractor(lambda images: model(images, training=False), "inception",
                            image_size=(299, 299), channels=3)


def feature_extractor(features="digits", weights="imagenet", weights_path=None):
    """Returns the `FeatureExtractor` for `features`, loading a named network once.

    Args:
        features: `"digits"`, `"inception"`, a path to a classifier `.keras` file, a
            `keras.Model`, a callable (see `FeatureExtractor`), or a `FeatureExtractor`.
        weights: For `"inception"`: `"imagenet"` (read from the Keras cache or
            `weights_path`, never downloaded) or None for random weights (tests only).
        weights_path: For `"inception"`: an InceptionV3 `.h5` weights file, with or
            without the classifier head.

    Returns:
        A `FeatureExtractor`.

    Raises:
        ValueError: for an unknown name, a missing file, or missing Inception weights.
    """
    import keras

    if isinstance(features, FeatureExtractor):
        return features
    if isinstance(features, keras.Model):
        return keras_extractor(features)
    if isinstance(features, (str, os.PathLike)):
        name = os.fspath(features)
        if name == "digits":
            return _classifier_extractor(DIGITS_CLASSIFIER_PATH)
        if name == "inception":
            return _inception_extractor(weights, None if weights_path is None
                                        else os.fspath(weights_path))
        if name.endswith(".keras"):
            return _classifier_extractor(os.path.abspath(os.path.expanduser(name)))
    elif callable(features):
        return FeatureExtractor(features, getattr(features, "__name__", "custom"))
    raise ValueError(
        f"Unknown feature network. Received: features={features!r}. Choices: "
        f"{', '.join(map(repr, FEATURE_NETWORKS))}, a classifier .keras file, a keras.Model "
        "or a callable returning features or (features, logits)."
    )


# Entry points -------------------------------------------------------------------------------


def _check_metric_arguments(**values):
    # Checked before any image goes through the feature network, which can take minutes.
    for name, value in values.items():
        _check_positive(name, value)


def _batches(name, images, batch_size):
    """Yields the image batches of an array, a tensor or a `tf.data.Dataset`."""
    if isinstance(images, tf.data.Dataset):
        for element in images:
            yield element[0] if isinstance(element, (tuple, list)) else element
        return
    for start in range(0, len(images), batch_size):
        yield images[start:start + batch_size]


def compute_statistics(images, features="digits", batch_size=128, max_kernel_samples=10_000,
                       seed=0, name="images", weights_path=None):
    """Streams `images` through the feature network into a `FeatureStatistics`.

    Args:
        images: uint8 [0, 255] or float [-1, 1] NHWC images: an array, a tensor, or a
            `tf.data.Dataset` of such batches (or of `(images, labels)` batches).
        features, weights_path: The feature network, as in `feature_extractor`.
        batch_size: Images per feature-network call.
        max_kernel_samples: Feature vectors kept for the kernel and k-NN metrics.
        seed: Seed of the kept sample.
        name: Name of `images` in error messages.

    Returns:
        A `FeatureStatistics`, to pass to `evaluate` as `real` or `generated`.
    """
    stats = FeatureStatistics(feature_extractor(features, weights_path=weights_path),
                              batch_size, max_kernel_samples, seed)
    if not isinstance(images, tf.data.Dataset):
        images = check_images(name, images)
    for batch in _batches(name, images, stats.batch_size):
        stats.update(batch, name)
    if stats.num_images == 0:
        raise ValueError(f"`{name}` must hold at least one image. Received: an empty dataset")
    return stats


def _statistics(name, images, extractor, batch_size, max_kernel_samples, seed):
    if isinstance(images, FeatureStatistics):
        if images.extractor is not extractor:
            raise ValueError(
                f"`{name}` statistics were computed with features={images.extractor.name!r}, "
                f"not {extractor.name!r}. Pass features={images.extractor.name!r}, or "
                "recompute them."
            )
        return images
    return compute_statistics(images, extractor, batch_size, max_kernel_samples, seed, name)


def evaluate(generated, real, features="digits", *, k=3, batch_size=128, kid_subsets=100,
             kid_subset_size=1000, max_kernel_samples=10_000, seed=0, weights_path=None):
    """Measures how close `generated` images are to `real` ones.

    Args:
        generated: Generated images, uint8 in [0, 255] or float in [-1, 1], NHWC: an
            array, a tensor, a `tf.data.Dataset` of batches, or a `FeatureStatistics`.
        real: Real images, in the same forms and of the same shape; compute a
            `FeatureStatistics` once with `compute_statistics` to reuse it.
        features: Feature network: `"digits"` (default; for 32x32 digits-like images),
            `"inception"`, a classifier `.keras` file, a `keras.Model`, a callable or a
            `FeatureExtractor` (see `feature_extractor`).
        k: Neighbour that sets the k-NN radii of precision and recall.
        batch_size: Images per feature-network call.
        kid_subsets: Subsets the kernel distance averages over.
        kid_subset_size: Vectors per kernel-distance subset (at most half the smaller set).
        max_kernel_samples: Feature vectors per set kept for the kernel distance and
            precision/recall; sets beyond it are sampled uniformly.
        seed: Seed of the samples and subsets; the same seed gives the same numbers.
        weights_path: InceptionV3 weights file for `features="inception"`.

    Returns:
        A dict: `frechet_distance`, `kernel_distance`, `kernel_distance_std`,
        `precision`, `recall`, and with a classifier `classifier_score`,
        `modes_covered`, `mode_kl` (see the module docstring).

    Raises:
        ValueError: naming the argument and value for images of the wrong rank, shape
            or dtype, floats outside [-1, 1], fewer than 2 (or `k + 1`) images, or an
            unknown feature network.

    Example:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = rng.uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    >>> pixels = lambda x: np.reshape(x, (len(x), -1))   # features: the raw pixels
    >>> same = evaluate(real, real, features=pixels)
    >>> round(same["frechet_distance"], 6), same["precision"], same["recall"]
    (0.0, 1.0, 1.0)
    """
    _check_metric_arguments(k=k, batch_size=batch_size, kid_subsets=kid_subsets,
                            kid_subset_size=kid_subset_size,
                            max_kernel_samples=max_kernel_samples)
    extractor = feature_extractor(features, weights_path=weights_path)
    arrays = {}
    for name, images in (("generated", generated), ("real", real)):
        if not isinstance(images, (FeatureStatistics, tf.data.Dataset)):
            arrays[name] = images = check_images(name, images)
    if len(arrays) == 2 and arrays["generated"].shape[1:] != arrays["real"].shape[1:]:
        # Checked before any feature is computed, which can take minutes.
        raise ValueError(
            "`generated` and `real` must have the same image shape. Received: generated "
            f"with shape {arrays['generated'].shape} and real with shape {arrays['real'].shape}"
        )
    generated = _statistics("generated", arrays.get("generated", generated), extractor,
                            batch_size, max_kernel_samples, seed)
    real = _statistics("real", arrays.get("real", real), extractor, batch_size,
                       max_kernel_samples, seed + 1)
    return compute_metrics(generated, real, k, kid_subsets, kid_subset_size, seed)


def model_generate_fn(model, seed=0):
    """A `generate_fn` for `evaluate_generator` from a kerasgan model.

    Each call `fn(n)` returns `n` new images from `model.generate`, with the seed
    advanced by the images made so far (the same seed would give the same latents)
    and, for a conditional model, the classes in turn, so every class is measured
    alike.

    Args:
        model: An `AdversarialModel`.
        seed: Seed of the first call.
    """
    made = 0

    def generate(count):
        nonlocal made
        labels = None
        if model.num_classes:
            labels = np.arange(made, made + count) % model.num_classes
        images = model.generate(count, labels=labels, seed=seed + made, batch_size=count)
        made += count
        return images

    return generate


def evaluate_generator(generate_fn, real, num_samples, batch_size=128, features="digits", *,
                       k=3, kid_subsets=100, kid_subset_size=1000, max_kernel_samples=10_000,
                       seed=0, weights_path=None):
    """Evaluates a generator function, streaming its samples batch by batch.

    Only one batch of images is in memory at a time, so `num_samples=50_000` works
    for any image size.

    Args:
        generate_fn: Called as `generate_fn(n)`; returns `n` new images (uint8 or float
            in [-1, 1], NHWC). Each call must draw fresh latents, e.g.
            `lambda n: model.generate(n)`.
        real: Real images or their `FeatureStatistics`, as for `evaluate`.
        num_samples: Images to generate in all.
        batch_size: Images per `generate_fn` call and per feature-network call.
        features, k, kid_subsets, kid_subset_size, max_kernel_samples, seed,
            weights_path: As for `evaluate`.

    Returns:
        The dict of `evaluate`.

    Example:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real = rng.uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    >>> noise = lambda n: rng.uniform(-1, 1, (n, 8, 8, 1)).astype("float32")
    >>> pixels = lambda x: np.reshape(x, (len(x), -1))
    >>> metrics = evaluate_generator(noise, real, num_samples=64, batch_size=16,
    ...                              features=pixels)
    >>> metrics["precision"] > 0.5
    True
    """
    num_samples = _check_positive("num_samples", num_samples)
    _check_metric_arguments(k=k, batch_size=batch_size, kid_subsets=kid_subsets,
                            kid_subset_size=kid_subset_size,
                            max_kernel_samples=max_kernel_samples)
    if not callable(generate_fn):
        raise ValueError(f"`generate_fn` must be callable. Received: generate_fn={generate_fn!r}")
    extractor = feature_extractor(features, weights_path=weights_path)
    stats = FeatureStatistics(extractor, batch_size, max_kernel_samples, seed)
    done = 0
    while done < num_samples:
        count = min(batch_size, num_samples - done)
        images = check_images("generated", generate_fn(count))
        if len(images) != count:
            raise ValueError(f"`generate_fn({count})` must return {count} images. Received: "
                             f"images with shape {images.shape}")
        stats.update(images, "generated")
        done += count
    return evaluate(stats, real, extractor, k=k, batch_size=batch_size, kid_subsets=kid_subsets,
                    kid_subset_size=kid_subset_size, max_kernel_samples=max_kernel_samples,
                    seed=seed)


def reconstruct(model, images, batch_size=256):
    """`G(E(x))`: images in [-1, 1] encoded by the model's encoder and decoded by its
    generator (BiGAN, AAE, VAE), as a float32 numpy array of the same shape."""
    if not getattr(model, "encoder_name", None):
        raise ValueError(f"Model {model.name!r} has no encoder to reconstruct with.")
    images = check_images("images", images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 127.5 - 1.0
    chunks = []
    for start in range(0, len(images), batch_size):
        z = model.encode(images[start:start + batch_size])
        chunks.append(np.asarray(model.generate_from({"z": z})))
    return np.concatenate(chunks).astype(np.float32)


def reconstruction_agreement(model, images, labels, features="digits", batch_size=256):
    """How often reconstructions keep their input's class: the fraction of images `x`
    for which the classifier's label of `G(E(x))` equals `labels`.

    A BiGAN or an AAE whose encoder inverts the generator keeps the digit; one that
    ignores its input gets the chance rate (0.1 on digits). `input_accuracy`, the
    classifier's accuracy on the inputs themselves, is the ceiling.

    Args:
        model: A model with an encoder (`model.encoder_name`).
        images: Real images in [-1, 1], `[n, H, W, C]`.
        labels: Their int classes, `[n]`.
        features: A classifier: "digits" (the bundled one) or a `FeatureExtractor`
            that returns logits.

    Returns:
        Dict with `reconstruction_accuracy`, `input_accuracy`, `pixel_l1` (mean
        absolute difference in [-1, 1] units) and `num_images`.
    """
    images = check_images("images", images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 127.5 - 1.0
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"Got {len(images)} images but {len(labels)} labels.")
    extractor = features if isinstance(features, FeatureExtractor) else feature_extractor(features)
    reconstructions = reconstruct(model, images, batch_size)
    _, logits = extractor(reconstructions)
    _, input_logits = extractor(images)
    if logits is None:
        raise ValueError(f"The feature network {extractor.name!r} has no class logits.")
    return {
        "reconstruction_accuracy": float(np.mean(np.argmax(logits, -1) == labels)),
        "input_accuracy": float(np.mean(np.argmax(input_logits, -1) == labels)),
        "pixel_l1": float(np.mean(np.abs(reconstructions - images))),
        "num_images": int(len(images)),
    }


def example_pairs(model, num_images, split="test"):
    """Held-out pairs of an image-to-image model's `default_dataset`, brought to its
    shapes: float32 numpy `(sources, targets)` in [-1, 1]. The models load no data:
    grids (`callbacks.TensorBoardImages`), serving examples and tests take them here.

    Args:
        model: An `ImageToImageModel` (its `default_dataset`, `source_shape`,
            `image_shape`).
        num_images: How many pairs (fewer if the split is smaller).
        split: `"test"` or `"train"`.
    """
    from kerasgan import data
    from kerasgan.images import fit_to_shape

    num_images = validation.check_positive_int("num_images", num_images)
    sources, targets = data.load_pair_arrays(model.default_dataset, split, limit=num_images)
    return fit_to_shape(sources, model.source_shape), fit_to_shape(targets, model.image_shape)


def translation_metrics(model, sources, targets, features="digits", batch_size=256, seed=0,
                        **evaluate_kwargs):
    """How close an image-to-image model's translations `G(x)` of held-out sources are
    to their targets `y`: per pair (L1) and as distributions (Frechet distance, ...).

    Args:
        model: An image-to-image model (`model.image_input`, e.g. pix2pix).
        sources: Held-out sources, uint8 or float in [-1, 1], `[n, *model.source_shape]`.
        targets: Their targets, same forms, `[n, *model.image_shape]`.
        features: Feature network, as for `evaluate`.
        batch_size: Images per generator and feature-network call.
        seed: Seed of the metrics' subsets.
        **evaluate_kwargs: More `evaluate` arguments (`k`, `kid_subsets`, ...).

    Returns:
        The dict of `evaluate(translations, targets)` (`frechet_distance`,
        `kernel_distance`, `precision`, `recall`, ...) plus `translation_l1`, the mean
        absolute difference of translation and target in [-1, 1] units (pix2pix's L1
        term), `num_pairs`, and with a classifier `class_agreement`: the share of pairs
        whose translation the classifier reads as the same class as the target.

    Raises:
        ValueError: for a model without image input, or sources and targets of
            different counts or bad images.

    Example:

    >>> import kerasgan, numpy as np
    >>> model = kerasgan.create_model("pix2pix", base_filters=4)
    >>> sources, targets = kerasgan.evaluation.example_pairs(model, 32)
    >>> pixels = lambda x: np.reshape(x, (len(x), -1))[:, :64]
    >>> metrics = translation_metrics(model, sources, targets, features=pixels,
    ...                               kid_subset_size=8)
    >>> 0.0 <= metrics["translation_l1"] <= 2.0
    True
    """
    if not getattr(model, "image_input", False):
        raise ValueError(f"Model {model.name!r} does not translate images: use `evaluate` on "
                         "its samples.")
    sources, targets = check_images("sources", sources), check_images("targets", targets)
    if len(sources) != len(targets):
        raise ValueError(f"`sources` and `targets` must be pairs. Received: {len(sources)} "
                         f"sources and {len(targets)} targets")
    targets = _to_unit_float(targets)
    translations = model.translate(sources, batch_size=batch_size)
    extractor = feature_extractor(features)
    metrics = evaluate(translations, targets, extractor, batch_size=batch_size, seed=seed,
                       **evaluate_kwargs)
    metrics["translation_l1"] = float(np.mean(np.abs(translations - targets)))
    metrics["num_pairs"] = int(len(targets))
    _, logits = extractor(translations)
    if logits is not None:
        _, target_logits = extractor(targets)
        metrics["class_agreement"] = float(np.mean(
            np.argmax(logits, -1) == np.argmax(target_logits, -1)))
    return metrics


def cycle_metrics(model, sources_a, sources_b, features="digits", batch_size=256):
    """How well a cycle-consistent model's two generators invert each other on held-out
    images of both domains, and whether its translations keep the class.

    Args:
        model: A model with `translate(images, direction=...)` in both directions
            (`model.cycle_consistent`, CycleGAN).
        sources_a: Domain A images, uint8 or float in [-1, 1], `[n, *source_shape]`.
        sources_b: Domain B images, `[m, *image_shape]` (unpaired: any count).
        features: A classifier for the label agreement: "digits" (the bundled one), or
            any feature network `feature_extractor` takes; None skips it, and so
            does a network without class logits.
        batch_size: Images per generator call.

    Returns:
        Dict of floats: `cycle_l1_a`, the mean absolute difference `|F(G(a)) - a|` in
        [-1, 1] units (A -> B -> A), `cycle_l1_b`, `|G(F(b)) - b|` (B -> A -> B),
        `cycle_l1` their mean, `num_a` and `num_b`; with a classifier,
        `label_agreement_a_to_b`, the share of `a` whose translation `G(a)` the
        classifier reads as the class it reads for `a`, and `label_agreement_b_to_a`
        likewise for `F(b)`.

    Raises:
        ValueError: for a model without two directions, or bad images.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("cyclegan", base_filters=4, num_residual_blocks=1)
    >>> digits, thick = kerasgan.evaluation.example_pairs(model, 8)
    >>> metrics = cycle_metrics(model, digits, thick, features=None)
    >>> 0.0 <= metrics["cycle_l1_a"] <= 2.0 and metrics["num_b"] == 8
    True
    """
    if not getattr(model, "cycle_consistent", False):
        raise ValueError(f"Model {model.name!r} does not translate both ways: cycle metrics "
                         "need a cycle-consistent model such as CycleGAN.")
    sources_a = _to_unit_float(check_images("sources_a", sources_a))
    sources_b = _to_unit_float(check_images("sources_b", sources_b))
    batch_size = _check_positive("batch_size", batch_size)
    fake_b = model.translate(sources_a, batch_size=batch_size)
    fake_a = model.translate(sources_b, batch_size=batch_size, direction="b_to_a")
    cycle_a = model.translate(fake_b, batch_size=batch_size, direction="b_to_a")
    cycle_b = model.translate(fake_a, batch_size=batch_size)
    metrics = {"cycle_l1_a": float(np.mean(np.abs(cycle_a - sources_a))),
               "cycle_l1_b": float(np.mean(np.abs(cycle_b - sources_b)))}
    metrics["cycle_l1"] = (metrics["cycle_l1_a"] + metrics["cycle_l1_b"]) / 2
    metrics["num_a"], metrics["num_b"] = int(len(sources_a)), int(len(sources_b))
    if features is None:
        return metrics
    extractor = feature_extractor(features)
    for key, inputs, outputs in (("label_agreement_a_to_b", sources_a, fake_b),
                                 ("label_agreement_b_to_a", sources_b, fake_a)):
        labels = []
        for images in (inputs, outputs):
            _, logits = extractor(images)
            if logits is None:
                return metrics
            labels.append(np.argmax(logits, -1))
        metrics[key] = float(np.mean(labels[0] == labels[1]))
    return metrics


#: PSNR (dB) counted for a pair that is identical after rounding to uint8, whose PSNR
#: is infinite: the mean stays finite (and JSON-serializable).
MAX_PSNR = 100.0


def _psnr_ssim(images, targets):
    """Per-pair PSNR (capped at `MAX_PSNR`) and SSIM of uint8 images, numpy float64."""
    images, targets = tf.convert_to_tensor(images), tf.convert_to_tensor(targets)
    psnr = tf.image.psnr(images, targets, max_val=255).numpy().astype(np.float64)
    ssim = tf.image.ssim(images, targets, max_val=255).numpy().astype(np.float64)
    return np.minimum(np.nan_to_num(psnr, nan=MAX_PSNR, posinf=MAX_PSNR), MAX_PSNR), ssim


def super_resolution_metrics(model, sources, targets, batch_size=256):
    """PSNR and SSIM of a super-resolution model's outputs `G(x)` against the
    high-resolution targets `y`, next to bicubic upsampling of the sources (the baseline
    of Ledig et al. 2017, Table 2).

    Both outputs are rounded to uint8, as the export serves them, and compared on RGB
    (or grey) over the whole image with `tf.image.psnr` / `tf.image.ssim` (`max_val=255`;
    SSIM with its 11x11 Gaussian window). The paper measures on the luma channel with
    a 4-pixel border removed, so its numbers are not comparable with these.

    Args:
        model: An image-to-image model (`model.image_input`) whose sources are smaller
            than, or as large as, its outputs (`super_resolution`, e.g. SRGAN).
        sources: Low-resolution sources, uint8 or float in [-1, 1], `[n, *source_shape]`.
        targets: Their high-resolution targets, same forms, `[n, *image_shape]`, at
            least 11x11.
        batch_size: Images per generator call and per metric batch.

    Returns:
        Dict of floats: `psnr` and `ssim` (means over the pairs), `bicubic_psnr` and
        `bicubic_ssim`, `psnr_gain` and `ssim_gain` (the model's minus bicubic's:
        positive when the model is better), and `num_pairs`. A pair identical after
        rounding counts as `MAX_PSNR` dB.

    Raises:
        ValueError: for a model that does not translate images, sources and targets
            of different counts, or bad images.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("srgan", base_filters=4, num_residual_blocks=1)
    >>> sources, targets = kerasgan.evaluation.example_pairs(model, 4)
    >>> metrics = super_resolution_metrics(model, sources, targets)
    >>> metrics["bicubic_psnr"] > 20 and -1.0 <= metrics["ssim"] <= 1.0
    True
    """
    from kerasgan.images import to_uint8

    if not getattr(model, "image_input", False):
        raise ValueError(f"Model {model.name!r} does not translate images: super-resolution "
                         "metrics compare its outputs with high-resolution targets.")
    sources, targets = check_images("sources", sources), check_images("targets", targets)
    batch_size = _check_positive("batch_size", batch_size)
    if len(sources) != len(targets):
        raise ValueError(f"`sources` and `targets` must be pairs. Received: {len(sources)} "
                         f"sources and {len(targets)} targets")
    if min(targets.shape[1:3]) < 11:
        raise ValueError(f"SSIM needs targets of at least 11x11 (its window). Received: "
                         f"targets with shape {targets.shape}")
    if any(s > t for s, t in zip(sources.shape[1:3], targets.shape[1:3])):
        raise ValueError(f"Super-resolution sources must not be larger than their targets. "
                         f"Received: sources {sources.shape} and targets {targets.shape}")
    size = targets.shape[1:3]
    scores = {key: [] for key in ("psnr", "ssim", "bicubic_psnr", "bicubic_ssim")}
    for start in range(0, len(sources), batch_size):
        low = _to_unit_float(sources[start:start + batch_size])
        high = targets[start:start + batch_size]
        high = high if high.dtype == np.uint8 else np.asarray(to_uint8(_to_unit_float(high)))
        outputs = to_uint8(model.translate(low, batch_size=batch_size))
        bicubic = to_uint8(tf.clip_by_value(tf.image.resize(low, size, method="bicubic"),
                                            -1.0, 1.0))
        for prefix, images in (("", outputs), ("bicubic_", bicubic)):
            psnr, ssim = _psnr_ssim(images, high)
            scores[f"{prefix}psnr"].append(psnr)
            scores[f"{prefix}ssim"].append(ssim)
    metrics = {key: float(np.mean(np.concatenate(values))) for key, values in scores.items()}
    metrics["psnr_gain"] = metrics["psnr"] - metrics["bicubic_psnr"]
    metrics["ssim_gain"] = metrics["ssim"] - metrics["bicubic_ssim"]
    metrics["num_pairs"] = int(len(targets))
    return metrics


def is_super_resolution(model):
    """Whether an image-to-image model (or `export.ExportedTranslator`) upsamples: it
    says so (`super_resolution`), or its sources are smaller than its outputs."""
    if getattr(model, "super_resolution", False):
        return True
    if not getattr(model, "image_input", False):
        return False
    sides = list(zip(model.source_shape[:2], model.image_shape[:2]))
    return all(low <= high for low, high in sides) and any(low < high for low, high in sides)


def image_to_image_metrics(model, sources, targets, features="digits", batch_size=256,
                           seed=0):
    """The measurements that fit an image-to-image model, on held-out pairs of its
    dataset: what `scripts/zoo_report.py` and `scripts/evaluate.py` report.

    - Every model: `translation_metrics` (the distribution metrics of `G(x)` against
      the targets; per pair `translation_l1` and `class_agreement`).
    - Upsampling models (`is_super_resolution`, SRGAN): `super_resolution_metrics`.
    - Cycle-consistent models on unpaired domains (`model.cycle_consistent`,
      CycleGAN): no target belongs to a translation, so the per-pair L1 and class
      agreement, which would compare unrelated images, are dropped; the distribution
      metrics (translations of A against B) stand, and `cycle_metrics` is added.

    Args:
        model: An image-to-image model, or an `export.ExportedTranslator`.
        sources, targets: Held-out pairs (domain A and B images for unpaired models),
            uint8 or float in [-1, 1].
        features, batch_size, seed: As for `translation_metrics`.

    Returns:
        One dict of floats.
    """
    metrics = translation_metrics(model, sources, targets, features=features,
                                  batch_size=batch_size, seed=seed)
    if is_super_resolution(model):
        metrics.update(super_resolution_metrics(model, sources, targets, batch_size=batch_size))
    if getattr(model, "cycle_consistent", False):
        metrics.pop("translation_l1", None)
        metrics.pop("class_agreement", None)
        metrics.update(cycle_metrics(model, sources, targets, features=features,
                                     batch_size=batch_size))
    return metrics


def text_to_image_metrics(model, num_per_caption=10, features="digits", batch_size=256,
                          seed=0):
    """How well a text-to-image model (text2image) draws what its captions say, measured
    with a digits classifier over every template caption of every digit
    (`data.caption_bank()`: plain and thick, number words and numerals).

    Args:
        model: A text-to-image model (`model.text_input`).
        num_per_caption: Images generated per caption (different latents).
        features: A classifier: "digits" (the bundled one) or a `FeatureExtractor` that
            returns logits.
        batch_size: Images per generator call.
        seed: Seed of the latents.

    Returns:
        Dict of floats:

        - `caption_accuracy`: share of images the classifier reads as the digit their
          caption names; `plain_caption_accuracy` and `thick_caption_accuracy` over the
          plain and thick templates, `numeral_caption_accuracy` and
          `word_caption_accuracy` over captions naming the digit as "7" or as "seven".
        - `thickness_ink_ratio`: mean ink (brightness) of the images of thick captions
          over that of plain ones, next to `real_thickness_ink_ratio`, the same ratio on
          the held-out `digits_captions` images (about 1.3): near 1 means "thick" is
          ignored.
        - `interpolation_midpoint_accuracy`: images generated halfway between the
          embeddings of two digits' captions (GAN-INT's interpolations; digits `d` and
          `d + 1`), read as one of the two digits.
        - `matching_accuracy`: share of held-out real images the discriminator scores
          higher with their own caption than with a caption of another digit (the
          matching-aware D's job).
        - `num_images`: images generated for `caption_accuracy`.

    Raises:
        ValueError: for a model without text input or a feature network without logits.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("text2image", latent_dim=8, base_filters=4)
    >>> metrics = text_to_image_metrics(model, num_per_caption=1)
    >>> 0.0 <= metrics["caption_accuracy"] <= 1.0
    True
    """
    from kerasgan import data

    if not getattr(model, "text_input", False):
        raise ValueError(f"Model {model.name!r} takes no text: text_to_image_metrics measures "
                         "text-to-image models such as 'text2image'.")
    num_per_caption = _check_positive("num_per_caption", num_per_caption)
    batch_size = _check_positive("batch_size", batch_size)
    extractor = features if isinstance(features, FeatureExtractor) else feature_extractor(features)

    def read(images):
        _, logits = extractor(images)
        if logits is None:
            raise ValueError(f"The feature network {extractor.name!r} has no class logits.")
        return np.argmax(logits, -1)

    texts, digits, thick = data.caption_bank()
    prompts = [text for text in texts for _ in range(num_per_caption)]
    wanted = np.repeat(digits, num_per_caption)
    thick = np.repeat(thick, num_per_caption)
    numeral = np.array([any(c.isdigit() for c in text) for text in prompts])
    images = model.generate_from_text(prompts, seed=seed, batch_size=batch_size)
    correct = read(images) == wanted
    ink = np.mean((images + 1.0) / 2.0, axis=(1, 2, 3))
    real_images, _, real_thick = data.caption_arrays("test")
    real_ink = np.mean(real_images, axis=(1, 2, 3))
    metrics = {
        "caption_accuracy": float(np.mean(correct)),
        "plain_caption_accuracy": float(np.mean(correct[~thick])),
        "thick_caption_accuracy": float(np.mean(correct[thick])),
        "numeral_caption_accuracy": float(np.mean(correct[numeral])),
        "word_caption_accuracy": float(np.mean(correct[~numeral])),
        "thickness_ink_ratio": float(np.mean(ink[thick]) / max(np.mean(ink[~thick]), 1e-6)),
        "real_thickness_ink_ratio": float(np.mean(real_ink[real_thick])
                                          / np.mean(real_ink[~real_thick])),
    }

    # GAN-INT: halfway between the label captions of d and d + 1, fixed latents per pair.
    endpoints = model.embed_text([data.label_caption(d) for d in range(10)])
    first = np.repeat(np.arange(10), num_per_caption)
    second = (first + 1) % 10
    middle = 0.5 * (endpoints[first] + endpoints[second])
    z = model.draw_latents(len(first), seed + 1)["z"]
    halfway = np.asarray(model.sampler([z, tf.constant(middle)], training=False))
    read_halfway = read(halfway)
    metrics["interpolation_midpoint_accuracy"] = float(np.mean(
        (read_halfway == first) | (read_halfway == second)))

    # The matching-aware discriminator: right caption above a caption of another digit.
    real, right_texts, labels = data.caption_examples(200, "test", seed=seed)
    rng = np.random.default_rng(seed)
    wrong_digits = (labels + rng.integers(1, 10, len(labels))) % 10
    wrong_texts = [data.label_caption(d) for d in wrong_digits]
    scores = [np.asarray(model.discriminator(
        [tf.constant(real), model.text_encoder(data.tokenize(captions), training=False)],
        training=False)).reshape(-1) for captions in (right_texts, wrong_texts)]
    metrics["matching_accuracy"] = float(np.mean(scores[0] > scores[1]))
    metrics["num_images"] = int(len(images))
    return metrics
