"""Exports as deployable artifacts: layout, signatures, quantized files, verification,
atomic versions, concurrency, the scripts, the README's serving requests, and the
pretrained exports committed under exported/."""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import types

import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import LATENT_DIM, REPO_ROOT, SUBPROCESS_TIMEOUT, tiny_model
from kerasgan import export

SCRIPTS = os.path.join(REPO_ROOT, "scripts")
EXPORTED = os.path.join(REPO_ROOT, "exported")
PRETRAINED = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(EXPORTED, "*", "model_card.json")))
SHIPPED = ("dcgan_digits", "cgan_digits")  # committed; the others exceed the 20 MB budget


@pytest.fixture(scope="module")
def cgan():
    return tiny_model("cgan")


@pytest.fixture(scope="module")
def cgan_export(cgan, tmp_path_factory):
    export_dir = tmp_path_factory.mktemp("exports") / "cgan_tiny"
    paths = export.export_generator(cgan, export_dir, latency_runs=3, verbose=False)
    return export_dir, paths


def _script(name, *args, cwd=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, name), *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)


def _last_line(text):
    return text.strip().splitlines()[-1]


# Layout and model card ----------------------------------------------------------------

def test_export_writes_the_five_artifacts_and_a_complete_model_card(cgan_export):
    export_dir, paths = cgan_export
    assert sorted(os.listdir(export_dir)) == [
        "1", "cgan_tiny.fp16.tflite", "cgan_tiny.int8.tflite", "cgan_tiny.tflite",
        "model_card.json"]
    card = export.load_model_card(export_dir)
    assert card["variant"] == "CGAN" and card["registry_name"] == "cgan"
    assert "Mirza" in card["paper"] or "arxiv" in card["paper"]
    assert card["latent_dim"] == LATENT_DIM and card["num_classes"] == 10
    assert card["image_shape"] == [32, 32, 1]
    assert card["inputs"]["label"] == {"distribution": "categorical", "num_values": 10}
    serving = card["saved_model"]["signatures"]["serving_default"]
    assert serving["inputs"] == {"label": {"dtype": "int32", "shape": [None]},
                                 "z": {"dtype": "float32", "shape": [None, LATENT_DIM]}}
    assert serving["outputs"] == {"images": {"dtype": "uint8", "shape": [None, 32, 32, 1]}}
    for file, entry in card["tflite"].items():
        assert entry["bytes"] == os.path.getsize(export_dir / file)
        assert entry["inputs"]["z"]["shape"] == [-1, LATENT_DIM]
        assert entry["outputs"]["images"]["dtype"] == "uint8"
    assert {e["format"] for e in card["tflite"].values()} == {"float32", "float16", "int8"}
    assert card["versions"]["tensorflow"] == tf.__version__
    assert card["versions"]["kerasgan"] == kerasgan.__version__
    measured = card["verification"]["artifacts"]
    assert set(measured) == {"1/", *card["tflite"]}
    assert all(entry["latency_ms"] > 0 for entry in measured.values())


def test_quantized_files_are_smaller_and_run_close_to_the_saved_model(cgan_export):
    export_dir, paths = cgan_export
    sizes = {fmt: os.path.getsize(paths[fmt]) for fmt in ("float32", "float16", "int8")}
    assert sizes["int8"] < sizes["float16"] < sizes["float32"]
    report = paths["verification"]
    assert report["ok"], report["problems"]
    by_format = {e["format"]: e for e in report["artifacts"].values()}
    assert by_format["float32"]["max_abs_diff"] <= 2
    assert by_format["float16"]["max_abs_diff"] <= 8
    # int8 is measured and bounded, not exact; the ops are integer ones.
    assert by_format["int8"]["max_abs_diff"] <= export.DEFAULT_TOLERANCE["int8"]
    assert any("QUANTIZE" in op for op in export.tflite_ops(paths["int8"]))
    assert not any("QUANTIZE" in op for op in export.tflite_ops(paths["float32"]))


# Signatures ---------------------------------------------------------------------------

def test_sample_signature_draws_in_graph_reproducibly_and_cycles_labels(cgan, cgan_export):
    _, paths = cgan_export
    loaded = tf.saved_model.load(paths["saved_model"])
    specs = loaded.signatures["sample"].structured_input_signature[1]
    assert {k: (v.dtype, v.shape.as_list()) for k, v in specs.items()} == {
        "num_images": (tf.int32, []), "seed": (tf.int32, []), "label": (tf.int32, [None])}
    run = lambda **kw: export.run_saved_model(loaded, kw, "sample")  # noqa: E731
    first = run(num_images=np.int32(6), seed=np.int32(3), label=np.array([4, 9], np.int32))
    again = run(num_images=np.int32(6), seed=np.int32(3), label=np.array([4, 9], np.int32))
    other = run(num_images=np.int32(6), seed=np.int32(4), label=np.array([4, 9], np.int32))
    np.testing.assert_array_equal(first["images"], again["images"])
    assert not np.array_equal(first["z"], other["z"])
    assert first["images"].shape == (6, 32, 32, 1) and first["images"].dtype == np.uint8
    assert first["images_float"].dtype == np.float32
    assert first["images_float"].min() >= -1 and first["images_float"].max() <= 1
    np.testing.assert_array_equal(kerasgan.images.to_uint8(first["images_float"]).numpy(),
                                  first["images"])
    # Labels 4, 9, 4, 9, ...: the same as serving_default on the returned latents.
    labels = np.array([4, 9, 4, 9, 4, 9], np.int32)
    served = export.run_saved_model(loaded, {"z": first["z"], "label": labels})["images"]
    np.testing.assert_array_equal(served, first["images"])
    np.testing.assert_allclose(first["images_float"],
                               cgan.generate(6, labels=labels, seed=3), atol=1e-5)


def test_serving_default_from_eight_threads_equals_serial_calls(cgan_export):
    _, paths = cgan_export
    function = tf.saved_model.load(paths["saved_model"]).signatures["serving_default"]
    requests = [{"z": tf.random.stateless_normal([4, LATENT_DIM], seed=[i, 0]),
                 "label": tf.constant([i % 10] * 4, tf.int32)} for i in range(8)]
    serial = [function(**r)["images"].numpy() for r in requests]
    results = [None] * 8
    barrier = threading.Barrier(8)

    def call(i):
        barrier.wait()  # all threads enter the function together
        for _ in range(5):
            results[i] = function(**requests[i])["images"].numpy()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for got, expected in zip(results, serial):
        np.testing.assert_array_equal(got, expected)
    assert len({r.tobytes() for r in serial}) == 8  # the requests really differ


# Verification -------------------------------------------------------------------------

def test_verify_reports_flex_ops(cgan_export, tmp_path):
    export_dir, _ = cgan_export
    copy = tmp_path / "copy"
    shutil.copytree(export_dir, copy)

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="z")])
    def flex(z):  # MatrixDeterminant has no LiteRT builtin: it converts only as Flex
        return {"images": tf.cast(tf.linalg.det(tf.reshape(z, [-1, 2, 2])), tf.uint8)}

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [flex.get_concrete_function()], flex)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS,
                                           tf.lite.OpsSet.SELECT_TF_OPS]
    (copy / "cgan_tiny.fp16.tflite").write_bytes(converter.convert())
    report = export.verify(copy, num_images=2, latency_runs=0)
    assert not report["ok"]
    assert report["artifacts"]["cgan_tiny.fp16.tflite"]["flex_ops"] == ["FlexMatrixDeterminant"]
    assert any("Flex" in problem for problem in report["problems"])
    assert "FAILED" in export.format_report(report)


def test_a_nan_generator_is_refused_and_the_previous_version_kept(tmp_path):
    model = tiny_model("dcgan")
    export_dir = tmp_path / "E"
    export.export_generator(model, export_dir, latency_runs=0, verbose=False)
    before = {p: os.path.getmtime(export_dir / p) for p in os.listdir(export_dir)}
    kernel = [w for w in model.generator.trainable_weights if "kernel" in w.path][-1]
    kernel.assign(np.full(kernel.shape, np.nan, np.float32))
    with pytest.raises(export.ExportError, match="non-finite"):
        export.export_generator(model, export_dir, latency_runs=0, verbose=False)
    assert {p: os.path.getmtime(export_dir / p) for p in os.listdir(export_dir)} == before
    assert export.verify(export_dir, num_images=2, latency_runs=0)["ok"]


def test_versions_are_next_by_default_and_replaced_only_with_overwrite(tmp_path):
    model = tiny_model("dcgan")
    export_dir = tmp_path / "E"
    export.export_generator(model, export_dir, check=False, verbose=False)
    paths = export.export_generator(model, export_dir, check=False, verbose=False)
    assert paths["saved_model"].endswith(os.sep + "2")
    assert export.latest_saved_model(export_dir) == paths["saved_model"]
    with pytest.raises(FileExistsError, match="overwrite"):
        export.export_generator(model, export_dir, version=1, verbose=False)
    export.export_generator(model, export_dir, version=1, overwrite=True, check=False,
                            verbose=False)
    assert sorted(d for d in os.listdir(export_dir) if d.isdigit()) == ["1", "2"]
    with pytest.raises(ValueError, match="version=0"):
        export.export_generator(model, export_dir, version=0, verbose=False)
    with pytest.raises(ValueError, match="bfloat16"):
        export.export_generator(model, export_dir, formats=("bfloat16",), verbose=False)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        export.latest_saved_model(tmp_path / "nowhere")


@pytest.mark.slow
def test_killing_an_export_midway_keeps_the_previous_version(tmp_path):
    model = tiny_model("dcgan")
    model.compile()
    model_path = tmp_path / "model.keras"
    model.save(model_path)
    export_dir = tmp_path / "E"
    export.export_generator(model, export_dir, check=False, verbose=False)
    card_before = (export_dir / "model_card.json").read_bytes()

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(
        [sys.executable, os.path.join(SCRIPTS, "export.py"), f"--model_path={model_path}",
         f"--export_dir={export_dir}"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not glob.glob(str(export_dir / ".tmp-export-*" / "*")) and time.time() < deadline:
        assert process.poll() is None, "the export finished before it could be killed"
        time.sleep(0.05)
    time.sleep(0.5)  # well inside the staged write and conversion
    process.send_signal(signal.SIGKILL)
    process.wait()

    assert glob.glob(str(export_dir / ".tmp-export-*")), "killed before staging"
    assert sorted(d for d in os.listdir(export_dir) if d.isdigit()) == ["1"]
    assert (export_dir / "model_card.json").read_bytes() == card_before
    assert export.verify(export_dir, num_images=2, latency_runs=0)["ok"]
    # The next export clears the leftover staging directory.
    export.export_generator(model, export_dir, check=False, verbose=False)
    assert not glob.glob(str(export_dir / ".tmp-export-*"))
    assert sorted(d for d in os.listdir(export_dir) if d.isdigit()) == ["1", "2"]


# Scripts ------------------------------------------------------------------------------

@pytest.mark.slow
def test_export_and_sample_scripts_from_a_keras_file(tmp_path):
    model = tiny_model("cgan")
    model.compile()
    model.save(tmp_path / "mine.keras")
    result = _script("export.py", f"--model_path={tmp_path / 'mine.keras'}",
                     "--latency_runs=2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "verify: OK" in result.stdout
    # By default under runs/ (git-ignored), never in exported/ beside the shipped exports.
    export_dir = tmp_path / "runs" / "mine" / "export"
    assert os.path.isfile(export_dir / "mine.int8.tflite")
    assert not os.path.exists(tmp_path / "exported")

    result = _script("sample.py", f"--export_dir={export_dir}", "--format=int8", "--label=3",
                     "--num_images=6", "--columns=3", f"--out={tmp_path / 'threes.png'}")
    assert result.returncode == 0, result.stderr[-3000:]
    grid = tf.io.decode_png((tmp_path / "threes.png").read_bytes()).numpy()
    assert grid.shape == (2 * 33 + 1, 3 * 33 + 1, 1)

    result = _script("sample.py", f"--export_dir={export_dir}", "--label=10",
                     f"--out={tmp_path / 'x.png'}")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert _last_line(result.stderr) == ("sample.py: error: --label must be in [0, 10). "
                                         "Received: --label=10")
    assert not os.path.exists(tmp_path / "x.png")

    (tmp_path / "broken.keras").write_bytes(b"not a zip file")
    result = _script("export.py", f"--model_path={tmp_path / 'broken.keras'}", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "export.py: error: Could not load" in _last_line(result.stderr)
    assert "broken.keras" in _last_line(result.stderr)


@pytest.mark.slow
def test_export_script_reports_missing_sources(tmp_path):
    result = _script("export.py", f"--workdir={tmp_path / 'no_run'}", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "no_run" in _last_line(result.stderr)
    result = _script("export.py", "--verify_only", f"--export_dir={tmp_path / 'none'}")
    assert result.returncode != 0 and "none" in _last_line(result.stderr)


# The pretrained exports and the README ------------------------------------------------

def test_pretrained_exports_are_committed_small_and_verified():
    names = [os.path.basename(d) for d in PRETRAINED]
    assert set(SHIPPED) <= set(names)
    committed = subprocess.run(["git", "ls-files", "exported"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.split()
    assert any(p.startswith("exported/dcgan_digits/") for p in committed)
    total = sum(os.path.getsize(os.path.join(REPO_ROOT, p)) for p in committed)
    assert total < 20 * 2**20
    for export_dir in PRETRAINED:
        card = export.load_model_card(export_dir)
        assert card["training"]["recipe"].endswith(f"{card['name']}.py")
        report = export.verify(export_dir, num_images=4, latency_runs=0)
        assert report["ok"], (export_dir, report["problems"])


@pytest.mark.slow
def test_sample_script_on_the_shipped_dcgan(tmp_path):
    result = _script("sample.py", f"--export_dir={EXPORTED}/dcgan_digits",
                     f"--out={tmp_path / 'grid.png'}", "--num_images=16")
    assert result.returncode == 0, result.stderr[-3000:]
    grid = tf.io.decode_png((tmp_path / "grid.png").read_bytes()).numpy()
    assert grid.shape == (4 * 33 + 1, 4 * 33 + 1, 1)
    assert grid.std() > 20  # digits, not a blank or constant image


def _deploy_section():
    """The Deploy section of docs/export.md (it runs to the end of the page)."""
    page = open(os.path.join(REPO_ROOT, "docs", "export.md")).read()
    start = page.index("## Deploy")
    end = page.find("\n## ", start + 1)
    return page[start:] if end < 0 else page[start:end]


def _predict(export_dir, body):
    """What TF Serving's REST `:predict` does with a columnar `inputs` body."""
    loaded = tf.saved_model.load(export.latest_saved_model(export_dir))
    function = loaded.signatures[body.get("signature_name", "serving_default")]
    specs = function.structured_input_signature[1]
    assert set(body["inputs"]) == set(specs), "the body's inputs are the signature's"
    outputs = function(**{key: tf.constant(value, dtype=specs[key].dtype)
                          for key, value in body["inputs"].items()})
    outputs = {key: value.numpy().tolist() for key, value in outputs.items()}
    return {"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs}


def test_readme_rest_bodies_run_against_the_shipped_signatures():
    section = _deploy_section()
    curls = re.findall(r"localhost:8501/v1/models/(\w+):predict \\\n\s+-d '(\{.*\})'", section)
    assert len(curls) >= 2
    for model_name, body in curls:
        reply = _predict(os.path.join(EXPORTED, model_name), json.loads(body))
        images = np.array(reply["outputs"]["images"])
        assert images.ndim == 4 and images.shape[1:] == (32, 32, 1)

    # The Python REST client, run with `requests` replaced by the same local predict.
    client = re.search(r"```python\n(import numpy as np\nimport requests\n.*?)```", section,
                       re.S).group(1)
    calls = []

    def post(url, json):  # noqa: A002 - the keyword requests uses
        model_name = re.search(r"/v1/models/(\w+):predict", url).group(1)
        calls.append(model_name)
        reply = _predict(os.path.join(EXPORTED, model_name), json)
        return types.SimpleNamespace(json=lambda: reply, raise_for_status=lambda: None)

    namespace = {}
    fake_requests = types.SimpleNamespace(post=post)
    exec(client.replace("import requests\n", ""), {"requests": fake_requests}, namespace)
    assert calls and namespace["images"].dtype == np.uint8
    assert namespace["images"].shape[1:] == (32, 32, 1)


def test_readme_litert_snippet_runs(tmp_path):
    snippet = re.search(r"```python\n(from ai_edge_litert.*?)```", _deploy_section(),
                        re.S).group(1)
    namespace = {}
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        exec(snippet, namespace)
    finally:
        os.chdir(cwd)
    assert namespace["images"].dtype == np.uint8 and namespace["images"].shape == (1, 32, 32, 1)
