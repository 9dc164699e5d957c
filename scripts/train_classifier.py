r"""Trains the small CNN classifier that `kerasgan.evaluation` uses as its feature network.

The classifier shipped in the package (`kerasgan/assets/digits_classifier.keras`) was
made with:

    python scripts/train_classifier.py --dataset=digits --epochs=40 --seed=0

It reaches 99.4% accuracy on the 360 images of the digits test split (2-core CPU, about
a minute). Its layer `features` (64 ReLU units) gives the feature vectors for the Frechet
and kernel distances and precision/recall; its output `logits` (one per class) gives the
class probabilities for the classifier score and mode coverage.

A feature network for another dataset, for users with its data (`--data_dir`), then
used as `kerasgan.evaluation.evaluate(..., features="mnist_classifier.keras")` or
`scripts/evaluate.py --features=mnist_classifier.keras`:

    python scripts/train_classifier.py --dataset=mnist --epochs=5 --out=mnist_classifier.keras
"""

import os
import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset", "digits", "'digits' (embedded) or a tfds name, e.g. mnist.")
flags.DEFINE_string("data_dir", None, "tfds data directory.")
flags.DEFINE_string("test_split", "test", "Split the accuracy is measured on.")
flags.DEFINE_integer("image_size", 32, "Image side the classifier takes (the GANs' 32).")
flags.DEFINE_integer("epochs", 40, "Epochs to train.")
flags.DEFINE_integer("batch_size", 64, "Images per step.")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate.")
flags.DEFINE_integer("seed", 0, "Random seed (weights, shuffling, augmentation).")
flags.DEFINE_string("out", None, "Output .keras file; default: "
                    "kerasgan/assets/digits_classifier.keras for digits, else "
                    "<dataset>_classifier.keras.")

_SHIFT = 2  # pixels of random translation: GAN samples are less well centred than the data


def build_classifier(image_shape, num_classes, seed=0):
    """The feature network: three conv blocks, a 64-unit `features` layer, `logits`.

    Small on purpose (about 90k weights, under 400 KB saved): it only has to separate
    the classes of 32x32 images, and every evaluation runs it on all samples.
    """
    import keras

    initializer = keras.initializers.GlorotUniform(seed=seed)
    images = keras.Input(image_shape, name="images")
    x = images
    for filters in (16, 32, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                kernel_initializer=initializer)(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3, seed=seed)(x)
    features = keras.layers.Dense(64, activation="relu", kernel_initializer=initializer,
                                  name="features")(x)
    x = keras.layers.Dropout(0.3, seed=seed)(features)
    logits = keras.layers.Dense(num_classes, kernel_initializer=initializer, name="logits")(x)
    return keras.Model(images, logits, name=f"classifier_{num_classes}")


def _augment(seed):
    import tensorflow as tf

    def shift(images, labels):
        # Pad with the background value (-1) and crop back: a random shift of up to
        # _SHIFT pixels per batch, so the features do not hinge on exact centring.
        size = tf.shape(images)[1:3]
        padded = tf.pad(images, [[0, 0], [_SHIFT, _SHIFT], [_SHIFT, _SHIFT], [0, 0]],
                        constant_values=-1.0)
        offsets = tf.random.uniform([2], 0, 2 * _SHIFT + 1, dtype=tf.int32, seed=seed)
        images = tf.slice(padded, [0, offsets[0], offsets[1], 0],
                          [-1, size[0], size[1], -1])
        return images, labels

    return shift


def main(argv):
    _cli.start(argv)
    import keras
    import tensorflow as tf

    from kerasgan import data, validation

    out = FLAGS.out or (
        os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "kerasgan", "assets", "digits_classifier.keras")
        if FLAGS.dataset == "digits" else f"{FLAGS.dataset}_classifier.keras"
    )
    try:
        for key in ("epochs", "batch_size", "image_size"):
            validation.check_positive_int(key, getattr(FLAGS, key))
        if not out.endswith(".keras"):
            raise ValueError(f"`out` must be a .keras file. Received: out={out!r}")
        info = data.info(FLAGS.dataset, FLAGS.data_dir)
        if info.num_classes is None:
            raise ValueError(f"Dataset {FLAGS.dataset!r} has no class labels to train on.")
        keras.utils.set_random_seed(FLAGS.seed)
        # Same seed, same file: multi-threaded CPU kernels otherwise sum in varying order.
        tf.config.experimental.enable_op_determinism()
        channels = info.image_shape[-1]
        train = data.load(FLAGS.dataset, "train", image_size=FLAGS.image_size,
                          batch_size=FLAGS.batch_size, channels=channels, seed=FLAGS.seed,
                          drop_remainder=False, data_dir=FLAGS.data_dir)
        test_images, test_labels = data.load_arrays(FLAGS.dataset, FLAGS.test_split,
                                                    image_size=FLAGS.image_size,
                                                    channels=channels, data_dir=FLAGS.data_dir)
    except (ValueError, FileNotFoundError) as error:
        sys.exit(f"train_classifier.py: error: {error}")

    train = train.map(_augment(FLAGS.seed), num_parallel_calls=tf.data.AUTOTUNE)
    model = build_classifier((FLAGS.image_size, FLAGS.image_size, channels), info.num_classes,
                             FLAGS.seed)
    model.compile(optimizer=keras.optimizers.Adam(FLAGS.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(train, epochs=FLAGS.epochs, verbose=2)
    logits = model.predict(test_images, batch_size=256, verbose=0)
    accuracy = float((logits.argmax(-1) == test_labels).mean())

    # Saved from an uncompiled copy: a `.keras` file keeps a compiled model's optimizer
    # state, which would more than double the file for nothing (it is not a checkpoint).
    shipped = build_classifier(model.input_shape[1:], info.num_classes)
    shipped.set_weights(model.get_weights())
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    shipped.save(out)
    print(f"Test accuracy on {FLAGS.dataset}/{FLAGS.test_split} ({len(test_labels)} images): "
          f"{accuracy:.4f}")
    print(f"Saved {out} ({os.path.getsize(out) / 1024:.0f} KiB)")


if __name__ == "__main__":
    app.run(main)
