"""scripts/bench.py --quick: one smoke run, checking the report's shape (not its speed)."""

import os
import re
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, SUBPROCESS_TIMEOUT


@pytest.mark.slow
def test_bench_quick_reports_device_ratios_flops_scaling_and_latency(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "scripts", "bench.py"), "--quick",
         "--batch_size=16", "--steps_per_execution=2"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"^device: (CPU|GPU): .+", out, re.M), out
    for label in ("fit (kerasgan", "plain train_step (", "plain train_step, kerasgan's",
                  "classic loop"):
        assert re.search(rf"^\| {re.escape(label)}.*\| \d+\.\d \|$", out, re.M), (label, out)
    assert re.search(r"^fit / plain train_step: \d+\.\d\dx$", out, re.M), out
    assert re.search(r"^fit / plain train_step with the same update: \d+\.\d\dx$", out, re.M), out
    assert re.search(r"^fit / classic loop: \d+\.\d\dx$", out, re.M), out
    assert re.search(r"GFLOP/s = \d+\.\d% of the measured dense matmul peak", out), out
    assert re.search(r"^\| 16 \| \d+\.\d \|$", out, re.M), out  # batch-size scan
    assert re.search(r"^\| 32x32 \| \d+\.\d \|$", out, re.M), out  # image-size scan
    for kind in ("SavedModel", ".tflite"):
        assert re.search(rf"^\| {re.escape(kind)} \| \d+\.\d\d \| \d+\.\d\d \|$", out, re.M), out
