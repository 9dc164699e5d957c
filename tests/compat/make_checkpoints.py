"""Writes the checkpoint-compatibility fixtures that tests/test_compat.py loads.

For every entry of `ENTRIES` (one per registered model, plus a few states a plain
two-step run does not reach: ProGAN fully grown and mid-fade, a model with every
training trick on) it builds a tiny model, compiles it, trains it with `fit` on tiny
data of its kind, and writes:

- `tests/compat/<entry>.keras`: the model, optimizer state included, as `model.save`
  wrote it but with the zip's members deflated (`deflate`);
- `tests/compat/<entry>.npz`: fixed inputs of every network (the generator, the
  discriminator, encoders, the EMA sampler ...) under `<network>/in/<input name>`, the
  network's outputs on them in inference mode under `<network>/out/<i>`, fingerprints
  (count, sum, sum of squares: independent of variable names and order) of each
  network's weights, each optimizer's slots and all of `model.weights` under
  `<network>/fingerprint`, `<d|g>_optimizer/fingerprint` and `model/fingerprint`, and
  the latents the model would draw next in training under `model/next_latents`;
- `tests/compat/manifest.json`: per entry the recipe (factory keyword arguments, data,
  steps), the registered class, both optimizers' `iterations`, and, once for the file,
  the kerasgan version and the git commit whose library wrote the files.

These files are meant to be written ONCE by an old version of the library and then only
read: rewriting them after a change to the models defeats their purpose. Run it for a
new model (or a new entry) only, naming it; the manifest is merged:

    .venv/bin/python tests/compat/make_checkpoints.py progan_mid_fade

To write the checkpoints of exactly a committed library (not a working tree being
edited), run it on an export of that commit; it refuses a library that differs from the
commit's (HEAD by default) unless `--allow-modified`:

    C=$(git rev-parse HEAD) && rm -rf /tmp/kerasgan_at && mkdir /tmp/kerasgan_at && \
        git archive $C kerasgan | tar -x -C /tmp/kerasgan_at && \
        PYTHONPATH=/tmp/kerasgan_at .venv/bin/python tests/compat/make_checkpoints.py --commit=$C

(All entries take about three minutes of CPU time; 5-7 minutes on a busy 2-core machine.)
"""

import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The tests run without XLA (tests/conftest.py); so must the run that writes the noise
# stream's state and the outputs they compare against.
os.environ.setdefault("KERASGAN_AUTO_JIT", "0")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerasgan  # noqa: E402
from kerasgan import data  # noqa: E402

COMPAT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(COMPAT_DIR))
MANIFEST = os.path.join(COMPAT_DIR, "manifest.json")
BATCH_SIZE = 8
#: Examples in the fixed training data (two batches of `BATCH_SIZE`).
NUM_EXAMPLES = 16
#: Inputs per network in the .npz: 4, or 2 where an input or output is large (SRGAN).
NUM_INPUTS = 4
_LARGE = 4096  # values per example beyond which `NUM_INPUTS` is halved

# The recipes: each entry's factory keyword arguments, frozen here (not read from
# tests/conftest.py, which may change) so the manifest says exactly what was built. Sizes
# are the smallest the factories take: base_filters=2, one hidden layer of 4 units.
_TINY = {"latent_dim": 8, "seed": 0, "base_filters": 2}
_TINY_IMAGE_TO_IMAGE = {"seed": 0, "base_filters": 2}
_DIGITS = {"kind": "digits"}
ENTRIES = {
    "aae": dict(model="aae", kwargs={**_TINY, "discriminator_units": [8]}, data=_DIGITS),
    "acgan": dict(model="acgan", kwargs=_TINY, data=_DIGITS),
    "bigan": dict(model="bigan", kwargs=_TINY, data=_DIGITS),
    "catgan": dict(model="catgan", kwargs=_TINY, data=_DIGITS),
    "cgan": dict(model="cgan", kwargs=_TINY, data=_DIGITS),
    # The pool of past translations is saved state: two slots keep it small.
    "cyclegan": dict(model="cyclegan",
                     kwargs={**_TINY_IMAGE_TO_IMAGE, "num_residual_blocks": 1, "pool_size": 2},
                     data={"kind": "pairs", "name": "digits_thick"}),
    "dcgan": dict(model="dcgan", kwargs=_TINY, data=_DIGITS),
    "dragan": dict(model="dragan", kwargs=_TINY, data=_DIGITS),
    "gan": dict(model="gan", kwargs={"latent_dim": 8, "seed": 0, "hidden_units": [[4], [4]]},
                data=_DIGITS),
    "infogan": dict(model="infogan", kwargs=_TINY, data=_DIGITS),
    "lapgan": dict(model="lapgan", kwargs={**_TINY, "hidden_units": [[4], [4]]}, data=_DIGITS),
    "lsgan": dict(model="lsgan", kwargs=_TINY, data=_DIGITS),
    "pix2pix": dict(model="pix2pix", kwargs=_TINY_IMAGE_TO_IMAGE,
                    data={"kind": "pairs", "name": "digits_edges"}),
    # One step per phase: the 7 steps go 4x4, fade to 8x8, 8x8, ..., fade to 32x32, and
    # end fully grown (stage 3, alpha 1), the state a finished run is saved in.
    "progan": dict(model="progan", kwargs={**_TINY, "steps_per_phase": 1}, data=_DIGITS,
                   steps=7),
    # Saved in the middle of the fade-in of 8x8 (stage 1, alpha 0.5 after 4 steps of 2
    # per phase): the fade weight and the stage must come back from the file. 16x16
    # images: three stages, each a quarter of the 32x32 model's widths.
    "progan_mid_fade": dict(model="progan",
                            kwargs={**_TINY, "steps_per_phase": 2, "image_shape": [16, 16, 1]},
                            data={"kind": "digits", "image_size": 16}, steps=4),
    "sngan": dict(model="sngan", kwargs=_TINY, data=_DIGITS),
    # 48x48 from 12x12 (not the default 96x96 from 24x24): the discriminator's dense
    # layer on the flattened features and the stored outputs are a quarter the size.
    "srgan": dict(model="srgan", kwargs={**_TINY_IMAGE_TO_IMAGE, "num_residual_blocks": 1,
                                         "image_shape": [48, 48, 3]},
                  data={"kind": "pairs", "name": "sample_patches", "patch_size": 48}),
    "stylegan": dict(model="stylegan", kwargs={**_TINY, "mapping_layers": 2}, data=_DIGITS),
    "text2image": dict(model="text2image",
                       kwargs={**_TINY, "text_embedding_dim": 8, "text_projection_dim": 8},
                       data={"kind": "captions", "name": "digits_captions"}),
    "vae": dict(model="vae", kwargs=_TINY, data=_DIGITS),
    "wgan": dict(model="wgan", kwargs={**_TINY, "n_critic": 2}, data=_DIGITS),
    "wgan_gp": dict(model="wgan_gp", kwargs={**_TINY, "n_critic": 2}, data=_DIGITS),
    # Every training trick's saved state at once (EMA averages and their counter,
    # historical averages, the replay buffer with labels, the DiffAugment wrapper in the
    # discriminator, R1), on a conditional model.
    "acgan_with_tricks": dict(model="acgan",
                             kwargs={**_TINY, "ema_decay": 0.9, "historical_averaging": 0.1,
                                     "replay_buffer_size": 4, "r1_weight": 1.0,
                                     "diffaugment": "color,translation,cutout"},
                             data=_DIGITS),
}
DEFAULT_STEPS = 2


# Data: the same for writing and for the test's extra step ---------------------------------


def training_dataset(data_spec):
    """The fixed, repeating `tf.data.Dataset` an entry trains on, batches of
    `BATCH_SIZE`: `(images, labels)` digits, `(sources, targets)` pairs of a pair
    dataset, or `(images, {"tokens", "label"})` captioned digits."""
    kind = data_spec["kind"]
    if kind == "digits":
        arrays = data.load_arrays("digits", "train", image_size=data_spec.get("image_size"),
                                  limit=NUM_EXAMPLES)
    elif kind == "pairs":
        options = {key: value for key, value in data_spec.items() if key not in ("kind", "name")}
        arrays = data.load_pair_arrays(data_spec["name"], "train", limit=NUM_EXAMPLES, **options)
    elif kind == "captions":
        batches = data.load_captions(data_spec["name"], "train", batch_size=BATCH_SIZE,
                                     shuffle=False, seed=0).take(NUM_EXAMPLES // BATCH_SIZE)
        images, tokens, labels = [], [], []
        for batch_images, conditions in batches:
            images.append(batch_images.numpy())
            tokens.append(conditions["tokens"].numpy())
            labels.append(conditions["label"].numpy())
        arrays = (np.concatenate(images),
                  {"tokens": np.concatenate(tokens), "label": np.concatenate(labels)})
    else:
        raise ValueError(f"Unknown data kind {kind!r}")
    return tf.data.Dataset.from_tensor_slices(arrays).batch(BATCH_SIZE).repeat()


# Fixed inputs, outputs and fingerprints -----------------------------------------------------


def networks_of(model):
    """`{name: callable network}`: every network of `network_names` that is set, and the
    EMA sampler when it is not the generator."""
    found = {key: getattr(model, key) for key in model.network_names
             if getattr(model, key, None) is not None}
    if model.sampler is not model.generator:
        found["sampler"] = model.sampler
    return found


def _int_bound(model):
    bounds = [b for b in (model.num_classes, getattr(model, "num_categories", None)) if b]
    return min(bounds) if bounds else 2


def fixed_inputs(model, key, network, rng):
    """`{input name: array}` for `network`: images in [-1, 1] for image inputs (on the
    uint8 grid, so they compress), N(0, 1) for latents, noise maps and embeddings,
    token ids of real captions, and class ids below every class count of the model."""
    specs = network.inputs if key != "sampler" else model.generator.inputs
    sizes = [int(np.prod(s.shape[1:])) for s in specs]
    outputs = network.output_shape if key != "sampler" else model.generator.output_shape
    out_shapes = outputs if isinstance(outputs, list) else [outputs]
    sizes += [int(np.prod(s[1:])) for s in out_shapes]
    count = NUM_INPUTS if max(sizes) <= _LARGE else NUM_INPUTS // 2
    inputs = {}
    for spec in specs:
        name = spec.name
        shape = (count, *spec.shape[1:])
        if "int" in str(spec.dtype):
            if name == "token_ids":
                texts = ["a handwritten seven", "the digit 2", "A Thick ZERO", "one"][:count]
                inputs[name] = np.asarray(data.tokenize(texts), np.int32)
            else:
                inputs[name] = ((np.arange(count) * 3 + 1) % _int_bound(model)).astype(
                    str(spec.dtype)).reshape(shape)
        elif len(shape) == 4 and not name.startswith("noise"):
            inputs[name] = (rng.integers(0, 256, shape) / np.float32(127.5)
                            - np.float32(1.0)).astype(np.float32)
        else:
            inputs[name] = rng.standard_normal(shape).astype(np.float32)
    return inputs


def call_network(model, key, network, inputs):
    """Runs `network` in inference mode on `{input name: array}` fed in the order of
    its inputs; returns its outputs as a list of numpy arrays."""
    specs = network.inputs if key != "sampler" else model.generator.inputs
    missing = sorted(set(s.name for s in specs) - set(inputs))
    if missing:
        raise KeyError(f"{key} takes inputs {[s.name for s in specs]}; "
                       f"the fixture has {sorted(inputs)}")
    args = [inputs[s.name] for s in specs]
    outputs = network(args if len(args) > 1 else args[0], training=False)
    return [np.asarray(o) for o in keras.tree.flatten(outputs)]


def fingerprint(variables):
    """`[count of values, sum, sum of squares]` in float64 over `variables`: equal for
    the same values whatever the variables' names and order."""
    values = [np.asarray(v.numpy() if hasattr(v, "numpy") else v, np.float64).ravel()
              for v in variables]
    flat = np.concatenate(values) if values else np.zeros(0)
    return np.array([flat.size, flat.sum(), np.square(flat).sum()], np.float64)


def optimizer_state(optimizer):
    """An optimizer's slots: its variables without the step counter (compared on its
    own) and the learning rate (the same in a fresh optimizer). All zeros in a fresh
    Adam or RMSprop, so a restored optimizer is told from a fresh one."""
    return [v for v in optimizer.variables
            if v is not optimizer.iterations and v.name != "learning_rate"]


# Git ------------------------------------------------------------------------------------------


def _git(*args, stdin=None):
    return subprocess.run(["git", *args], cwd=REPO_ROOT, check=True, capture_output=True,
                          text=True, input=stdin).stdout.strip()


def library_differences(commit):
    """Files of the imported `kerasgan` package that differ from `commit`'s (or that it
    lacks), and its files the package lacks: `[]` when it is that commit's library."""
    package = os.path.dirname(os.path.abspath(kerasgan.__file__))
    head = {}
    for line in _git("ls-tree", "-r", commit, "kerasgan").splitlines():
        meta, path = line.split("\t", 1)
        head[os.path.relpath(path, "kerasgan")] = meta.split()[2]
    local = {}
    for root, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for file in files:
            if not file.endswith(".pyc"):
                local[os.path.relpath(os.path.join(root, file), package)] = os.path.join(root, file)
    paths = sorted(local)
    hashes = _git("hash-object", "--stdin-paths", stdin="\n".join(local[p] for p in paths))
    blobs = dict(zip(paths, hashes.splitlines()))
    return sorted({p for p in paths if head.get(p) != blobs[p]} | (set(head) - set(local)))


# Writing ---------------------------------------------------------------------------------------


def write_entry(entry, recipe):
    keras.utils.set_random_seed(0)
    model = kerasgan.create_model(recipe["model"], **recipe["kwargs"])
    model.compile()
    steps = recipe.get("steps", DEFAULT_STEPS)
    model.fit(training_dataset(recipe["data"]), epochs=1, steps_per_epoch=steps, verbose=0)

    keras_path = os.path.join(COMPAT_DIR, f"{entry}.keras")
    model.save(keras_path)
    deflate(keras_path)
    rng = np.random.default_rng(0)
    arrays = {}
    output_spread = {}
    for key, network in networks_of(model).items():
        inputs = fixed_inputs(model, key, network, rng)
        for name, value in inputs.items():
            arrays[f"{key}/in/{name}"] = value
        outputs = call_network(model, key, network, inputs)
        for i, value in enumerate(outputs):
            arrays[f"{key}/out/{i}"] = value
        # The generator's spread over its inputs: the test's comparison at atol 1e-5
        # says something only if the outputs are not all the same image.
        output_spread[key] = float(np.std(outputs[0], axis=0).mean())
        if key != "sampler":
            arrays[f"{key}/fingerprint"] = fingerprint(network.weights)
    for player in ("d_optimizer", "g_optimizer"):
        optimizer = getattr(model, player)
        if optimizer is not None:
            arrays[f"{player}/fingerprint"] = fingerprint(optimizer_state(optimizer))
    arrays["model/fingerprint"] = fingerprint(model.weights)
    if not model.image_input:
        # The training noise stream resumes from the saved seed state: the next draw.
        arrays["model/next_latents"] = np.asarray(model.sample_latents(4))
    npz_path = os.path.join(COMPAT_DIR, f"{entry}.npz")
    np.savez_compressed(npz_path, **arrays)

    d_iterations = None if model.d_optimizer is None else int(model.d_optimizer.iterations)
    info = {
        "model": recipe["model"],
        "kwargs": recipe["kwargs"],
        "data": recipe["data"],
        "train_steps": steps,
        "batch_size": BATCH_SIZE,
        "class_name": type(model).__name__,
        "registered_name": keras.saving.get_registered_name(type(model)),
        "d_optimizer_iterations": d_iterations,
        "g_optimizer_iterations": int(model.g_optimizer.iterations),
        "output_spread": output_spread,
        "container": "model.save's zip members, byte-identical, deflated (see deflate())",
        "files": {
            os.path.basename(p): {"bytes": os.path.getsize(p), "sha256": _sha256(p)}
            for p in (keras_path, npz_path)
        },
    }
    if hasattr(model, "stage"):
        info["stage"] = int(model.stage)
        info["fade_alpha"] = float(model.fade.alpha.numpy())
    return info


def deflate(path):
    """Rewrites the `.keras` zip at `path` with its members deflated, byte for byte the
    same (checked). `model.save` stores them uncompressed, and HDF5's per-variable
    headers make a tiny model's file 3-4x its weights; Keras reads a member the same
    way either way (`zipfile` inflates it on reading; its loader allows for
    "an incidentally recompressed file")."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, content in members:
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=9)
    with zipfile.ZipFile(path) as archive:
        assert [(i.filename, i.CRC) for i in archive.infolist()] == \
            [(i.filename, i.CRC) for i, _ in members], path
        for info, content in members:
            assert archive.read(info.filename) == content, (path, info.filename)


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("entries", nargs="*", help="entries to write (default: all)")
    parser.add_argument("--commit", default="HEAD",
                        help="the commit whose library is imported (recorded in the manifest)")
    parser.add_argument("--allow-modified", action="store_true",
                        help="write with a kerasgan package that differs from HEAD's (to try the "
                             "script out: tests/test_compat.py rejects such files)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.entries) - set(ENTRIES))
    if unknown:
        parser.error(f"unknown entries {unknown}; choices: {sorted(ENTRIES)}")
    commit = _git("rev-parse", "--verify", f"{args.commit}^{{commit}}")
    differences = library_differences(commit)
    if differences and not args.allow_modified:
        sys.exit(f"The imported kerasgan ({os.path.dirname(kerasgan.__file__)}) differs from "
                 f"that of {commit} in {differences}: run on `git archive {commit} kerasgan` "
                 "(see the module docstring) or pass --allow-modified.")
    manifest = {"entries": {}}
    if os.path.exists(MANIFEST):
        with open(MANIFEST) as f:
            manifest = json.load(f)
    written = {}
    for entry in args.entries or sorted(ENTRIES):
        print(f"writing {entry} ...", flush=True)
        info = write_entry(entry, ENTRIES[entry])
        written[entry] = info
        sizes = ", ".join(f"{k}: {v['bytes'] / 1024:.0f} KiB" for k, v in info["files"].items())
        print(f"  {sizes}; iterations d={info['d_optimizer_iterations']} "
              f"g={info['g_optimizer_iterations']}; spread {info['output_spread']}", flush=True)
    stamp = {
        "kerasgan_version": kerasgan.__version__,
        "git_commit": commit,
        "library_modified_files": differences,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "numpy_version": np.__version__,
        "written": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    for info in written.values():
        info.update(stamp)
    for stale in sorted(set(manifest["entries"]) - set(ENTRIES)):
        print(f"dropping {stale}: no longer in ENTRIES")
        del manifest["entries"][stale]
    manifest["entries"].update(written)
    manifest["entries"] = dict(sorted(manifest["entries"].items()))
    if not args.entries:
        manifest.update(stamp)
    with open(MANIFEST, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(COMPAT_DIR, n)) for n in os.listdir(COMPAT_DIR)
                if n.endswith((".keras", ".npz", ".json")))
    print(f"{len(written)} entries written; tests/compat holds {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
