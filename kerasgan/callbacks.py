"""Training callbacks for `AdversarialModel.fit`."""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from kerasgan import data, evaluation
from kerasgan import images as image_utils
from kerasgan import validation


class LabelSmoothing(keras.callbacks.Callback):
    """One-sided label smoothing: real targets become `1 - smoothing`, fake targets stay 0.

    Assigns the model's `label_smoothing` variable at the start of training and, with
    a `schedule`, at the start of every epoch. Only the real half of the
    discriminator loss changes: smoothing the fake targets too would reward D for
    rating fakes as partly real, and move its optimum toward the generator's mistakes
    (Salimans et al. 2016, Section 3.4).

    Args:
        smoothing: Amount in [0, 1); 0.1 gives real targets of 0.9.
        schedule: Optional function `epoch -> smoothing` (0-based epoch), e.g.
            `lambda epoch: 0.2 * 0.5 ** epoch` to anneal it.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("dcgan", base_filters=8); model.compile()
    >>> dataset = kerasgan.data.load("digits", batch_size=16)
    >>> _ = model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0,
    ...               callbacks=[kerasgan.callbacks.LabelSmoothing(0.1)])
    >>> round(float(model.label_smoothing.numpy()), 6)
    0.1

    Reference:
        Salimans et al., 2016, "Improved Techniques for Training GANs",
        https://arxiv.org/abs/1606.03498
    """

    def __init__(self, smoothing=0.1, schedule=None):
        super().__init__()
        self.smoothing = validation.check_fraction("smoothing", smoothing)
        if schedule is not None and not callable(schedule):
            raise ValueError(
                f"`schedule` must be a function of the epoch. Received: schedule={schedule!r}"
            )
        self.schedule = schedule

    def _assign(self, value):
        value = validation.check_fraction("smoothing", float(value))
        self.model.label_smoothing.assign(value)

    def on_train_begin(self, logs=None):
        self._assign(self.smoothing if self.schedule is None else self.schedule(0))

    def on_epoch_begin(self, epoch, logs=None):
        if self.schedule is not None:
            self._assign(self.schedule(epoch))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["label_smoothing"] = float(self.model.label_smoothing.numpy())


class TensorBoardImages(keras.callbacks.Callback):
    """Writes a grid of samples from fixed latents to TensorBoard every few epochs.

    The latents (and, for conditional models, the labels: each row one class) are
    drawn once, so successive grids show the same samples as training progresses.
    For image-to-image models (`model.image_input`) the grid shows a fixed batch of
    held-out pairs instead, as triplets side by side: source, translation, target
    (four triplets per row, at most `MAX_PAIRS` pairs), or the triplets of the model's
    own `grid_triplets(sources, targets)` when it has one (CycleGAN: input,
    translation, reconstruction, for both domains). A model whose serving spec has a
    `grid` (`serving_spec().grid`) returning a grid of its own gets that grid instead,
    with its `text` (text2image: the caption of each row) written beside it by
    `tf.summary.text` as `captions`; text-to-image grids get held-out captioned images
    (`captions`) passed in as `examples`.
    The summary `samples` goes to its own writer under `log_dir/images`, beside the
    `train` folder `keras.callbacks.TensorBoard(log_dir)` writes.

    Args:
        log_dir: TensorBoard log directory (the one given to `keras.callbacks.TensorBoard`).
        every_n_epochs: Write every this many epochs (and after the last epoch).
        num_images: Samples in the grid.
        seed: Seed of the fixed latents.
        png_dir: If set, also writes `png_dir/epoch_XXXX.png` each time.
        pairs: For image-to-image models: `(sources, targets)` float arrays in [-1, 1]
            to show; default: `evaluation.example_pairs(model, ...)`, held-out pairs of the model's
            default dataset. Ignored for other models.
        captions: For text-to-image models: held-out captioned images `(uint8 images,
            digits, thick)` for the grid's real column; default:
            `data.caption_arrays("test")`. Ignored for other models.

    Example:

    >>> import kerasgan, tempfile
    >>> model = kerasgan.create_model("dcgan", base_filters=8); model.compile()
    >>> _ = model.fit(kerasgan.data.load("digits", batch_size=16), epochs=1,
    ...               steps_per_epoch=1, verbose=0,
    ...               callbacks=[kerasgan.callbacks.TensorBoardImages(tempfile.mkdtemp())])
    """

    #: Most pairs an image-to-image grid shows.
    MAX_PAIRS = 16
    _TRIPLETS_PER_ROW = 4

    def __init__(self, log_dir, every_n_epochs=1, num_images=64, seed=0, png_dir=None,
                 pairs=None, captions=None):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.every_n_epochs = validation.check_positive_int("every_n_epochs", every_n_epochs)
        self.num_images = validation.check_positive_int("num_images", num_images)
        self.seed = seed
        self.png_dir = png_dir
        self._writer = None
        self._latents = None
        self._labels = None
        self._columns = None
        self._last_epoch = None
        self._last_written = None
        self.pairs = pairs
        self.captions = captions
        self._pairs = None
        self._custom = None

    def on_train_begin(self, logs=None):
        model = self.model
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "images"))
        grid = model.serving_spec().grid
        examples = None
        if getattr(model, "text_input", False):
            examples = (self.captions if self.captions is not None
                        else data.caption_arrays("test"))
        custom = (grid(self.num_images, self.seed, examples=examples) if grid is not None
                  else None)
        if custom is not None:
            self._custom = custom
            self._columns = custom["columns"]
            return
        if getattr(model, "image_input", False):
            count = min(self.num_images, self.MAX_PAIRS)
            sources, targets = (evaluation.example_pairs(model, count) if self.pairs is None
                                else (self.pairs[0][:count], self.pairs[1][:count]))
            self._pairs = (image_utils.fit_to_shape(sources, model.source_shape),
                           image_utils.fit_to_shape(targets, model.image_shape))
            self._columns = 3 * self._TRIPLETS_PER_ROW
            return
        self._latents = tf.random.stateless_normal(
            (self.num_images, model.latent_dim), seed=[int(self.seed), 1], alg="philox"
        )
        if model.num_classes:
            # One class per column, so each row shows every class once.
            self._columns = model.num_classes
            self._labels = tf.constant(np.arange(self.num_images) % model.num_classes, tf.int32)

    def samples(self):
        """The current samples from the fixed latents (translations of the fixed
        sources for image-to-image models), float32 in [-1, 1]."""
        if self._custom is not None:
            return self._custom["images"]()
        if self._pairs is not None:
            return self.model.translate(self._pairs[0])
        inputs = self.model.generator_inputs(self._latents, self._labels)
        return self.model.sampler(inputs, training=False).numpy()  # the EMA one if on

    def grid_images(self):
        """The images of the grid in order: the samples, or for image-to-image models
        (source, translation, target) triplets (`translation_triplets`)."""
        if self._custom is not None:
            return self._custom["images"]()
        if self._pairs is None:
            return self.samples()
        return translation_triplets(self.model, *self._pairs)

    def write(self, epoch):
        """Writes the grid for `epoch` (0-based) to TensorBoard, and to PNG if asked."""
        grid = image_utils.make_grid(self.grid_images(), columns=self._columns)
        with self._writer.as_default():
            tf.summary.image("samples", grid[None], step=epoch + 1)
            if self._custom is not None and self._custom.get("text"):
                tf.summary.text("captions", tf.constant(self._custom["text"]), step=epoch + 1)
        self._writer.flush()
        if self.png_dir:
            image_utils.write_png(os.path.join(self.png_dir, f"epoch_{epoch + 1:04d}.png"), grid)
        self._last_written = epoch

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.write(epoch)
        self._last_epoch = epoch

    def on_train_end(self, logs=None):
        if self._last_epoch is not None and self._last_written != self._last_epoch:
            self.write(self._last_epoch)
        if self._writer is not None:
            self._writer.flush()


def translation_triplets(model, sources, targets):
    """`[source, translation, target, source, ...]`: an image-to-image model's
    translations of `sources` between their inputs and targets, for a grid with a
    multiple of 3 columns. Sources are brought to the targets' shape. A model with a
    `grid_triplets(sources, targets)` method gives its own triplets instead (CycleGAN,
    whose unpaired targets are no translation's target).

    Args:
        model: A model with `translate` (`model.image_input`).
        sources: Float sources in [-1, 1], `[n, *model.source_shape]`.
        targets: Their float targets, `[n, *model.image_shape]`.

    Returns:
        float32 numpy array `[3 * n, *model.image_shape]` (`[6 * n, ...]` for CycleGAN:
        triplets of both domains).
    """
    if hasattr(model, "grid_triplets"):
        return np.asarray(model.grid_triplets(sources, targets), np.float32)
    translations = model.translate(sources)
    sources = image_utils.fit_to_shape(sources, translations.shape[1:])
    targets = np.asarray(targets, np.float32)
    return np.stack([sources, translations, targets], axis=1).reshape(
        (-1, *translations.shape[1:]))


class NonFiniteGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss or metric and remembers where.

    Unlike `keras.callbacks.TerminateOnNaN`, it watches every logged value (both
    players' losses, penalties, scores) and records the step, so the caller can report
    it, and `AtomicModelCheckpoint` / `BackupAndRestore` given this guard do not
    overwrite the last good state with the broken one.

    Attributes:
        failure: None, or a dict `{"step", "epoch", "metric", "value"}` once tripped.

    Example:

    >>> guard = NonFiniteGuard()
    >>> guard.failure is None
    True
    """

    def __init__(self):
        super().__init__()
        self.failure = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.failure is not None:
            return
        for name, value in sorted((logs or {}).items()):
            value = float(np.asarray(value))
            if not np.isfinite(value):
                step = int(np.asarray(self.model.g_optimizer.iterations))
                self.failure = {"step": step, "epoch": self._epoch + 1, "metric": name,
                                "value": value}
                self.model.stop_training = True
                return

    def message(self):
        """One line describing the failure, or None."""
        if self.failure is None:
            return None
        f = self.failure
        return (f"`{f['metric']}` became {f['value']} at step {f['step']} (epoch {f['epoch']}); "
                "training stopped")


class AtomicModelCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (`.keras`, optimizer state included) at each epoch end by
    writing a temporary file beside `filepath` and renaming it over the old one, so a
    kill at any moment leaves the previous checkpoint or the new one, never a torn file.

    Args:
        filepath: Where the checkpoint lives, ending in `.keras`.
        guard: An optional `NonFiniteGuard`; once it trips, nothing more is saved, so
            the last good checkpoint survives.
    """

    def __init__(self, filepath, guard=None):
        super().__init__()
        if not str(filepath).endswith(".keras"):
            raise ValueError(f"`filepath` must end in .keras. Received: filepath={filepath!r}")
        self.filepath = os.fspath(filepath)
        self.guard = guard

    def on_epoch_end(self, epoch, logs=None):
        if self.guard is not None and self.guard.failure is not None:
            return
        directory = os.path.dirname(os.path.abspath(self.filepath))
        os.makedirs(directory, exist_ok=True)
        temporary = os.path.join(directory, f".tmp-{os.getpid()}-" + os.path.basename(self.filepath))
        try:
            self.model.save(temporary)
            os.replace(temporary, self.filepath)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` that keeps the last good backup.

    Re-running the same `fit` after a crash (even SIGKILL) resumes from the last
    completed epoch: weights, both optimizers' state and step counters, the noise
    seed state and the label-smoothing variable are all model variables, so they are
    in the backup. The previous backup is kept as well (`double_checkpoint`), in case
    the kill tore the newest one. Once `guard` trips on a non-finite loss, the
    backup is neither updated nor deleted at the end of training.

    Args:
        backup_dir: Directory of the backup.
        guard: An optional `NonFiniteGuard`.
        delete_checkpoint: Delete the backup when training ends (Keras's default).
            `scripts/train.py` keeps it (False), so that a finished run can later be
            continued to more epochs.
    """

    def __init__(self, backup_dir, guard=None, delete_checkpoint=True):
        super().__init__(backup_dir, double_checkpoint=True,
                         delete_checkpoint=delete_checkpoint)
        self.guard = guard

    @staticmethod
    def saved_epoch(backup_dir):
        """The number of epochs the backup in `backup_dir` holds (where a resumed
        `fit` starts, 0-based), or None if there is no backup.

        >>> BackupAndRestore.saved_epoch("/nonexistent") is None
        True
        """
        for name in ("training_metadata.json", "training_metadata.json.bkp"):
            try:
                with open(os.path.join(backup_dir, name)) as file:
                    return int(json.load(file)["epoch"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return None

    def _tripped(self):
        return self.guard is not None and self.guard.failure is not None

    def on_epoch_end(self, epoch, logs=None):
        if not self._tripped():
            super().on_epoch_end(epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        if not self._tripped():
            super().on_train_batch_end(batch, logs)

    def on_train_end(self, logs=None):
        if not self._tripped():
            super().on_train_end(logs)


class EvaluationCallback(keras.callbacks.Callback):
    """Measures sample quality during `fit`: Frechet distance, KID, precision/recall, modes.

    Every `every_n_epochs` epochs, and after the last one, generates `num_samples`
    images from fixed latents (`model.generate(num_samples, seed=seed)`; conditional
    models get the classes in turn), compares them with `real_images` through
    `kerasgan.evaluation.evaluate`, and adds the metrics to the epoch's logs with
    `prefix`: `eval_frechet_distance`, `eval_precision`, ... They land in
    `history.history` (one entry per evaluated epoch) and in the logs that callbacks
    after this one see. With `log_dir`, they are also written as scalars to their own
    writer under `log_dir/eval`, at step `epoch` (0-based) like the epoch scalars of
    `keras.callbacks.TensorBoard(log_dir)`, so both share one time axis.

    The real images' features are computed once, at the first evaluation.

    Args:
        real_images: Real images, uint8 in [0, 255] or float in [-1, 1], NHWC (an
            array or a `tf.data.Dataset`), or their `evaluation.FeatureStatistics`.
        every_n_epochs: Evaluate every this many epochs (and after the last epoch).
        num_samples: Generated images per evaluation.
        features: Feature network, as for `evaluation.evaluate` (`"digits"` default).
        log_dir: TensorBoard log directory; None writes no summaries.
        seed: Seed of the fixed latents (and of the metrics' subsets).
        prefix: Prefix of the log keys and summary tags.
        batch_size: Images per generator and feature-network call.
        **evaluate_kwargs: More `evaluation.evaluate` arguments, e.g. `k`, `kid_subsets`.

    Example:

    >>> import kerasgan
    >>> real, _ = kerasgan.data.load_arrays("digits", "test", limit=64)
    >>> model = kerasgan.create_model("dcgan", base_filters=8); model.compile()
    >>> history = model.fit(kerasgan.data.load("digits", batch_size=16), epochs=1,
    ...                     steps_per_epoch=1, verbose=0,
    ...                     callbacks=[EvaluationCallback(real, num_samples=32)])
    >>> history.history["eval_modes_covered"][0] <= 10
    True

    Reference:
        Heusel et al., 2017, https://arxiv.org/abs/1706.08500 (Frechet distance);
        Binkowski et al., 2018, https://arxiv.org/abs/1801.01401 (KID);
        Kynkaanniemi et al., 2019, https://arxiv.org/abs/1904.06991 (precision/recall)
    """

    def __init__(self, real_images, every_n_epochs=1, num_samples=1000, features="digits",
                 log_dir=None, seed=0, prefix="eval_", batch_size=128, **evaluate_kwargs):
        super().__init__()
        self.every_n_epochs = validation.check_positive_int("every_n_epochs", every_n_epochs)
        self.num_samples = validation.check_positive_int("num_samples", num_samples)
        self.batch_size = validation.check_positive_int("batch_size", batch_size)
        self.extractor = evaluation.feature_extractor(features)
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.seed = int(seed)
        self.prefix = prefix
        self.evaluate_kwargs = evaluate_kwargs
        self.last_metrics = None
        if isinstance(real_images, evaluation.FeatureStatistics):
            self._real = real_images
        else:
            if not isinstance(real_images, tf.data.Dataset):
                # Checked now, not at the end of the first epoch.
                real_images = evaluation.check_images("real_images", real_images)
            self._real = None
        self._real_images = real_images
        self._writer = None

    def real_statistics(self):
        """The real images' `FeatureStatistics`, computed on first use."""
        if self._real is None:
            self._real = evaluation.compute_statistics(
                self._real_images, self.extractor, self.batch_size, seed=self.seed + 1,
                name="real_images")
        return self._real

    def evaluate(self):
        """Generates `num_samples` images from the fixed latents and returns the metrics."""
        images = self.model.generate(self.num_samples, seed=self.seed, batch_size=self.batch_size)
        self.last_metrics = evaluation.evaluate(
            images, self.real_statistics(), self.extractor, batch_size=self.batch_size,
            seed=self.seed, **self.evaluate_kwargs)
        return self.last_metrics

    def on_epoch_end(self, epoch, logs=None):
        last_epoch = (self.params or {}).get("epochs")
        if (epoch + 1) % self.every_n_epochs and epoch + 1 != last_epoch:
            return
        metrics = {self.prefix + name: value for name, value in self.evaluate().items()}
        if logs is not None:
            logs.update(metrics)
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "eval"))
            with self._writer.as_default():
                for name, value in metrics.items():
                    tf.summary.scalar(name, value, step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()
