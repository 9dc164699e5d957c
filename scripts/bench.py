r"""Measures training and serving speed of a zoo model on this machine, in one run.

    python scripts/bench.py                      # dcgan on digits, the docs/performance.md table
    python scripts/bench.py --quick              # a smaller run, under a minute (tests)
    python scripts/bench.py --model=wgan_gp --batch_size=32

Prints, for the model (default dcgan at the zoo/dcgan_digits.py sizes):

- images/s of `model.fit` in the default setup of `scripts/train.py` and the recipes
  (`steps_per_execution="auto"`, 8 steps per call on one device; `jit_compile="auto"`) on the `kerasgan.data` pipeline, next to three baselines
  written here with the same generator and discriminator: a plain `train_step` (two
  tapes, binary cross-entropy, `Dataset.from_tensor_slices(x).batch(b)`, the TF DCGAN
  tutorial's loop), the same plain loop running kerasgan's alternating update, and
  the classic loop (`generator.predict` plus `train_on_batch` on the discriminator
  and on a stacked model with a frozen discriminator), with ratios;
- `jit_compile` off and on, and `steps_per_execution=1` (`--steps_per_execution`);
- FLOPs of one training step (counted by `tf.compat.v1.profiler` on the step's
  graph), the achieved FLOP/s and its share of this machine's dense float32 matmul
  peak, measured in the same run;
- how images/s of `fit` grows with batch size and image size;
- batch-1 and batch-64 latency of the exported SavedModel and `.tflite` file.

It runs unchanged on a GPU when TensorFlow sees one, and says which device it measured.
Timings on a shared machine are noisy: compare numbers from one run only.
"""

import os
import platform
import tempfile
import time

from absl import app, flags, logging

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "dcgan", "Registered model name.")
flags.DEFINE_integer("batch_size", 64, "Global batch size of the main comparison.")
flags.DEFINE_integer("steps", 30, "Timed training steps per measurement.")
flags.DEFINE_integer("warmup_steps", 4, "Untimed steps first (tracing, allocation).")
flags.DEFINE_integer("steps_per_execution", 1, "steps_per_execution of the fit row compared "
                     "with the default (8).")
flags.DEFINE_list("scale_batch_sizes", ["16", "32", "64", "128", "256"], "Batch sizes to scan.")
flags.DEFINE_list("scale_image_sizes", ["32", "64", "128"], "Image sides to scan.")
flags.DEFINE_bool("jit", True, "Also measure fit with jit_compile=True.")
flags.DEFINE_integer("latency_runs", 20, "Timed calls per export latency.")
flags.DEFINE_integer("repeats", 3, "Rounds of the main comparison, interleaved; medians "
                     "are reported (a shared CPU's speed drifts within minutes).")
flags.DEFINE_bool("quick", False, "Few steps, small scans, no XLA row: a smoke run.")


def _device_line():
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)} (x{len(gpus)})"
    return f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores"


def _matmul_peak(n, runs):
    """Dense float32 matmul FLOP/s: the machine's practical peak."""
    import tensorflow as tf

    a = tf.random.normal([n, n])
    b = tf.random.normal([n, n])

    @tf.function
    def chain(a, b):
        for _ in range(4):
            a = tf.matmul(a, b) * 1e-3
        return tf.reduce_sum(a)

    chain(a, b).numpy()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        chain(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 4 * 2 * n**3 / best


def _config(model, image_size, batch_size, steps_per_execution=1, jit_compile="auto"):
    from kerasgan import training

    config = {"model": model, "dataset": "digits", "batch_size": batch_size,
              "image_size": image_size, "steps_per_epoch": 1, "epochs": 1,
              "steps_per_execution": steps_per_execution, "jit_compile": jit_compile}
    if model in ("dcgan",):
        # zoo/dcgan_digits.py's sizes.
        config["model_kwargs"] = {"latent_dim": 100, "base_filters": 32}
    return training.resolve_config(config)


def _build(config):
    from kerasgan import training

    model = training.compile_model(training.build_model(config), config)
    return model, training.training_dataset(config, model)


def _timed_fit(model, dataset, batch_size, steps, warmup, spe=1):
    """images/s of `fit` after an untimed warm-up call (which traces)."""
    warmup = max(spe, warmup // spe * spe)
    steps = max(spe, steps // spe * spe)
    model.fit(dataset, epochs=1, steps_per_epoch=warmup, verbose=0, shuffle=False)
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return steps * batch_size / (time.perf_counter() - start)


def _fit_speed(model_name, image_size, batch_size, steps, warmup, spe=1, jit="auto"):
    config = _config(model_name, image_size, batch_size, spe, jit)
    model, dataset = _build(config)
    return _timed_fit(model, dataset, batch_size, steps, warmup, spe), model


def _real_images(image_size):
    import kerasgan

    images, _ = kerasgan.data.load_arrays("digits", "train", image_size=image_size)
    return images


def _plain_train_step(model, images, batch_size, steps, warmup, alternating=False, jit=False):
    """The TF DCGAN tutorial's loop on copies of the model's networks.

    The tutorial updates both players from one generator pass (simultaneous
    gradients). `alternating=True` writes kerasgan's GAN update the same plain way: a
    discriminator step on `G(z1)`, then a generator step on a fresh `G(z2)` through the
    updated discriminator (Goodfellow et al. 2014, Algorithm 1). That row isolates the
    cost of `fit`'s machinery from the choice of update. `jit=True` compiles the
    tutorial's step with XLA, to show how much of `fit`'s lead XLA alone gives.
    """
    import keras
    import tensorflow as tf

    generator = keras.models.clone_model(model.generator)
    discriminator = keras.models.clone_model(model.discriminator)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    latent_dim = model.latent_dim

    def apply(tape, loss, network, optimizer):
        weights = network.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))

    @tf.function(jit_compile=jit)
    def simultaneous_step(real):
        z = tf.random.normal([tf.shape(real)[0], latent_dim])
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(z, training=True)
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(fake, training=True)
            g_loss = bce(tf.ones_like(fake_logits), fake_logits)
            d_loss = (bce(tf.ones_like(real_logits), real_logits)
                      + bce(tf.zeros_like(fake_logits), fake_logits))
        apply(g_tape, g_loss, generator, g_opt)
        apply(d_tape, d_loss, discriminator, d_opt)
        return d_loss, g_loss

    @tf.function(jit_compile=jit)
    def alternating_step(real):
        batch = tf.shape(real)[0]
        fake = generator(tf.random.normal([batch, latent_dim]), training=True)
        with tf.GradientTape() as d_tape:
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(fake, training=True)
            d_loss = (bce(tf.ones_like(real_logits), real_logits)
                      + bce(tf.zeros_like(fake_logits), fake_logits))
        apply(d_tape, d_loss, discriminator, d_opt)
        with tf.GradientTape() as g_tape:
            fake_logits = discriminator(
                generator(tf.random.normal([batch, latent_dim]), training=True), training=True)
            g_loss = bce(tf.ones_like(fake_logits), fake_logits)
        apply(g_tape, g_loss, generator, g_opt)
        return d_loss, g_loss

    train_step = alternating_step if alternating else simultaneous_step
    # drop_remainder: a last, smaller batch would retrace the step once per epoch.
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(
        batch_size, drop_remainder=True).repeat()
    iterator = iter(dataset)
    for _ in range(warmup):
        train_step(next(iterator))[0].numpy()
    start = time.perf_counter()
    for _ in range(steps):
        losses = train_step(next(iterator))
    losses[0].numpy()
    return steps * batch_size / (time.perf_counter() - start), train_step


def _classic_loop(model, images, batch_size, steps, warmup):
    """`generator.predict` + `train_on_batch` on D and on G->D with D frozen."""
    import keras
    import numpy as np

    generator = keras.models.clone_model(model.generator)
    discriminator = keras.models.clone_model(model.discriminator)
    discriminator.compile(keras.optimizers.Adam(2e-4, beta_1=0.5),
                          keras.losses.BinaryCrossentropy(from_logits=True))
    discriminator.trainable = False
    z_in = keras.Input((model.latent_dim,))
    stacked = keras.Model(z_in, discriminator(generator(z_in)))
    stacked.compile(keras.optimizers.Adam(2e-4, beta_1=0.5),
                    keras.losses.BinaryCrossentropy(from_logits=True))
    discriminator.trainable = True
    rng = np.random.default_rng(0)
    ones, zeros = np.ones((batch_size, 1), np.float32), np.zeros((batch_size, 1), np.float32)

    def step(i):
        start = (i * batch_size) % (len(images) - batch_size)
        real = images[start:start + batch_size]
        z = rng.standard_normal((batch_size, model.latent_dim)).astype(np.float32)
        fake = generator.predict(z, verbose=0, batch_size=batch_size)
        discriminator.train_on_batch(np.concatenate([real, fake]), np.concatenate([ones, zeros]))
        z = rng.standard_normal((batch_size, model.latent_dim)).astype(np.float32)
        stacked.train_on_batch(z, ones)

    for i in range(warmup):
        step(i)
    begin = time.perf_counter()
    for i in range(steps):
        step(i)
    return steps * batch_size / (time.perf_counter() - begin)


def _step_flops(model, batch_size):
    """FLOPs of one `model.train_step` on a `batch_size` batch, from its graph."""
    import tensorflow as tf

    spec = tf.TensorSpec([batch_size, *model.image_shape], tf.float32)
    labels = tf.TensorSpec([batch_size], tf.int32)
    function = tf.function(lambda images, y: model.train_step((images, y)))
    graph = function.get_concrete_function(spec, labels).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph, options=options)
    return profile.total_float_ops


def _latencies(model, runs):
    """Median ms per call of the exported SavedModel and .tflite at batch 1 and 64."""
    import numpy as np
    import tensorflow as tf

    from kerasgan import export

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = export.export_generator(model, os.path.join(tmp, "bench"),
                                        formats=("float32",), check=False, verbose=False)
        saved = tf.saved_model.load(paths["saved_model"]).signatures["serving_default"]
        interpreter = export._litert_interpreter(model_path=paths["float32"])
        runner = interpreter.get_signature_runner(export.TFLITE_SIGNATURE)
        for batch in (1, 64):
            inputs = export.example_inputs(model, batch_size=batch)
            tensors = {key: tf.constant(value) for key, value in inputs.items()}
            results[("SavedModel", batch)] = _median_ms(lambda: saved(**tensors), runs)
            results[(".tflite", batch)] = _median_ms(lambda: runner(**inputs), runs)
            assert np.all(np.isfinite(runner(**inputs)["images"]))
    return results


def _median_ms(function, runs):
    function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * sorted(times)[len(times) // 2]


def main(argv):
    _cli.start(argv, logging.ERROR)  # TF's profiler and SavedModel writer chat
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")

    quick = FLAGS.quick
    steps = 4 if quick else FLAGS.steps
    warmup = 1 if quick else FLAGS.warmup_steps
    batch = FLAGS.batch_size
    name = FLAGS.model
    spe = FLAGS.steps_per_execution
    batch_sizes = [16] if quick else [int(b) for b in FLAGS.scale_batch_sizes]
    image_sizes = [32] if quick else [int(s) for s in FLAGS.scale_image_sizes]

    print(f"device: {_device_line()}; TensorFlow {tf.__version__}")
    print(f"model: {name}, batch {batch}, 32x32 digits, {steps} timed steps per row "
          "(shared machines give noisy timings)")
    peak = _matmul_peak(512 if quick else 2048, 2 if quick else 5)

    from kerasgan import training

    auto_jit = training.jit_compile_setting("auto")
    # One untimed run first, in the default setup: the process's first training
    # (kernel selection, XLA's first compile, memory pools) is slower than any later
    # one and would handicap the first row.
    auto_spe = training.AUTO_STEPS_PER_EXECUTION
    _fit_speed(name, 32, batch, max(2, steps // 4), warmup, spe=auto_spe, jit="auto")
    images = _real_images(32)
    rounds = {}

    def measure(key, function):
        rounds.setdefault(key, []).append(function())

    # Rounds interleave the loops, so a drift of the machine's speed hits all alike.
    for _ in range(1 if quick else FLAGS.repeats):
        # The default setup: steps_per_execution="auto" (8 here), jit_compile="auto".
        fit_default, model = _fit_speed(name, 32, batch, max(steps, auto_spe), warmup,
                                        spe=auto_spe, jit="auto")
        rounds.setdefault("fit_default", []).append(fit_default)
        measure("fit_spe", lambda: _fit_speed(name, 32, batch, max(steps, spe), warmup,
                                              spe=spe, jit="auto")[0])
        if FLAGS.jit and not quick:
            measure("fit_other", lambda: _fit_speed(name, 32, batch, max(steps, auto_spe),
                                                    warmup, spe=auto_spe,
                                                    jit=not auto_jit)[0])
        measure("plain", lambda: _plain_train_step(model, images, batch, steps, warmup)[0])
        measure("plain_same", lambda: _plain_train_step(model, images, batch, steps, warmup,
                                                        alternating=True)[0])
        measure("classic", lambda: _classic_loop(model, images, batch, max(2, steps // 2),
                                                 warmup))
        if FLAGS.jit and not quick:
            measure("plain_xla", lambda: _plain_train_step(model, images, batch, steps,
                                                           warmup, jit=True)[0])
    medians = {key: sorted(values)[len(values) // 2] for key, values in rounds.items()}
    fit_default, fit_spe, plain, plain_same, classic = (
        medians[key] for key in ("fit_default", "fit_spe", "plain", "plain_same", "classic"))
    fit_other, plain_xla = medians.get("fit_other"), medians.get("plain_xla")

    rows = [(f"fit (kerasgan default: steps_per_execution=auto -> {auto_spe}, "
             f"jit_compile=auto -> {auto_jit})", fit_default),
            (f"fit (kerasgan, steps_per_execution={spe}, jit_compile={auto_jit})", fit_spe)]
    if fit_other is not None:
        rows.append((f"fit (kerasgan, steps_per_execution={auto_spe}, "
                     f"jit_compile={not auto_jit})", fit_other))
    rows += [("plain train_step (two tapes, BCE, from_tensor_slices)", plain),
             ("plain train_step, kerasgan's alternating update", plain_same),
             ("classic loop (predict + train_on_batch)", classic)]
    if plain_xla is not None:
        rows.append(("plain train_step compiled with XLA (not a baseline: for reference)",
                     plain_xla))
    print()
    print(f"Medians of {len(rounds['fit_default'])} interleaved rounds:")
    print("| training loop | images/s |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value:.1f} |")
    print()
    print(f"fit / plain train_step: {fit_default / plain:.2f}x")
    print(f"fit / plain train_step with the same update: {fit_default / plain_same:.2f}x")
    print(f"fit / classic loop: {fit_default / classic:.2f}x")
    print(f"steps_per_execution={auto_spe} / {spe}: {fit_default / fit_spe:.2f}x")
    if fit_other is not None:
        on, off = (fit_default, fit_other) if auto_jit else (fit_other, fit_default)
        print(f"jit_compile on / off: {on / off:.2f}x")

    flops = _step_flops(model, batch)
    achieved = flops * fit_default / batch
    print(f"FLOPs per training step (batch {batch}): {flops / 1e9:.2f} GFLOP; "
          f"achieved {achieved / 1e9:.1f} GFLOP/s = {100 * achieved / peak:.1f}% of the "
          f"measured dense matmul peak {peak / 1e9:.1f} GFLOP/s")

    print()
    print("| batch size | images/s (fit, 32x32) |")
    print("|---|---|")
    for size in batch_sizes:
        value, _ = _fit_speed(name, 32, size, max(auto_spe, steps // 2), warmup, spe=auto_spe)
        print(f"| {size} | {value:.1f} |")
    print()
    print(f"| image size | images/s (fit, batch {batch}) |")
    print("|---|---|")
    for side in image_sizes:
        value, _ = _fit_speed(name, side, batch, max(auto_spe, steps // 4), 1, spe=auto_spe)
        print(f"| {side}x{side} | {value:.1f} |")

    latencies = _latencies(model, 3 if quick else FLAGS.latency_runs)
    print()
    print("| export | batch 1 ms | batch 64 ms |")
    print("|---|---|---|")
    for kind in ("SavedModel", ".tflite"):
        print(f"| {kind} | {latencies[(kind, 1)]:.2f} | {latencies[(kind, 64)]:.2f} |")


if __name__ == "__main__":
    app.run(main)
