"""benchmarks/proxy_fidelity.py: options, statistics, and a quick run that resumes."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from nas.errors import NasError

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/proxy_fidelity.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("proxy_fidelity", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["proxy_fidelity"] = module
    spec.loader.exec_module(module)
    return module


def test_defaults_and_quick(bench):
    opts = bench.parse_args([])
    assert (opts.archs, opts.budget, opts.final_epochs) == (12, 5_000_000, 15)
    assert opts.fidelities == ((1, 2000), (3, 6000), (9, 18000)) and opts.presets
    quick = bench.parse_args(["--quick"])
    assert quick.archs == 3 and quick.final_epochs == 1 and quick.max_presets == 1
    assert bench.parse_args(["--fidelities", "2x500, 4x1000"]).fidelities == ((2, 500), (4, 1000))


@pytest.mark.parametrize("argv, message", [
    (["--archs", "0"], "--archs must be >= 1"),
    (["--final-epochs", "0"], "--final-epochs must be >= 1"),
    (["--val-size", "0"], "--val-size must be >= 1"),
    (["--threads", "0"], "--threads must be from 1 to 256"),
    (["--fidelities", "1x"], "--fidelities: expected EPOCHSxIMAGES"),
    (["--fidelities", "0x100"], "--fidelities: expected EPOCHSxIMAGES"),
    (["--fidelities", "3"], "--fidelities: expected EPOCHSxIMAGES"),
    (["--budget", "0"], "--budget"),
])
def test_bad_values(bench, argv, message):
    with pytest.raises(NasError, match=message):
        bench.parse_args(argv)


def test_rank_statistics_match_scipy(bench):
    stats = pytest.importorskip("scipy.stats")
    a = [0.1, 0.4, 0.35, 0.8, 0.8, 0.2, 0.5]
    b = [1.0, 3.0, 2.0, 5.0, 4.0, 2.0, 7.0]
    assert bench.spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic)
    assert bench.kendall(a, b) == pytest.approx(stats.kendalltau(a, b).statistic)
    assert bench.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(bench.kendall([1, 1, 1], [1, 2, 3])) and math.isnan(bench.spearman([1, 2], [1, 2]))


def test_spread_by_flops_covers_the_range(bench):
    cands = [(f"a{f}", None, f, 1) for f in (100, 110, 120, 130, 500, 900, 950, 1000)]
    picked = [c[2] for c in bench.spread_by_flops(cands, 3)]
    assert picked == [100, 500, 900]  # one per third of 100..1000
    assert len(bench.spread_by_flops(cands, 20)) == len(cands)


@pytest.mark.slow
def test_quick_run_writes_results_and_resumes(bench, tmp_path, capsys):
    results = tmp_path / "r.json"
    argv = ["--quick", "--dataset", "synthetic:1x28x28:10:256", "--threads", "1", "--results", str(results)]
    assert bench.main(argv) == 0
    first = json.loads(results.read_text())
    rows = first["archs"]
    assert len(rows) >= 3 and all(r["final"] and set(r["fidelity"]) == {"1x64", "2x128"} for r in rows.values())
    out = capsys.readouterr().out
    assert "Spearman" in out and "Kendall" in out and "1x64" in out and "final (1 epochs)" in out
    assert bench.main(argv) == 0  # everything is read back: nothing is trained again
    assert json.loads(results.read_text()) == first
    assert bench.main([*argv, "--seed", "1"]) == 2  # a results file of other settings is refused
    assert "other settings" in capsys.readouterr().err
