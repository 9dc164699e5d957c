"""Shared test setup: quiet TF logs, two logical CPUs for strategy tests, tiny models."""

import dataclasses
import glob
import os
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# jit_compile="auto" means XLA, which costs 10-20 s of compiling per model: far more
# than the suite's few-step runs. Subprocesses (the CLI tests) inherit this too.
os.environ.setdefault("KERASGAN_AUTO_JIT", "0")

import numpy as np  # noqa: E402
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


def _held_out_pairs(model, count, split="test"):
    """`count` (source, target) pairs of an image-to-image model's default dataset."""
    return kerasgan.evaluation.example_pairs(model, count, split=split)


def _latents(count):
    return np.random.default_rng(0).standard_normal((count, LATENT_DIM)).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class InputKind:
    """What the generic tests feed a model and expect of it, by what its generator
    takes. A model declares its kind (`image_input`); a new variant of an existing
    kind needs no test edits.

    Attributes:
        name: "latents" or "images".
        training_arrays: `(model, digits_batches) -> (x, y)` for `fixed_dataset`.
        samples: `(model, count, seed) -> float images`, deterministic in `seed`.
        generator_inputs: `(model, count) -> fixed generator inputs`.
        output_shape: `model -> the generator's image shape`.
        generate_error: `model -> match of the ValueError of model.generate(..,
            labels=..)`, or None where labels are accepted (class-conditional models).
        discriminator_ranks: Ranks the first discriminator output may have (one
            logit per image, or per patch).
        batch_shapes: `model -> the shapes (batch axis left out) of the leading
            elements of a training batch`: images (labels, if any, follow them), or
            sources and targets.
    """

    name: str
    training_arrays: Callable
    samples: Callable
    generator_inputs: Callable
    output_shape: Callable
    generate_error: Callable
    discriminator_ranks: tuple
    batch_shapes: Callable


INPUT_KINDS = {
    # Latents `z` (and a class label, or its caption's embedding): the digits and labels.
    "latents": InputKind(
        name="latents",
        training_arrays=lambda model, digits: digits,
        samples=lambda model, count, seed: model.generate(count, seed=seed),
        generator_inputs=lambda model, count: model.generator_inputs(
            _latents(count), np.arange(count, dtype=np.int32)),
        output_shape=lambda model: (32, 32, 1),
        generate_error=lambda model: None if model.num_classes else "unconditional",
        discriminator_ranks=(2,),
        batch_shapes=lambda model: (model.image_shape,),
    ),
    # Source images and no latents: held-out pairs of the model's default dataset, at its
    # shapes (SRGAN: 96x96x3 from 24x24x3); the seed picks which sources.
    "images": InputKind(
        name="images",
        training_arrays=lambda model, digits: _held_out_pairs(model, len(digits[0]), "train"),
        samples=lambda model, count, seed: model.translate(
            _held_out_pairs(model, count + seed)[0][seed:]),
        generator_inputs=lambda model, count: _held_out_pairs(model, count)[0],
        output_shape=lambda model: model.image_shape,
        generate_error=lambda model: "translate",
        discriminator_ranks=(2, 4),  # one logit per image, or per patch (PatchGAN)
        batch_shapes=lambda model: (model.source_shape, model.image_shape),
    ),
}


def input_kind(model):
    """The `InputKind` of `model`: "images" for image-to-image models (`image_input`)."""
    return INPUT_KINDS["images" if model.image_input else "latents"]


def check_batch_shapes(model, batch):
    """Asserts that a training batch (a tensor or a tuple) has `model`'s shapes."""
    batch = batch if isinstance(batch, tuple) else (batch,)
    shapes = input_kind(model).batch_shapes(model)
    assert [tuple(t.shape[1:]) for t in batch[:len(shapes)]] == [tuple(s) for s in shapes]


def training_arrays(model, digits_batches):
    """What the generic tests train `model` on, as a pair of arrays for `fixed_dataset`:
    the 16 digits with their labels, or 16 `(source, target)` pairs."""
    return input_kind(model).training_arrays(model, digits_batches)


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
