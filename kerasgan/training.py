"""Training runs from a config dict: the engine behind `scripts/train.py` and the zoo.

A config (what a recipe's `get_config()` returns, or what command-line flags give):

```python
{
    "model": "dcgan",                 # registry name
    "model_kwargs": {"base_filters": 64},
    "dataset": None,                  # "digits", a tfds name, or a pair dataset for
                                      # image-to-image models; None: the model's default
    "image_size": None,               # None: the model's default side
    "epochs": 25,
    "steps_per_epoch": None,          # None: one pass over the train split
    "batch_size": 64,
    "label_smoothing": 0.0,           # one-sided; 0 disables the callback
    "d_learning_rate": None,          # None: the variant's default optimizer as is
    "g_learning_rate": None,
    "seed": 0,
    "deterministic": False,           # TF op determinism: bit-identical reruns
    "data_dir": None,                 # tfds data directory
    "distribute": "none",             # "none", "mirrored", "multi_worker", "tpu"
    "mixed_precision": None,          # None (float32), "mixed_float16", "mixed_bfloat16"
    "steps_per_execution": "auto",    # train steps per tf.function call; "auto": see below
    "jit_compile": "auto",            # XLA: True, False, or "auto" (see JIT_COMPILE)
}
```

Example:

>>> from kerasgan import training
>>> config = training.resolve_config({"model": "dcgan", "epochs": 1, "steps_per_epoch": 1,
...                                   "batch_size": 8, "model_kwargs": {"base_filters": 8}})
>>> import tempfile; result = training.train(config, workdir=tempfile.mkdtemp(), verbose=0)
>>> sorted(result.final_logs)[:2]
['d_loss', 'fake_score']
"""

import contextlib
import dataclasses
import fcntl
import importlib.util
import json
import os
import shutil
import time
import warnings

import keras
import tensorflow as tf

from kerasgan import callbacks as gan_callbacks
from kerasgan import data, distribute, validation
from kerasgan.io_utils import atomic_write_bytes
from kerasgan.registry import create_model, default_dataset, model_defaults

DEFAULTS = {
    "model": None,
    "model_kwargs": {},
    "dataset": None,  # None: the model's registered default dataset ("digits" for most)
    "image_size": None,
    "epochs": 1,
    "steps_per_epoch": None,
    "batch_size": 64,
    "label_smoothing": 0.0,
    "d_learning_rate": None,
    "g_learning_rate": None,
    "seed": 0,
    "deterministic": False,
    "data_dir": None,
    "distribute": "none",
    "mixed_precision": None,
    "steps_per_execution": "auto",
    "jit_compile": "auto",
}

#: The most train steps per `tf.function` call `steps_per_execution="auto"` takes on
#: one replica. On this project's 2-core CPU 8 steps per call made DCGAN's `fit` about
#: 1.2x faster than one step per call (docs/performance.md). The callbacks see the
#: logs every few steps: sample grids, checkpoints and backups are per epoch anyway,
#: and the non-finite guard still catches a NaN (the epoch's running means turn NaN),
#: a few steps late. Under multi-replica strategies "auto" is 1 (a Keras 3.15 bug).
AUTO_STEPS_PER_EXECUTION = 8


def auto_steps_per_execution(steps_per_epoch=None, num_replicas=1):
    """What `steps_per_execution="auto"` resolves to: `AUTO_STEPS_PER_EXECUTION` on one
    replica, 1 on several. With a known number of steps per epoch (`steps_per_epoch`,
    or the batches of one pass over a finite dataset, as `train` passes it), the
    largest divisor of it up to that. Keras 3.15 counts whole executions: 8 steps per
    call with `steps_per_epoch=3` trains 8 steps per epoch, not 3, and over a 22-batch
    pass (the digits recipe) it trains the 22 but counts 24, so its progress bar
    shows `24/22`.

    >>> auto_steps_per_execution(None), auto_steps_per_execution(3), auto_steps_per_execution(20)
    (8, 3, 5)
    """
    if num_replicas > 1:
        return 1
    if steps_per_epoch is None:
        return AUTO_STEPS_PER_EXECUTION
    return max(d for d in range(1, AUTO_STEPS_PER_EXECUTION + 1) if steps_per_epoch % d == 0)

MIXED_PRECISION_POLICIES = ("mixed_float16", "mixed_bfloat16")


def load_recipe(path, smoke=False):
    """Reads `get_config(smoke)` from a recipe file such as `zoo/dcgan_digits.py`.

    Raises:
        ValueError: if the file does not exist or defines no `get_config`.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"Recipe file not found. Received: recipe={path!r}")
    spec = importlib.util.spec_from_file_location(
        "kerasgan_recipe_" + os.path.splitext(os.path.basename(path))[0], path
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "get_config"):
        raise ValueError(f"Recipe {path!r} has no get_config() function.")
    config = dict(module.get_config(smoke=smoke))
    config.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    config.setdefault("recipe", path)
    return config


def derive_recipe(base, name, smoke=False, model_kwargs=None, **overrides):
    """A recipe built on another: `base`'s config (a recipe file's path) with
    `model_kwargs` merged into its `model_kwargs`, `overrides` replacing other keys,
    and the run named `name`. The trick recipes in `zoo/tricks/` are one call each.
    """
    config = load_recipe(base, smoke=smoke)
    config.pop("recipe")
    config["name"] = name
    config["model_kwargs"] = {**config.get("model_kwargs", {}), **(model_kwargs or {})}
    config.update(overrides)
    return config


def resolve_config(config):
    """Fills defaults into `config` and validates every value.

    Returns:
        A new dict with every key of `DEFAULTS` plus `name` (the run name).

    Raises:
        ValueError: naming the first bad key or value.
    """
    unknown = set(config) - set(DEFAULTS) - {"name", "recipe"}
    if unknown:
        raise ValueError(
            f"Unknown config key(s): {', '.join(sorted(unknown))}. "
            f"Known keys: {', '.join(sorted(DEFAULTS))}."
        )
    resolved = {**DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
    if not resolved["model"]:
        raise ValueError("No model given: pass --model=NAME or --recipe=zoo/FILE.py.")
    model_defaults(resolved["model"])  # raises for an unknown model, with close matches
    if not resolved["dataset"]:
        resolved["dataset"] = default_dataset(resolved["model"])
    for key in ("epochs", "batch_size"):
        validation.check_positive_int(key, resolved[key])
    for key in ("steps_per_epoch", "image_size"):
        if resolved[key] is not None:
            validation.check_positive_int(key, resolved[key])
    validation.check_fraction("label_smoothing", resolved["label_smoothing"])
    for key in ("d_learning_rate", "g_learning_rate"):
        value = resolved[key]
        if value is not None and not (isinstance(value, (int, float)) and value > 0):
            raise ValueError(f"`{key}` must be a positive number. Received: {key}={value!r}")
    if resolved["steps_per_execution"] != "auto":
        validation.check_positive_int("steps_per_execution", resolved["steps_per_execution"])
    validation.check_choice("distribute", resolved["distribute"], distribute.STRATEGIES)
    if resolved["mixed_precision"] in ("float32", "none"):
        resolved["mixed_precision"] = None
    if resolved["mixed_precision"] is not None:
        validation.check_choice("mixed_precision", resolved["mixed_precision"],
                                MIXED_PRECISION_POLICIES)
    jit = resolved["jit_compile"]
    if isinstance(jit, str) and jit.lower() in ("true", "false", "auto"):
        jit = {"true": True, "false": False, "auto": "auto"}[jit.lower()]
    if jit not in (True, False, "auto"):
        raise ValueError(
            f"`jit_compile` must be True, False or 'auto'. Received: jit_compile={jit!r}"
        )
    resolved["jit_compile"] = jit
    resolved.setdefault("name", f"{resolved['model']}_{data.short_name(resolved['dataset'])}")
    return resolved


#: Environment variable that makes `jit_compile="auto"` mean off (see below).
AUTO_JIT_ENV = "KERASGAN_AUTO_JIT"


def jit_compile_setting(value="auto"):
    """Resolves `jit_compile="auto"`, from measurements (docs/performance.md).

    XLA compiles the whole train step into fused kernels. On this project's 2-core
    CPU it made DCGAN's `fit` 1.5-2x faster on a quiet machine (`scripts/bench.py`
    measures it side by side), and on GPUs and TPUs it is the usual choice, so
    "auto" means on. Compiling costs 10-20 s per model on CPU, more than a run of a
    few steps takes: `KERASGAN_AUTO_JIT=0` in the environment makes "auto" mean off
    (the test suite sets it). Keras itself turns XLA off under strategies.
    """
    if value != "auto":
        return value
    return os.environ.get(AUTO_JIT_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


def float32_outputs(network):
    """Makes the layers that produce `network`'s outputs compute in float32.

    Under a mixed policy, the generator's images then leave (and the export serves
    them) as float32, and the discriminator's logits reach the losses as float32,
    where float16's sigmoid cross-entropy would saturate.
    """
    for output in network.outputs:
        layer = output._keras_history.operation
        layer.dtype_policy = "float32"
    return network


def image_side(config):
    """The side of the config's images: `image_size`, else the model's default."""
    image_shape = config["model_kwargs"].get("image_shape",
                                             model_defaults(config["model"])["image_shape"])
    return config["image_size"] or tuple(image_shape)[0]


def build_model(config):
    """Creates the config's model, shaped for the config's dataset.

    The image side comes from `image_size` (or the model's default), the channels and,
    for conditional models, `num_classes` from the dataset.

    Raises:
        ValueError: for an unknown dataset, or a conditional model on unlabeled data.
    """
    info = data.info(config["dataset"], config["data_dir"])
    defaults = model_defaults(config["model"])
    kwargs = dict(config["model_kwargs"])
    side = image_side(config)
    kwargs["image_shape"] = (side, side, info.image_shape[-1])
    if "num_classes" in defaults:
        if info.num_classes is None:
            raise ValueError(
                f"Model {config['model']!r} is class-conditional but dataset "
                f"{config['dataset']!r} has no class labels."
            )
        kwargs["num_classes"] = info.num_classes
    if config["seed"] is not None and "seed" in defaults:
        kwargs.setdefault("seed", config["seed"])
    model = create_model(config["model"], **kwargs)
    if model.image_input != (info.source_shape is not None):
        needs = ("pairs of images (kerasgan.data.load_pairs, e.g. 'digits_edges', or a "
                 "folder with A/ and B/ sub-folders)" if model.image_input
                 else "images (e.g. 'digits', a tfds image dataset or a folder of images)")
        raise ValueError(f"Model {config['model']!r} trains on {needs}. Received: "
                         f"dataset={config['dataset']!r}")
    if (model.image_input and info.paired is False
            and data.info(model.default_dataset).paired):
        # pix2pix and SRGAN learn each source's own target: unpaired domains would
        # train them on random (source, target) matches without a word.
        raise ValueError(
            f"Model {config['model']!r} trains on paired images (each source with its own "
            f"target) but dataset {config['dataset']!r} holds two unpaired domains (for a "
            f"folder: A/ and B/ share no file name). Give each pair the same file name in "
            f"A/ and B/, or train cyclegan.")
    if data.is_caption_dataset(config["dataset"]) and not model.text_input:
        raise ValueError(f"Dataset {config['dataset']!r} pairs images with captions, which "
                         f"only text-to-image models (text2image) take. Received: "
                         f"model={config['model']!r}")
    if config.get("mixed_precision"):
        for name in model.network_names:
            float32_outputs(getattr(model, name))
    return model


def float32_twin(model, config):
    """The model to export: `model` itself, or for a mixed-precision run a float32
    copy with the same weights.

    TFLite's builtin ops have no float16 convolutions or matmuls, and serving
    clients send and receive float32: the export computes in float32 throughout
    (its `.fp16.tflite` flavour still stores float16 weights).
    """
    if not config.get("mixed_precision"):
        return model
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        twin = build_model({**config, "mixed_precision": None})
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    for name in model.network_names:
        getattr(twin, name).set_weights(getattr(model, name).get_weights())
    return twin


def compile_model(model, config):
    """Compiles with the variant's default optimizers, at the config's learning rates,
    `steps_per_execution` and `jit_compile`.

    Call it inside the strategy's scope: the optimizers are created and built here.
    `steps_per_execution="auto"` resolves against the config's `steps_per_epoch` and
    the scope's replica count (see `auto_steps_per_execution`).
    """
    steps = config.get("steps_per_execution", 1)
    if steps == "auto":
        steps = auto_steps_per_execution(config.get("steps_per_epoch"),
                                         tf.distribute.get_strategy().num_replicas_in_sync)
    model.compile(steps_per_execution=steps,
                  jit_compile=jit_compile_setting(config.get("jit_compile", "auto")))
    for optimizer, key in ((model.d_optimizer, "d_learning_rate"),
                           (model.g_optimizer, "g_learning_rate")):
        if config[key] is not None and optimizer is not None:
            optimizer.learning_rate = config[key]
    return model


def training_dataset(config, model):
    """The config's train split, at the model's image size, repeated if steps are fixed:
    `(images, labels)` batches, `(sources, targets)` for a pair dataset, or
    `(images, {"tokens", "label"})` for a caption dataset (`data.load_captions`)."""
    if data.is_pair_dataset(config["dataset"]):
        return data.load_pairs(
            config["dataset"],
            "train",
            batch_size=config["batch_size"],
            image_size=model.image_shape[0],
            repeat=config["steps_per_epoch"] is not None,
            seed=config["seed"],
            data_dir=config["data_dir"],
        )
    return data.load(
        config["dataset"],
        "train",
        image_size=model.image_shape[:2],
        batch_size=config["batch_size"],
        channels=model.image_shape[-1],
        repeat=config["steps_per_epoch"] is not None,
        seed=config["seed"],
        data_dir=config["data_dir"],
    )


def workdir_paths(workdir):
    """Where a run writes: TensorBoard logs, sample PNGs, checkpoints, backups."""
    return {
        "logs": os.path.join(workdir, "logs"),
        "samples": os.path.join(workdir, "samples"),
        "checkpoint": os.path.join(workdir, "checkpoints", "last.keras"),
        "backup": os.path.join(workdir, "backup"),
    }


def training_callbacks(config, workdir):
    """TensorBoard scalars and image grids, PNG samples, an atomic `.keras` checkpoint,
    a resumable backup, and a guard that stops at the first non-finite loss without
    overwriting the last good checkpoint or backup."""
    paths = workdir_paths(workdir)
    guard = gan_callbacks.NonFiniteGuard()
    pairs = None
    if data.is_pair_dataset(config["dataset"]):
        # Image-to-image grids show held-out pairs of the dataset trained on.
        pairs = data.load_pair_arrays(config["dataset"], "test",
                                      limit=gan_callbacks.TensorBoardImages.MAX_PAIRS,
                                      image_size=image_side(config),
                                      data_dir=config["data_dir"])
    # Text-to-image grids show held-out captioned images beside the samples.
    captions = (data.caption_arrays("test") if data.is_caption_dataset(config["dataset"])
                else None)
    callbacks = [
        guard,
        keras.callbacks.TensorBoard(paths["logs"]),
        gan_callbacks.TensorBoardImages(paths["logs"], png_dir=paths["samples"], pairs=pairs,
                                        captions=captions),
        gan_callbacks.AtomicModelCheckpoint(paths["checkpoint"], guard=guard),
        # Kept at the end, so that a finished run can be continued (`train(extend=True)`).
        gan_callbacks.BackupAndRestore(paths["backup"], guard=guard, delete_checkpoint=False),
    ]
    if config["label_smoothing"]:
        callbacks.insert(0, gan_callbacks.LabelSmoothing(config["label_smoothing"]))
    return callbacks


class NonFiniteLossError(RuntimeError):
    """Training stopped at a NaN or Inf loss; the last good checkpoint was kept."""


@dataclasses.dataclass
class TrainResult:
    """What `train` returns."""

    model: keras.Model
    history: dict
    final_logs: dict
    train_seconds: float
    steps: int


@contextlib.contextmanager
def _precision_policy(config):
    """The config's mixed-precision policy as the global one, restored afterwards."""
    previous_policy = keras.mixed_precision.global_policy()
    if config.get("mixed_precision"):
        keras.mixed_precision.set_global_policy(config["mixed_precision"])
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)


def epoch_steps(dataset):
    """Batches in one pass over `dataset`, or None if infinite or unknown."""
    steps = int(dataset.cardinality())
    return steps if steps > 0 else None


def train(config, workdir, verbose=1, strategy=None, extend=False, on_fit_start=None):
    """Builds, compiles and fits the config's model, writing logs under `workdir`.

    The model and both optimizers are created inside the strategy's scope, under the
    config's mixed-precision policy (restored afterwards). In a multi-worker cluster
    every worker trains, but only the chief writes to `workdir`; the others write
    into a throwaway directory (`distribute.worker_dir`).

    An interrupted run in `workdir` (a backup, no `training.json`) is resumed from
    its backup. A finished run there (`training.json`) is trained again from scratch,
    or with `extend=True` continued from its backup to the config's `epochs`. The
    backup is kept when training ends, so a finished run can be extended.

    Args:
        config: A dict from `resolve_config`.
        workdir: Directory for TensorBoard logs, sample PNGs and checkpoints.
        verbose: `fit` verbosity; 1 shows the Keras progress bar.
        strategy: A `tf.distribute.Strategy` to use instead of creating the one the
            config's `distribute` names (one process can hold only one
            MirroredStrategy safely, so tests pass theirs).
        extend: Continue a finished run in `workdir` instead of starting over.
        on_fit_start: Called with the resolved config once the model, its optimizers
            and the dataset are ready, just before `fit` (`scripts/train.py` prints its
            banner there, after every config error could have been raised).

    Returns:
        A `TrainResult`.
    """
    if config["seed"] is not None:
        keras.utils.set_random_seed(config["seed"])
    if config["deterministic"]:
        # Same seed, same machine, same weights bit for bit (at some cost in speed).
        tf.config.experimental.enable_op_determinism()
    if strategy is None:
        strategy = distribute.get_strategy(config.get("distribute", "none"))
    with _precision_policy(config), strategy.scope():
        model = build_model(config)
    dataset = training_dataset(config, model)
    if config.get("steps_per_execution") == "auto":
        steps = config.get("steps_per_epoch") or epoch_steps(dataset)
        config = {**config, "steps_per_execution": auto_steps_per_execution(
            steps, strategy.num_replicas_in_sync)}
    if strategy.num_replicas_in_sync > 1 and config.get("steps_per_execution", 1) > 1:
        # Keras 3.15's multi-step loop fails under a multi-replica strategy ("You
        # must feed a value for placeholder tensor 'while/cond/Placeholder'"), even
        # for a plain Sequential model: run one step per call there.
        warnings.warn(f"steps_per_execution={config['steps_per_execution']} does not run "
                      "under a multi-replica strategy in Keras 3.15; using 1.")
        config = {**config, "steps_per_execution": 1}
    with _precision_policy(config), strategy.scope():
        model = compile_model(model, config)
    chief = distribute.is_chief(strategy)
    with distribute.worker_dir(workdir, strategy) as writable_dir:
        os.makedirs(writable_dir, exist_ok=True)
        stale = os.path.join(writable_dir, SUMMARY_FILE)
        if os.path.exists(stale):
            if not extend:
                # Train the finished run again from scratch, not from its kept backup.
                shutil.rmtree(workdir_paths(writable_dir)["backup"], ignore_errors=True)
            # A new run is under way: its checkpoints no longer match the old summary.
            os.remove(stale)
        atomic_write_bytes(os.path.join(writable_dir, RUN_FILE),
                           json.dumps(run_record(config), indent=2).encode())
        if on_fit_start is not None:
            on_fit_start(config)
        result, callbacks = _fit(model, config, dataset, writable_dir, verbose, strategy)
    guard = next(c for c in callbacks if isinstance(c, gan_callbacks.NonFiniteGuard))
    if guard.failure is not None:
        checkpoint = workdir_paths(workdir)["checkpoint"]
        kept = (f"the last good checkpoint {checkpoint} is kept" if os.path.exists(checkpoint)
                else "no epoch finished, so there is no checkpoint")
        raise NonFiniteLossError(f"{guard.message()}; {kept}.")
    if chief:
        atomic_write_bytes(os.path.join(workdir, SUMMARY_FILE),
                           json.dumps(training_summary(config, result), indent=2).encode())
    return result


def _fit(model, config, dataset, workdir, verbose, strategy):
    callbacks = training_callbacks(config, workdir)
    scope = contextlib.nullcontext()
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        # Keras 3.15's `fit` first reduces one `(images, labels)` batch with
        # `strategy.reduce`, which takes no nested values under this strategy
        # ("Attempt to convert a value (PerReplica...)"). That symbolic build is
        # skipped for models not bound to a strategy; the model is built and its
        # optimizers too, so fit inside the scope instead, which Keras then uses.
        model._distribute_strategy = None
        scope = strategy.scope()
        # It also averages the logs across workers with `reduce("MEAN", axis=0)`,
        # which fails on scalars: hand it each log as a vector of one.
        train_step = model.train_step
        model.train_step = lambda data: {key: tf.reshape(value, [1])
                                         for key, value in train_step(data).items()}
    start = time.perf_counter()
    with scope:
        history = model.fit(
            dataset,
            epochs=config["epochs"],
            steps_per_epoch=config["steps_per_epoch"],
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,  # the dataset shuffles itself; Keras warns otherwise
        )
    seconds = time.perf_counter() - start
    final = {key: float(values[-1]) for key, values in history.history.items() if values}
    result = TrainResult(model, history.history, final, seconds,
                         int(model.g_optimizer.iterations.numpy()))
    return result, callbacks


SUMMARY_FILE = "training.json"


def training_summary(config, result):
    """What a run did, for model cards and results tables: the config, total generator
    steps (restored ones included after a resume), this process's training seconds and
    the final epoch's logs."""
    return {
        "recipe": config.get("recipe"),
        "config": {key: value for key, value in config.items()
                   if key not in ("model_kwargs", "recipe")},
        "model_kwargs": config["model_kwargs"],
        "steps": result.steps,
        "train_seconds": round(result.train_seconds, 1),
        "final_logs": result.final_logs,
    }


def load_training_summary(workdir):
    """The `training.json` a finished run left in `workdir`, or None."""
    path = os.path.join(workdir, SUMMARY_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as file:
        return json.load(file)


# Runs in a workdir: what is there, starting over, one process at a time -------------

#: What a run is about to train, written to its workdir when training starts (the same
#: fields as `training.json`, which appears only when it finishes).
RUN_FILE = "run.json"

#: Config keys that say how a run executes, not what it trains: a run resumed or
#: continued with other values of these is still the same run.
RUNTIME_KEYS = ("epochs", "steps_per_execution", "jit_compile", "distribute",
                "mixed_precision", "deterministic", "data_dir", "recipe", "name")


def run_record(config):
    """The `run.json` of a run of `config`: its config as `training_summary` gives it."""
    return {"recipe": config.get("recipe"),
            "config": {key: value for key, value in config.items()
                       if key not in ("model_kwargs", "recipe")},
            "model_kwargs": config["model_kwargs"]}


def run_settings(record):
    """What a run trains, from its `run_record` or `training_summary`: the config
    without `RUNTIME_KEYS`, JSON-normalized (tuples become lists), keys missing from an
    older record at their `DEFAULTS`."""
    settings = {**DEFAULTS, **record.get("config", {}),
                "model_kwargs": record.get("model_kwargs", {})}
    settings = {k: v for k, v in settings.items() if k not in RUNTIME_KEYS}
    return json.loads(json.dumps(settings, sort_keys=True, default=str))


def _read_json(path):
    try:
        with open(path) as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


@dataclasses.dataclass
class RunStatus:
    """What `run_status` found in a workdir.

    Attributes:
        state: `"new"` (nothing to resume), `"resume"` (an interrupted run, resumed
            from its backup), `"finished"` (a finished run of at least the epochs
            asked for), `"extend"` (a finished run of fewer epochs, continued from
            its backup; `backup_epoch` None if it has none), `"ahead"` (an
            interrupted run whose backup is past the epochs asked for) or `"other"`
            (a run of other settings: see `differences`).
        epochs: Epochs the config asks for.
        done_epochs: Epochs of the finished run, or of the backup; None for "new".
        planned_epochs: Epochs the run in the workdir was started for, if known.
        backup_epoch: Epochs the backup holds, or None without a backup.
        differences: For "other": `(key, value there, value now)` tuples.
    """

    state: str
    epochs: int
    done_epochs: int | None = None
    planned_epochs: int | None = None
    backup_epoch: int | None = None
    differences: list = dataclasses.field(default_factory=list)


def run_status(config, workdir):
    """Compares the run in `workdir` (its `training.json`, `run.json` and backup)
    with what `config` asks for. Reads files only.

    Returns:
        A `RunStatus`.
    """
    summary = load_training_summary(workdir) if os.path.isdir(workdir) else None
    record = summary or _read_json(os.path.join(workdir, RUN_FILE))
    backup = gan_callbacks.BackupAndRestore.saved_epoch(workdir_paths(workdir)["backup"])
    epochs = config["epochs"]
    planned = (record or {}).get("config", {}).get("epochs")
    status = RunStatus("new", epochs, planned_epochs=planned, backup_epoch=backup)
    if summary is None and not backup:
        return status  # nothing trained there yet (or not even one epoch): nothing to keep
    if record is not None:
        theirs, ours = run_settings(record), run_settings(run_record(config))
        status.differences = [(key, theirs.get(key), ours.get(key))
                              for key in sorted(set(theirs) | set(ours))
                              if theirs.get(key) != ours.get(key)]
        if status.differences:
            status.state = "other"
            return status
    if summary is not None:
        status.done_epochs = planned
        status.state = "finished" if epochs <= planned else "extend"
    elif backup:
        status.done_epochs = backup
        status.state = "resume" if backup < epochs else "ahead"
    return status


#: What a run writes in its workdir (besides the lock file): `clear_run` removes these.
RUN_OUTPUTS = ("logs", "samples", "checkpoints", "backup", "export", SUMMARY_FILE, RUN_FILE)


def clear_run(workdir):
    """Removes the outputs of a previous run from `workdir` (`RUN_OUTPUTS`: logs,
    samples, checkpoints, backup, the default export directory and the run files);
    anything else there is left alone.

    Returns:
        The paths removed.
    """
    removed = []
    for name in RUN_OUTPUTS:
        path = os.path.join(workdir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
        else:
            continue
        removed.append(path)
    return removed


LOCK_FILE = ".lock"


class WorkdirBusyError(RuntimeError):
    """Another process holds the workdir's lock."""


@contextlib.contextmanager
def workdir_lock(workdir):
    """Holds an exclusive lock on `workdir` (creating it) while the block runs.

    The lock is `fcntl.flock` on `workdir/.lock`, which holds the owner's PID: the
    kernel drops it when the process exits, however it exits, so a killed run never
    leaves a stale lock behind.

    Raises:
        WorkdirBusyError: naming the PID of the process that holds it.
    """
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
            raise WorkdirBusyError(
                f"{workdir} is in use by another training process (pid {owner})") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)
