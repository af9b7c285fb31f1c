"""benchmarks/bookkeeping.py refuses bad options with a usage error (exit 2), before any work."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args, words", [
    (["--budget", "5X"], "--budget"),
    (["--budget", "0"], "--budget"),
    (["--windows", "a,b"], "--windows"),
    (["--trials", "0"], "--trials"),
    (["--trials", "10000000"], "--trials"),
    (["--threads", "-1"], "--threads"),
    (["--sampler", "tpee"], "sampler"),
])
def test_bad_options_exit_2_without_a_traceback(args, words):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks/bookkeeping.py"), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 2, done.stderr[-1000:]
    assert "Traceback" not in done.stderr and words in done.stderr.splitlines()[-1]
