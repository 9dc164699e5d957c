"""Shared test setup: quiet TF logs, two logical CPUs for strategy tests, tiny models."""

import glob
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# jit_compile="auto" means XLA, which costs 10-20 s of compiling per model: far more
# than the suite's few-step runs. Subprocesses (the CLI tests) inherit this too.
os.environ.setdefault("KERASGAN_AUTO_JIT", "0")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Split the CPU into two logical devices before TF initializes its runtime, so
# MirroredStrategy tests can run two replicas in this process.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

import kerasgan  # noqa: E402
from kerasgan.registry import model_defaults  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Seconds a test waits for a script it runs (train.py, bench.py, ...): a guard against a
# hung process, not a speed check. On a loaded 2-core CI machine, with the other test
# process busy, a smoke run that takes 40 s alone can take several minutes.
SUBPROCESS_TIMEOUT = 1200
LATENT_DIM = 8


def tiny_kwargs(name):
    """Overrides that make any registered model test-sized, read from its signature."""
    defaults = model_defaults(name)
    kwargs = {"latent_dim": LATENT_DIM, "seed": 0}
    if "base_filters" in defaults:
        kwargs["base_filters"] = 4
    if "hidden_units" in defaults:
        kwargs["hidden_units"] = ((16,), (16,))
    if "num_residual_blocks" in defaults:
        kwargs["num_residual_blocks"] = 1  # SRGAN's residual trunk
    if "mapping_layers" in defaults:
        kwargs["mapping_layers"] = 2  # StyleGAN's 8-layer mapping network
    if defaults.get("n_critic", 1) > 2:
        kwargs["n_critic"] = 2  # WGAN's 5 critic steps per step: the slowest tests
    return {key: value for key, value in kwargs.items() if key in defaults}


def tiny_model(name, **overrides):
    return kerasgan.create_model(name, **{**tiny_kwargs(name), **overrides})


@pytest.fixture(scope="session")
def digits_batches():
    """Two fixed batches of 8 digits with labels, as numpy arrays."""
    images, labels = kerasgan.data.load_arrays("digits", "train", limit=16)
    return images, labels


def training_arrays(model, digits_batches):
    """What the generic tests train `model` on, as a pair of arrays for `fixed_dataset`:
    the 16 digits with their labels, or for image-to-image models (`model.image_input`)
    16 `(source, target)` pairs of the model's default dataset."""
    if model.image_input:
        return model.example_pairs(len(digits_batches[0]), split="train")
    return digits_batches


def fixed_dataset(images, labels, batch_size=8):
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size).repeat()


@pytest.fixture(scope="session")
def mirrored():
    """The one MirroredStrategy of the test process, over the two logical CPUs.

    Separate MirroredStrategy objects in one process reuse collective instance keys,
    and the second one's all-reduce aborts with "Shape mismatch in the collective
    instance": every test module must share this one.
    """
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def image_summaries(log_dir):
    """Every image summary under `log_dir/images` (what `TensorBoardImages` writes), as
    `(step, tag, tensor)` tuples."""
    found = []
    for path in glob.glob(os.path.join(log_dir, "images", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "images":
                    found.append((event.step, value.tag, tf.make_ndarray(value.tensor)))
    return found
