"""Training callbacks for `AdversarialModel.fit`."""

import os

import keras
import numpy as np
import tensorflow as tf

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
    The summary `samples` goes to its own writer under `log_dir/images`, beside the
    `train` folder `keras.callbacks.TensorBoard(log_dir)` writes.

    Args:
        log_dir: TensorBoard log directory (the one given to `keras.callbacks.TensorBoard`).
        every_n_epochs: Write every this many epochs (and after the last epoch).
        num_images: Samples in the grid.
        seed: Seed of the fixed latents.
        png_dir: If set, also writes `png_dir/epoch_XXXX.png` each time.

    Example:

    >>> import kerasgan, tempfile
    >>> model = kerasgan.create_model("dcgan", base_filters=8); model.compile()
    >>> _ = model.fit(kerasgan.data.load("digits", batch_size=16), epochs=1,
    ...               steps_per_epoch=1, verbose=0,
    ...               callbacks=[kerasgan.callbacks.TensorBoardImages(tempfile.mkdtemp())])
    """

    def __init__(self, log_dir, every_n_epochs=1, num_images=64, seed=0, png_dir=None):
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

    def on_train_begin(self, logs=None):
        model = self.model
        self._latents = tf.random.stateless_normal(
            (self.num_images, model.latent_dim), seed=[int(self.seed), 1]
        )
        if model.num_classes:
            # One class per column, so each row shows every class once.
            self._columns = model.num_classes
            self._labels = tf.constant(np.arange(self.num_images) % model.num_classes, tf.int32)
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "images"))

    def samples(self):
        """The current samples from the fixed latents, float32 in [-1, 1]."""
        inputs = self.model.generator_inputs(self._latents, self._labels)
        return self.model.generator(inputs, training=False).numpy()

    def write(self, epoch):
        """Writes the grid for `epoch` (0-based) to TensorBoard, and to PNG if asked."""
        grid = image_utils.make_grid(self.samples(), columns=self._columns)
        with self._writer.as_default():
            tf.summary.image("samples", grid[None], step=epoch + 1)
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
