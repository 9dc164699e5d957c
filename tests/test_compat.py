"""Checkpoints written by an earlier kerasgan still load, compute and train the same.

tests/compat/ holds one tiny trained `.keras` file per registered model (and a few
states a plain run does not reach: ProGAN fully grown and mid-fade, every training
trick on), written once by tests/compat/make_checkpoints.py at the commit named in
tests/compat/manifest.json, with fixed inputs of every network and its outputs on them.
Users' saved checkpoints outlive releases ("keep registered class names and config keys
loadable", the design notes say): a change that fails here breaks theirs. Do not rewrite
these files to make a test pass; a new model adds its own entry (see that script).
"""

import functools
import hashlib
import importlib.util
import json
import os

import keras
import numpy as np
import pytest

import kerasgan

COMPAT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compat")


def _load_recipes():
    spec = importlib.util.spec_from_file_location(
        "make_checkpoints", os.path.join(COMPAT_DIR, "make_checkpoints.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recipes = _load_recipes()
with open(os.path.join(COMPAT_DIR, "manifest.json")) as _file:
    MANIFEST = json.load(_file)
ENTRIES = MANIFEST["entries"]

#: Entries that do not load or compute faithfully with the library that wrote them
#: (a finding, not a skip): `{entry: reason}`. Strict: a fix must remove its line.
KNOWN_FAILURES = {}
#: Found when these files were written (kerasgan 0.1.0, Keras 3.15): `.keras` files do
#: not hold the state of the model's `noise_seed` SeedGenerator (`Layer.save_own_variables`
#: saves a layer's variables, not its seed generators' states), so a loaded model draws
#: its training latents from the start of the stream again. A fix that saves the state
#: must still load these files, which lack it.
_NOISE_STREAM_NOT_SAVED = ("the .keras file lacks noise_seed's SeedGenerator state: the "
                           "loaded model restarts its training noise stream")
NOISE_STREAM_FAILURES = {entry: _NOISE_STREAM_NOT_SAVED for entry in ENTRIES}


def _params(failures=None, latents_only=False):
    failures = KNOWN_FAILURES if failures is None else failures
    entries = [entry for entry in sorted(ENTRIES)
               if not latents_only or "model/next_latents" in _stored(entry)]
    return [pytest.param(entry, marks=pytest.mark.xfail(reason=failures[entry], strict=True))
            if entry in failures else entry for entry in entries]


@functools.lru_cache(maxsize=None)
def _stored(entry):
    with np.load(os.path.join(COMPAT_DIR, f"{entry}.npz")) as arrays:
        return dict(arrays)


@functools.lru_cache(maxsize=None)
def _loaded(entry):
    """The entry's model loaded once per test process, for the tests that only read it
    (the training test loads its own)."""
    return keras.models.load_model(os.path.join(COMPAT_DIR, f"{entry}.keras"))


@functools.lru_cache(maxsize=None)
def _training_dataset(data_spec_json):
    """`make_checkpoints.training_dataset`, made once per kind of data."""
    return recipes.training_dataset(json.loads(data_spec_json))


def _network(model, key):
    return model.sampler if key == "sampler" else getattr(model, key)


def _assert_fingerprint(actual, expected, what):
    assert actual[0] == expected[0], f"{what}: {int(actual[0])} values, stored {int(expected[0])}"
    np.testing.assert_allclose(actual[1:], expected[1:], rtol=1e-7, atol=1e-9,
                               err_msg=f"{what}: values differ (sum, sum of squares)")


def test_every_registered_model_has_a_checkpoint():
    covered = {info["model"] for info in ENTRIES.values()}
    missing = sorted(set(kerasgan.list_models()) - covered)
    assert not missing, (
        f"No compat checkpoint of {missing}: add an entry to ENTRIES in "
        "tests/compat/make_checkpoints.py and run it naming only the new entry.")
    assert sorted(ENTRIES) == sorted(recipes.ENTRIES), \
        "tests/compat/manifest.json and make_checkpoints.ENTRIES list different entries"
    for entry, info in ENTRIES.items():
        for file in (f"{entry}.keras", f"{entry}.npz"):
            with open(os.path.join(COMPAT_DIR, file), "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            assert digest == info["files"][file]["sha256"], \
                f"{file} is not the file the manifest records"
        assert info["git_commit"] and info["kerasgan_version"]
        assert not info["library_modified_files"], \
            f"{entry} was written by a library that differs from its commit"


@pytest.mark.parametrize("entry", _params())
def test_loads_as_the_registered_class(entry):
    info = ENTRIES[entry]
    model = _loaded(entry)
    assert type(model).__name__ == info["class_name"]
    assert keras.saving.get_registered_name(type(model)) == info["registered_name"]
    assert keras.saving.get_registered_object(info["registered_name"]) is type(model)
    assert model.name == info["model"]
    if "stage" in info:  # ProGAN comes back at its stage, with its fade weight
        assert model.stage == info["stage"]
        assert float(model.fade.alpha.numpy()) == pytest.approx(info["fade_alpha"], abs=1e-7)


@pytest.mark.parametrize("entry", _params())
def test_networks_reproduce_the_stored_outputs(entry):
    model, stored = _loaded(entry), _stored(entry)
    keys = sorted({name.split("/")[0] for name in stored if "/out/" in name})
    assert "generator" in keys
    for key in keys:
        inputs = {name.split("/in/")[1]: value for name, value in stored.items()
                  if name.startswith(f"{key}/in/")}
        outputs = recipes.call_network(model, key, _network(model, key), inputs)
        expected = [stored[f"{key}/out/{i}"]
                    for i in range(sum(name.startswith(f"{key}/out/") for name in stored))]
        assert len(outputs) == len(expected), key
        for i, (actual, wanted) in enumerate(zip(outputs, expected)):
            assert actual.shape == wanted.shape, (key, i)
            np.testing.assert_allclose(actual, wanted, rtol=0, atol=1e-5,
                                       err_msg=f"{key} output {i}")
            # Tiny, briefly trained DCGAN-style generators draw nearly the same small
            # image for every z (values ~3e-4 apart by ~2e-5): there 1e-5 would pass
            # almost anything, so also compare to 1e-4 of the outputs' own scale.
            scale = float(np.max(np.abs(wanted)))
            np.testing.assert_allclose(actual, wanted, rtol=0, atol=max(1e-4 * scale, 1e-9),
                                       err_msg=f"{key} output {i}, relative to its scale {scale}")
        if key != "sampler":
            _assert_fingerprint(recipes.fingerprint(_network(model, key).weights),
                                stored[f"{key}/fingerprint"], f"{key} weights")


@pytest.mark.parametrize("entry", _params())
def test_optimizer_and_model_state_is_restored(entry):
    info, model, stored = ENTRIES[entry], _loaded(entry), _stored(entry)
    for player in ("d_optimizer", "g_optimizer"):
        optimizer = getattr(model, player)
        iterations = info[f"{player}_iterations"]
        if iterations is None:
            assert optimizer is None, player
            continue
        assert optimizer is not None, f"{player} not restored (the model is not compiled)"
        assert int(optimizer.iterations) == iterations, player
        # Slots are zeros in a fresh optimizer: equal to the stored, nonzero ones means
        # they were restored.
        assert stored[f"{player}/fingerprint"][2] > 0
        _assert_fingerprint(recipes.fingerprint(recipes.optimizer_state(optimizer)),
                            stored[f"{player}/fingerprint"], f"{player} slots")
    _assert_fingerprint(recipes.fingerprint(model.weights), stored["model/fingerprint"],
                        "model.weights")


@pytest.mark.parametrize("entry", _params(NOISE_STREAM_FAILURES, latents_only=True))
def test_training_noise_stream_resumes_where_it_stopped(entry):
    # `sample_latents` documents its SeedGenerator as "saved with the model, so a
    # resumed run continues the stream": the first draw after loading is the draw the
    # saved model would have made next.
    # (The draw advances the stream of the cached model, which no other test uses.)
    model, stored = _loaded(entry), _stored(entry)
    np.testing.assert_allclose(np.asarray(model.sample_latents(4)),
                               stored["model/next_latents"], atol=1e-6)


@pytest.mark.parametrize("entry", _params())
def test_training_resumes_for_one_more_step(entry):
    info = ENTRIES[entry]
    model = keras.models.load_model(os.path.join(COMPAT_DIR, f"{entry}.keras"))
    # Eager: one step does not repay tracing the train step (3-6 s per model here);
    # tests/test_models.py fits every variant in graph mode.
    model.run_eagerly = True
    history = model.fit(_training_dataset(json.dumps(info["data"], sort_keys=True)), epochs=1,
                        steps_per_epoch=1, verbose=0)
    assert int(model.g_optimizer.iterations) == info["g_optimizer_iterations"] + 1
    if info["d_optimizer_iterations"] is not None:
        assert int(model.d_optimizer.iterations) > info["d_optimizer_iterations"]
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), key
