"""What every script's `main(argv)` does first, before TensorFlow is imported."""

import os

from absl import app, flags, logging


def start(argv, verbosity=logging.WARNING):
    """Rejects stray positional arguments and quiets TensorFlow's start-up logs.

    Sets `TF_CPP_MIN_LOG_LEVEL=2` (unless the user set it) and absl's verbosity to
    `verbosity` (unless `--verbosity` was given): TF's SavedModel writer and profiler
    log at INFO. Must run before TensorFlow is imported to take effect.

    Raises:
        app.UsageError: if `argv` has arguments besides the program name.
    """
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(verbosity)
