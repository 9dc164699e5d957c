"""`tf.distribute` strategies by name, and which worker writes files.

`training.train` builds and compiles its model inside `get_strategy(name).scope()`;
every `train_step` of the zoo is written to be correct under these strategies
(per-replica noise streams, gradients scaled by `1 / num_replicas`, unscaled metrics).

- `"none"`: the default strategy (one device, no replication).
- `"mirrored"`: `tf.distribute.MirroredStrategy` over the local GPUs (or the CPU).
- `"multi_worker"`: `tf.distribute.MultiWorkerMirroredStrategy`; reads the cluster and
  this worker's task from the `TF_CONFIG` environment variable.
- `"tpu"`: `tf.distribute.TPUStrategy` on the TPU the resolver finds.

Only the chief writes TensorBoard logs, sample grids, checkpoints and exports: the
other workers run the same callbacks (collective ops inside them, such as a
checkpoint's variable reads, need every worker) but into a throwaway directory
(`worker_dir`).

Example:

>>> from kerasgan import distribute
>>> strategy = distribute.get_strategy("none")
>>> strategy.num_replicas_in_sync, distribute.is_chief(strategy)
(1, True)
"""

import contextlib
import json
import os
import shutil
import tempfile

import tensorflow as tf

STRATEGIES = ("none", "mirrored", "multi_worker", "tpu")


def replica_seed(seed_generator):
    """A stateless seed `[2]` from `seed_generator`, different on every replica.

    Everything random inside a train step (latents, codes, interpolation weights,
    replay slots, augmentations) draws with `tf.random.stateless_*` from this seed:
    `keras.random` with a `SeedGenerator` would draw the same numbers on every replica.
    The generator's state is saved with the model, so a resumed run continues it.
    """
    context = tf.distribute.get_replica_context()
    replica = 0 if context is None else context.replica_id_in_sync_group
    seed = tf.cast(seed_generator.next(), tf.int32)
    return tf.random.experimental.stateless_fold_in(seed, replica)


def get_strategy(name="none"):
    """Returns the `tf.distribute.Strategy` called `name` (one of `STRATEGIES`).

    Raises:
        ValueError: for an unknown name, or `"multi_worker"` without `TF_CONFIG`.
    """
    if name in (None, "none"):
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        if not os.environ.get("TF_CONFIG"):
            raise ValueError(
                "distribute='multi_worker' reads the cluster from the TF_CONFIG environment "
                "variable, which is not set. See https://www.tensorflow.org/guide/distributed_training"
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(
        f"Unknown distribution strategy. Received: distribute={name!r}. "
        f"Choices: {', '.join(STRATEGIES)}."
    )


def task():
    """`(task_type, task_id)` of this process from `TF_CONFIG`, or `(None, None)`."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    spec = config.get("task") or {}
    return spec.get("type"), spec.get("index")


def is_chief(strategy=None):
    """Whether this process writes logs, checkpoints and exports.

    True without a cluster; in a multi-worker cluster, for the `chief` task, or for
    worker 0 when the cluster names no chief (the TF convention).
    """
    resolver = getattr(strategy, "cluster_resolver", None) if strategy is not None else None
    if resolver is not None and resolver.task_type is not None:
        task_type, task_id = resolver.task_type, resolver.task_id
        has_chief = "chief" in resolver.cluster_spec().as_dict()
    else:
        task_type, task_id = task()
        has_chief = "chief" in (json.loads(os.environ.get("TF_CONFIG") or "{}")
                                .get("cluster") or {})
    if task_type is None:
        return True
    if task_type == "chief":
        return True
    return task_type == "worker" and task_id == 0 and not has_chief


@contextlib.contextmanager
def worker_dir(workdir, strategy=None):
    """Yields `workdir` on the chief, and a temporary directory removed on exit elsewhere.

    Non-chief workers run the same callbacks as the chief (their collectives need
    every worker), so they need somewhere to write that nobody reads.
    """
    if is_chief(strategy):
        yield workdir
        return
    task_type, task_id = task()
    scratch = tempfile.mkdtemp(prefix=f"kerasgan-{task_type}-{task_id}-")
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
