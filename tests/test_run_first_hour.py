"""The first hour with `scripts/train.py`: where a run writes, what a re-run does
(resume, finished, --fresh, continue), one process per workdir, Ctrl-C, quiet start-up,
one-line errors, and a progress bar that counts the steps it trains."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT
from kerasgan import training

TRAIN = os.path.join(REPO_ROOT, "scripts", "train.py")
# A tiny DCGAN: seconds per epoch, so the subprocess tests spend their time in Python
# and TensorFlow start-up, not in training.
TINY = ["--model=dcgan", "--batch_size=8", "--model_option=base_filters=4",
        "--model_option=latent_dim=8"]


def _env():
    """The environment a user has: no TF_CPP_MIN_LOG_LEVEL (conftest sets one)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run(*args, cwd, script=TRAIN):
    return subprocess.run([sys.executable, script, *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)


def _one_error_line(result, kind="error"):
    """The stderr of a failed run is exactly one line, `train.py: <kind>: ...`."""
    assert result.returncode != 0, result.stdout[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"train.py: {kind}: "), result.stderr[-3000:]
    return lines[0]


# Quiet by default --------------------------------------------------------------------

_STARTUP_NOISE = re.compile(r"cuInit|oneDNN|This TensorFlow binary is optimized|"
                            r"Unable to register cu|absl::InitializeLog|cuda drivers|"
                            r"^[IWE]\d{4} ", re.MULTILINE)


@pytest.mark.slow
def test_start_up_is_quiet_and_verbosity_brings_the_logs_back(tmp_path):
    quiet = _run("--list_models", cwd=tmp_path)
    assert quiet.returncode == 0 and "dcgan" in quiet.stdout.split()
    assert not _STARTUP_NOISE.search(quiet.stderr), quiet.stderr
    assert quiet.stderr == ""
    # absl's --verbosity at INFO shows TensorFlow's C++ start-up logs again.
    verbose = _run("--list_models", "--verbosity=0", cwd=tmp_path)
    assert verbose.returncode == 0
    assert re.search(r"^[IWE]\d{4} ", verbose.stderr, re.MULTILINE), verbose.stderr


def test_the_filter_drops_start_up_notices_only():
    sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
    try:
        import _cli
    finally:
        sys.path.pop(0)
    noise = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796691455.086931    3685 cudart_stub.cc:31] Could not find cuda "
        "drivers on your machine, GPU will not be used.",
        "E0000 00:00:1796691506.107667    4632 cuda_platform.cc:52] failed call to cuInit: "
        "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild "
        "TensorFlow with the appropriate compiler flags.",
    ]
    kept = ["E0000 00:00:1796691506.107667    4632 op_kernel.cc:1] real trouble",
            "Traceback (most recent call last):", "UserWarning: something"]
    assert all(_cli._NOISE.match(line) for line in noise)
    assert not any(_cli._NOISE.match(line) for line in kept)


# One-line errors, before anything starts ----------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("args, message, exit_code", [
    (["--model=dcgan", "--dataset=digts"], "Unknown dataset: 'digts'. Did you mean 'digits'", 1),
    (["--recipe=zoo/nope.py"], "recipe='zoo/nope.py'", 1),
    (["--model=dcgna"], "Unknown model: 'dcgna'", 1),
    (["--model=dcgan", "--export_dir=a_file"], "--export_dir=a_file is a file", 1),
    (["--model=dcgan", "--export_dir=a_file/export"], "a_file is a file", 1),
    (["--model=dcgan", "--workdir=a_file"], "--workdir=a_file is a file", 1),
    # Not even root can create files in /proc.
    (["--model=dcgan", "--export_dir=/proc/kerasgan_export"],
     "--export_dir=/proc/kerasgan_export is not writable", 1),
    (["--model=dcgan", "--steps_per_execution=many"],
     "--steps_per_execution must be auto or a positive integer. Received: 'many'", 1),
    (["--model=dcgan", "--steps_per_execution=0"], "steps_per_execution=0", 1),
    (["--model=dcgan", "--epochs=ten"], "flag --epochs=ten", 2),
    (["--model=dcgan", "--epoch=10"], "Unknown command line flag 'epoch'", 2),
    (["--model=dcgan", "10"], "unexpected argument(s) 10", 2),
])
def test_bad_input_stops_before_the_banner_with_one_line(args, message, exit_code, tmp_path):
    (tmp_path / "a_file").write_text("not a directory")
    result = _run(*args, cwd=tmp_path)
    line = _one_error_line(result)
    assert message in line and result.returncode == exit_code, line
    assert "Training" not in result.stdout  # no banner before the error
    assert sorted(os.listdir(tmp_path)) == ["a_file"]  # nothing written


@pytest.mark.slow
def test_unwritable_export_dir_is_named(tmp_path, monkeypatch):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere; the /proc case above covers it")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    result = _run("--model=dcgan", f"--export_dir={locked / 'E'}", cwd=tmp_path)
    assert "is not writable" in _one_error_line(result)


# Where a run writes, and what a re-run does --------------------------------------------

def _copy_of_the_checkout(destination):
    """The working tree's tracked files in a fresh git repository: a clean checkout."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = os.path.join(REPO_ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(destination, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(destination, name))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=destination, check=True)
    subprocess.run(["git", "add", "-A"], cwd=destination, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "copy"], cwd=destination, check=True)


def _status(checkout):
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                          cwd=checkout, capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_readme_command_leaves_the_checkout_clean_and_a_rerun_trains_nothing(tmp_path):
    checkout = tmp_path / "kerasgan"
    _copy_of_the_checkout(checkout)
    command = ["scripts/train.py", "--recipe=zoo/dcgan_digits.py", "--smoke"]
    first = _run(*command[1:], cwd=checkout, script=command[0])
    assert first.returncode == 0, first.stderr[-3000:]
    assert "verify: OK" in first.stdout
    export = checkout / "runs" / "dcgan_digits" / "export"
    assert (export / "1" / "saved_model.pb").is_file()
    assert (export / "dcgan_digits.tflite").is_file()  # named after the run, not "export"
    assert _status(checkout) == ""  # the shipped exported/dcgan_digits is untouched

    again = _run(*command[1:], cwd=checkout, script=command[0])
    assert again.returncode == 0 and again.stderr == "", again.stderr[-3000:]
    assert again.stdout.strip() == (
        "runs/dcgan_digits already finished 1 epoch (export: runs/dcgan_digits/export); "
        "pass --fresh to train again from scratch, or --epochs=N with N > 1 to continue it.")
    assert not (export / "2").exists()  # not exported again

    fresh = _run(*command[1:], "--fresh", cwd=checkout, script=command[0])
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert "Starting runs/dcgan_digits afresh" in fresh.stdout
    assert "Training dcgan on digits" in fresh.stdout
    assert (export / "1").is_dir() and not (export / "2").exists()
    assert _status(checkout) == ""


def _wait_for(process, pattern, seconds=600):
    """Reads `process`'s stdout until a line matches; returns what it read."""
    seen, deadline = "", time.time() + seconds
    for line in process.stdout:
        seen += line
        if re.search(pattern, line) or time.time() > deadline:
            break
    assert re.search(pattern, seen), seen[-3000:]
    return seen


@pytest.mark.slow
def test_lock_ctrl_c_and_resume(tmp_path):
    # Epochs enough never to finish: each process here is interrupted.
    command = [sys.executable, "-u", TRAIN, *TINY, "--epochs=100000", "--steps_per_epoch=5",
               "--workdir=W", "--export=false"]
    first = subprocess.Popen(command, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(first, r"Epoch 3/100000")
        # A second process on the same workdir stops at once; the first goes on.
        second = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True,
                                text=True, timeout=SUBPROCESS_TIMEOUT)
        line = _one_error_line(second)
        assert f"W is in use by another training process (pid {first.pid})" in line
        assert first.poll() is None
        # Ctrl-C: one line with what was saved and the command that resumes, exit 130.
        _wait_for(first, r"Epoch \d+/100000")
        first.send_signal(signal.SIGINT)
        _, stderr = first.communicate(timeout=SUBPROCESS_TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    match = re.fullmatch(r"train\.py: interrupted: W/backup holds epoch (\d+) of 100000 "
                         r"\(and checkpoints/last\.keras\)\. Resume with: python (.*)\n", stderr)
    assert match, stderr
    saved = int(match[1])
    assert saved >= 2
    assert match[2].endswith(" ".join(command[3:]))  # the command as it was run

    # The same command resumes, and says where.
    resumed = subprocess.Popen(command, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        seen = _wait_for(resumed, r"Epoch \d+/100000")
        resumed.send_signal(signal.SIGINT)
        resumed.communicate(timeout=SUBPROCESS_TIMEOUT)
    finally:
        if resumed.poll() is None:
            resumed.kill()
    assert seen.startswith(f"Resuming W at epoch {saved + 1} of 100000\n"), seen[:500]
    assert f"Epoch {saved + 1}/100000" in seen
    assert resumed.returncode == 130


# The run states, in process ------------------------------------------------------------

def _tiny_config(**overrides):
    return training.resolve_config({
        "model": "dcgan", "epochs": 1, "steps_per_epoch": 1, "batch_size": 8,
        "steps_per_execution": 1, "jit_compile": False,
        "model_kwargs": {"base_filters": 4, "latent_dim": 8}, **overrides})


def test_run_status_finished_continued_other_and_fresh(tmp_path):
    workdir = str(tmp_path / "W")
    config = _tiny_config()
    assert training.run_status(config, workdir).state == "new"
    training.train(config, workdir, verbose=0)
    assert training.run_status(config, workdir).state == "finished"
    # Settings of how it runs are the same run; what it trains is not.
    assert training.run_status({**config, "jit_compile": True}, workdir).state == "finished"
    other = training.run_status({**config, "batch_size": 16}, workdir)
    assert other.state == "other" and other.differences == [("batch_size", 8, 16)]
    # More epochs continue the finished run from its kept backup.
    longer = {**config, "epochs": 2}
    status = training.run_status(longer, workdir)
    assert (status.state, status.done_epochs, status.backup_epoch) == ("extend", 1, 1)
    result = training.train(longer, workdir, verbose=0, extend=True)
    assert result.steps == 2 and len(result.history["d_loss"]) == 1
    assert training.load_training_summary(workdir)["config"]["epochs"] == 2
    # Without extend, a finished run trains again from scratch.
    assert training.train(longer, workdir, verbose=0).steps == 2
    removed = training.clear_run(workdir)
    assert {os.path.basename(p) for p in removed} >= {"backup", "checkpoints", "logs",
                                                       "training.json", "run.json"}
    assert os.listdir(workdir) == []
    assert training.run_status(config, workdir).state == "new"


def test_an_interrupted_run_resumes_and_a_shorter_command_is_refused(tmp_path):
    workdir = str(tmp_path / "W")
    config = _tiny_config(epochs=3)
    training.train(config, workdir, verbose=0)
    os.remove(os.path.join(workdir, training.SUMMARY_FILE))  # as if killed after epoch 3
    with open(os.path.join(workdir, "backup", "training_metadata.json"), "w") as file:
        json.dump({"epoch": 2, "batch": 0}, file)
    status = training.run_status(config, workdir)
    assert (status.state, status.backup_epoch, status.epochs) == ("resume", 2, 3)
    assert training.run_status({**config, "epochs": 2}, workdir).state == "ahead"


def test_one_process_per_workdir(tmp_path):
    with training.workdir_lock(tmp_path / "W") as path:
        assert open(path).read().strip() == str(os.getpid())
        with pytest.raises(training.WorkdirBusyError, match=rf"pid {os.getpid()}\)"):
            with training.workdir_lock(tmp_path / "W"):
                pass
    with training.workdir_lock(tmp_path / "W"):  # released on exit
        pass


# Progress bar, flags -------------------------------------------------------------------

@pytest.mark.slow
def test_progress_bar_counts_the_steps_of_a_digits_epoch(tmp_path):
    # The digits recipe: 1,437 training digits in batches of 64 are 22 steps per epoch.
    result = _run("--recipe=" + os.path.join(REPO_ROOT, "zoo", "dcgan_digits.py"),
                  "--epochs=1", "--model_option=base_filters=4", "--workdir=W",
                  "--export=false", "--steps_per_execution=auto", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = set(re.findall(r"(\d+)/22\b", result.stdout))
    assert "22" in counts and all(int(c) <= 22 for c in counts), counts
    assert "Trained 22 steps" in result.stdout
    summary = training.load_training_summary(tmp_path / "W")
    assert summary["config"]["steps_per_execution"] == 2  # the largest divisor of 22 up to 8


def test_auto_steps_per_execution_divides_the_epoch():
    assert training.auto_steps_per_execution(22) == 2
    assert training.auto_steps_per_execution(24) == 8
    assert training.auto_steps_per_execution(22, num_replicas=2) == 1


@pytest.mark.slow
def test_help_says_what_the_flags_do(tmp_path, monkeypatch):
    result = _run("--helpshort", cwd=tmp_path)
    text = " ".join(result.stdout.split())
    jit = text[text.index("--jit_compile"):text.index("--label_smoothing")]
    monkeypatch.delenv(training.AUTO_JIT_ENV, raising=False)
    assert training.jit_compile_setting("auto") is True
    assert "off on CPU" not in jit and "on, on every device, CPU included" in jit
    assert "default <workdir>/export" in text
    assert "--fresh" in text
