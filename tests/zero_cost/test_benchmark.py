"""benchmarks/proxy_correlation.py: its options refuse bad values, its statistics are right."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from nas.errors import NasError

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/proxy_correlation.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("proxy_correlation", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["proxy_correlation"] = module
    spec.loader.exec_module(module)
    return module


def test_defaults(bench: ModuleType) -> None:
    opts = bench.parse_args([])
    assert (opts.archs, opts.budget, opts.epochs, opts.train_subset, opts.val_size, opts.batch) == (
        100, 5_000_000, 3, 6000, 2000, 64)
    assert opts.train and opts.results.suffix == ".jsonl" and opts.html.name == "proxy_correlation.html"
    assert bench.parse_args(["--budget", "2.5M", "--no-train"]).budget == 2_500_000


@pytest.mark.parametrize("argv, message", [
    (["--archs", "0"], "--archs must be >= 1"),
    (["--archs", "-3"], "--archs must be >= 1"),
    (["--epochs", "0"], "--epochs must be >= 1"),
    (["--train-subset", "0"], "--train-subset must be >= 1"),
    (["--val-size", "-1"], "--val-size must be >= 1"),
    (["--batch", "1"], "--batch must be >= 2"),
    (["--threads", "0"], "--threads must be >= 1"),
    (["--threads", "100000"], "--threads must be <= 256"),
    (["--seed", "-1"], "--seed must be >= 0"),
    (["--budget", "0"], "--budget: must be positive"),
    (["--budget=-5M"], "--budget: expected a number"),
    (["--budget", "5X"], "--budget: expected a number"),
])
def test_bad_values(bench: ModuleType, argv: list[str], message: str) -> None:
    with pytest.raises(NasError, match=message):
        bench.parse_args(argv)


def test_directory_paths_refused(bench: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(NasError, match="--results: .* is a directory"):
        bench.parse_args(["--results", str(tmp_path)])
    with pytest.raises(NasError, match="--html: .* is a directory"):
        bench.parse_args(["--html", str(tmp_path)])


@pytest.mark.parametrize("argv", [["--archs", "ten"], ["--archz", "5"], ["--epochs", "1.5"]])
def test_typos_exit_2(bench: ModuleType, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(argv)
    assert exc.value.code == 2


def test_main_prints_one_line_and_exits_2(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--archs", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["proxy_correlation: error: --archs must be >= 1, got 0"]


def test_cache_keeps_matching_rows_and_skips_cut_lines(bench: ModuleType, tmp_path: Path) -> None:
    identity = bench.Options().identity()
    other = {**identity, "epochs": 1}
    path = tmp_path / "cache.jsonl"
    path.write_text(
        json.dumps({"settings": identity, "notation": "a", "accuracy": None}) + "\n"
        + json.dumps({"settings": other, "notation": "b", "accuracy": 0.5}) + "\n"
        + json.dumps({"settings": identity, "notation": "a", "accuracy": 0.7}) + "\n"
        + '{"settings": {"spa'
    )
    rows = bench.load_cache(path, identity)
    assert list(rows) == ["a"] and rows["a"]["accuracy"] == 0.7
    assert bench.load_cache(tmp_path / "missing.jsonl", identity) == {}


def _frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    flops = rng.uniform(1e6, 5e6, n)
    params = rng.uniform(1e4, 1e5, n)
    quality = rng.normal(size=n)
    accuracy = 0.5 + 0.02 * np.log(flops) + 0.05 * quality
    return pd.DataFrame({
        "notation": [f"a{i}" for i in range(n)], "flops": flops, "params": params, "accuracy": accuracy,
        "oracle": quality, "costly": flops ** 2, "noise": rng.normal(size=n), "oracle_s": 0.1, "costly_s": 0.2,
        "noise_s": np.linspace(0.1, 2.0, n),
    })


def test_correlations_separate_signal_from_cost(bench: ModuleType) -> None:
    table = bench.correlations(_frame(), ["oracle", "costly", "noise"])
    # A proxy that is a monotone function of FLOPs ranks like FLOPs, and adds nothing beyond it.
    assert table.loc["costly", "overall"] == pytest.approx(table.loc["flops", "overall"])
    assert abs(table.loc["costly", "beyond_cost"]) < 0.05
    # The accuracy's own hidden quality survives the FLOPs conditioning.
    assert table.loc["oracle", "within_quintiles"] > 0.8 and table.loc["oracle", "beyond_cost"] > 0.8
    assert abs(table.loc["noise", "beyond_cost"]) < 0.4
    assert math.isnan(table.loc["flops", "beyond_cost"])
    assert table.loc["noise", "median_s"] == pytest.approx(np.median(np.linspace(0.1, 2.0, 50)))


def test_spearman_edge_cases(bench: ModuleType) -> None:
    s = pd.Series([1.0, 2.0, 3.0, 4.0])
    assert bench.spearman(s, s ** 3) == pytest.approx(1.0)
    assert bench.spearman(s, -s) == pytest.approx(-1.0)
    assert math.isnan(bench.spearman(s[:2], s[:2]))
    assert math.isnan(bench.spearman(s, pd.Series([1.0] * 4)))


def test_quintiles_split_evenly(bench: ModuleType) -> None:
    q = bench.quintiles(pd.Series(np.arange(20.0)[::-1]))
    assert sorted(q.value_counts().tolist()) == [4] * 5
    assert q.iloc[0] == 4 and q.iloc[-1] == 0
