"""Reading exports back as a user meets them: damaged or misplaced files give one-line
errors that name the file and what to do, a `.tflite` path works where an export
directory is expected, default outputs land under the git-ignored runs/, and exporting
keeps the converter's console logs to itself."""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, tiny_model
from kerasgan import export

SCRIPTS = os.path.join(REPO_ROOT, "scripts")
SHIPPED = os.path.join(REPO_ROOT, "exported", "dcgan_digits")
REEXPORT = "re-export it with scripts/export.py"
# Lines the TFLite converter, its int8 calibration and LiteRT print on the console.
CONVERTER_NOISE = re.compile(
    r"^[IWE]\d{4} |fully_quantize|XNNPACK|Reading SavedModel|tf_tfl_flatbuffer"
    r"|MLIR|flatbuffer_export", re.M)


def _damaged(root, case):
    """A copy of the shipped dcgan_digits export under `root`, damaged as `case` says
    (the shipped files stay as committed). Returns the path to pass as --export_dir."""
    path = root / case
    if case == "missing":
        return path
    if case == "a_file":
        path.write_text("not an export\n")
        return path
    shutil.copytree(SHIPPED, path)
    if case == "truncated_tflite":
        tflite = path / "dcgan_digits.tflite"
        tflite.write_bytes(tflite.read_bytes()[:1000])
    elif case == "truncated_tflite_path":
        tflite = path / "dcgan_digits.tflite"
        tflite.write_bytes(tflite.read_bytes()[:1000])
        return tflite
    elif case == "truncated_saved_model":
        pb = path / "1" / "saved_model.pb"
        pb.write_bytes(pb.read_bytes()[:500])
    elif case == "no_card":
        (path / "model_card.json").unlink()
    elif case == "garbled_card":
        (path / "model_card.json").write_text('{"name": "dcgan_digits", "inputs": ')
    elif case == "version_dir":
        return path / "1"
    return path


# The library ---------------------------------------------------------------------------

@pytest.mark.parametrize("case, error, message", [
    ("missing", FileNotFoundError, "Export directory not found"),
    ("a_file", NotADirectoryError, "is a file, not an export directory"),
    ("no_card", FileNotFoundError, "No model_card.json"),
    ("garbled_card", export.CorruptExportError, "Cannot read the model card"),
])
def test_load_model_card_names_what_is_wrong(tmp_path, case, error, message):
    with pytest.raises(error, match=message):
        export.load_model_card(_damaged(tmp_path, case))


def test_damaged_saved_model_and_tflite_raise_one_line_errors_naming_the_file(tmp_path):
    export_dir = _damaged(tmp_path, "truncated_saved_model")
    with pytest.raises(export.CorruptExportError) as raised:
        export.load_saved_model(export.latest_saved_model(export_dir))
    assert "saved_model.pb" in str(raised.value) and REEXPORT in str(raised.value)
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value, ValueError)  # what callers already catch

    tflite = _damaged(tmp_path, "truncated_tflite_path")
    for read in (export.load_tflite, export.tflite_ops):
        with pytest.raises(export.CorruptExportError, match=re.escape(str(tflite))):
            read(tflite)
    with pytest.raises(FileNotFoundError, match="none.tflite"):
        export.load_tflite(tmp_path / "none.tflite")


def test_verify_reports_an_unreadable_tflite_and_checks_the_rest(tmp_path):
    report = export.verify(_damaged(tmp_path, "truncated_tflite"), num_images=2,
                           latency_runs=0)
    assert not report["ok"]
    assert len(report["problems"]) == 1
    assert "dcgan_digits.tflite" in report["problems"][0] and REEXPORT in report["problems"][0]
    assert report["artifacts"]["dcgan_digits.tflite"]["unreadable"]
    assert report["artifacts"]["dcgan_digits.fp16.tflite"]["max_abs_diff"] <= 16
    row = [line for line in export.format_report(report).splitlines()
           if line.startswith("dcgan_digits.tflite ")]
    assert row and row[0].endswith("unreadable")


def test_locate_export_takes_a_tflite_file_for_its_directory_and_format(tmp_path):
    assert export.locate_export(SHIPPED) == (SHIPPED, None)
    for fmt, file in (("float32", "dcgan_digits.tflite"), ("int8", "dcgan_digits.int8.tflite")):
        assert export.locate_export(os.path.join(SHIPPED, file)) == (SHIPPED, fmt)
    with pytest.raises(ValueError, match=r"version directory.*" + re.escape(repr(SHIPPED))):
        export.locate_export(os.path.join(SHIPPED, "1"))
    with pytest.raises(NotADirectoryError, match=re.escape(repr(SHIPPED))):
        export.locate_export(os.path.join(SHIPPED, "1", "saved_model.pb"))
    stray = tmp_path / "stray.tflite"  # no model card beside it
    stray.write_bytes(b"")
    with pytest.raises(NotADirectoryError, match="not an export directory"):
        export.locate_export(stray)
    with pytest.raises(FileNotFoundError, match="not found"):
        export.locate_export(tmp_path / "nowhere")


# Quiet export ---------------------------------------------------------------------------

def test_export_prints_the_table_and_no_converter_logs(tmp_path, capfd):
    model = tiny_model("dcgan")
    capfd.readouterr()
    export.export_generator(model, tmp_path / "E", latency_runs=1)
    out, err = capfd.readouterr()
    assert "verify: OK" in out and "Exported LiteRT int8 model" in out
    assert not CONVERTER_NOISE.search(out + err), out + err
    # Descriptors 1 and 2 are back in place after the conversions.
    os.write(1, b"after\n")
    os.write(2, b"after\n")
    assert capfd.readouterr() == ("after\n", "after\n")


def test_converter_logs_come_back_with_tf_cpp_min_log_level_0(tmp_path, capfd, monkeypatch):
    model = tiny_model("dcgan")
    export.write_saved_model(model, str(tmp_path / "m"))
    capfd.readouterr()
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    export.convert_to_tflite(tmp_path / "m", quantization="int8",
                             representative=export.representative_inputs(model, 2))
    assert "fully_quantize" in capfd.readouterr().err
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    export.convert_to_tflite(tmp_path / "m", quantization="int8",
                             representative=export.representative_inputs(model, 2))
    assert "fully_quantize" not in capfd.readouterr().err


def test_hidden_output_is_restored_on_error_and_replayed_when_asked(capfd):
    capfd.readouterr()
    with pytest.raises(RuntimeError, match="boom"):
        with export._NativeOutputHidden():
            os.write(2, b"hidden\n")
            raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        with export._NativeOutputHidden(replay_on_error=True):
            os.write(2, b"why it failed\n")
            raise RuntimeError("boom")
    with export._NativeOutputHidden() as hidden:
        os.write(1, b"noise\n")
    os.write(2, b"visible\n")
    assert hidden.text == "noise\n"
    assert capfd.readouterr() == ("", "why it failed\nvisible\n")


@pytest.mark.slow
def test_a_library_export_without_tf_cpp_min_log_level_prints_no_converter_logs(tmp_path):
    """A notebook or a user's script: TensorFlow's C++ logs are on (no environment
    variable), and the export still keeps the converter's ~30 lines to itself."""
    code = (
        "import sys, kerasgan\n"
        "model = kerasgan.create_model('dcgan', base_filters=4, latent_dim=8)\n"
        "print('START', file=sys.stderr, flush=True)\n"
        f"kerasgan.export.export_generator(model, {str(tmp_path / 'E')!r}, latency_runs=1)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    during = result.stderr.split("START\n", 1)[1]
    assert not CONVERTER_NOISE.search(during + result.stdout), during
    assert "verify: OK" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 10  # 4 "Exported" lines, the table


# The scripts -----------------------------------------------------------------------------

def _script(name, *args, cwd):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, name), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)


def _assert_one_line_error(result, script, *parts):
    assert result.returncode == 1, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    ours = [line for line in lines if line.startswith(f"{script}: error: ")]
    assert len(ours) == 1 and lines[-1] == ours[0], result.stderr[-3000:]
    for part in parts:
        assert part in ours[0], (part, ours[0])


# (script, case, extra flags, parts of the error line); the damaged file's name is
# checked in every line that is about a damaged file.
BAD_INPUTS = [
    ("export.py", "truncated_tflite", [], ["failed verification", "dcgan_digits.tflite",
                                          REEXPORT]),
    ("export.py", "truncated_saved_model", [], ["saved_model.pb", REEXPORT]),
    ("export.py", "no_card", [], ["No model_card.json", "scripts/export.py"]),
    ("export.py", "missing", [], ["not found", "missing"]),
    ("export.py", "a_file", [], ["is a file, not an export directory"]),
    ("export.py", "truncated_tflite_path", [], ["is a .tflite file: pass its export directory"]),
    ("sample.py", "truncated_saved_model", [], ["saved_model.pb", REEXPORT]),
    ("sample.py", "truncated_tflite_path", [], ["dcgan_digits.tflite", REEXPORT]),
    ("sample.py", "garbled_card", [], ["model_card.json", REEXPORT]),
    ("sample.py", "no_card", [], ["No model_card.json"]),
    ("sample.py", "missing", [], ["not found", "missing"]),
    ("sample.py", "a_file", [], ["is a file, not an export directory"]),
    ("evaluate.py", "truncated_saved_model", [], ["saved_model.pb", REEXPORT]),
    ("evaluate.py", "truncated_tflite", ["--format=float32"], ["dcgan_digits.tflite",
                                                               REEXPORT]),
    ("evaluate.py", "garbled_card", [], ["model_card.json", REEXPORT]),
    ("evaluate.py", "missing", [], ["not found", "missing"]),
    ("evaluate.py", "a_file", [], ["is a file, not an export directory"]),
    ("evaluate.py", "version_dir", [], ["version directory", "pass the export directory"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("script, case, flags, parts", BAD_INPUTS,
                         ids=[f"{s[:-3]}-{c}" for s, c, _, _ in BAD_INPUTS])
def test_scripts_end_with_one_line_for_a_bad_export(tmp_path, script, case, flags, parts):
    path = _damaged(tmp_path, case)
    extra = {"export.py": ["--verify_only", "--latency_runs=0"],
             "sample.py": ["--num_images=2", f"--out={tmp_path / 'grid.png'}"],
             "evaluate.py": ["--num_samples=20"]}[script]
    result = _script(script, f"--export_dir={path}", *extra, *flags, cwd=tmp_path)
    _assert_one_line_error(result, script, *parts)
    assert not os.path.exists(tmp_path / "grid.png")


@pytest.mark.slow
def test_sample_takes_a_tflite_path_and_writes_under_runs_by_default(tmp_path):
    result = _script("sample.py", f"--export_dir={SHIPPED}/dcgan_digits.int8.tflite",
                     "--num_images=4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = os.path.join("runs", "samples", "dcgan_digits.int8.png")
    assert os.path.isfile(tmp_path / out)
    assert result.stdout.strip().endswith(f"(int8) to {out}")
    assert sorted(os.listdir(tmp_path)) == ["runs"]  # nothing else in the working directory
    result = _script("sample.py", f"--export_dir={SHIPPED}/dcgan_digits.int8.tflite",
                     "--format=float16", cwd=tmp_path)
    _assert_one_line_error(result, "sample.py", "int8", "--format=float16")


@pytest.mark.slow
def test_evaluate_measures_the_tflite_file_it_is_given(tmp_path):
    result = _script("evaluate.py", f"--export_dir={SHIPPED}/dcgan_digits.int8.tflite",
                     "--num_samples=40", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "int8 LiteRT file" in result.stdout and "dcgan_digits.int8.tflite" in result.stdout
    fd = [line for line in result.stdout.splitlines() if line.startswith("frechet_distance")]
    assert fd and np.isfinite(float(fd[0].split()[-1]))
    assert os.listdir(tmp_path) == []  # prints only: no file without --out


@pytest.mark.slow
def test_export_script_defaults_to_the_workdir_not_the_shipped_exports(tmp_path):
    workdir = tmp_path / "runs" / "dcgan_digits"
    model = tiny_model("dcgan")
    model.compile()
    os.makedirs(workdir / "checkpoints")
    model.save(workdir / "checkpoints" / "last.keras")
    result = _script("export.py", f"--workdir={workdir}", "--latency_runs=0",
                     "--formats=float32", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert os.path.isfile(workdir / "export" / "1" / "saved_model.pb")
    assert os.path.isfile(workdir / "export" / "dcgan_digits.tflite")  # the run's name
    assert not os.path.exists(tmp_path / "exported")
    assert "Exported SavedModel version 1 to " + str(workdir / "export" / "1") in result.stdout
