"""benchmarks/search_efficiency.py: hypervolume, the summary table, bad options, and a quick run."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from nas.errors import NasError

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/search_efficiency.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("search_efficiency", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["search_efficiency"] = module
    spec.loader.exec_module(module)
    return module


def test_hypervolume_by_hand(bench: ModuleType) -> None:
    hv = bench.hypervolume
    # Reference (0.5, 100). One point (0.9, 40): (100 - 40) * (0.9 - 0.5) = 24, normalised by 0.5 * 100.
    assert hv([(0.9, 40.0)], 0.5, 100.0) == pytest.approx(24 / 50)
    # A staircase: (0.7, 20) and (0.9, 60): 40 * 0.2 + 40 * 0.4 = 24 -> 0.48.
    assert hv([(0.9, 60.0), (0.7, 20.0)], 0.5, 100.0) == pytest.approx(0.48)
    # A dominated point adds nothing; points at or beyond the reference add nothing.
    assert hv([(0.9, 60.0), (0.7, 20.0), (0.6, 70.0)], 0.5, 100.0) == pytest.approx(0.48)
    assert hv([(0.5, 10.0), (0.95, 100.0), (0.99, 150.0)], 0.5, 100.0) == 0.0
    assert hv([], 0.1, 5e6) == 0.0
    assert hv([(1.0, 0.0)], 0.25, 1e6) == pytest.approx(1.0)


def _trace(bench: ModuleType, method: str, seed: int, curve: list[tuple[float, float]]) -> object:
    t = bench.Trace(f"{method}-s{seed}", method, seed, [], 4)
    t.curve = curve
    return t


def test_summary_ratios_and_time_to_reach_random(bench: ModuleType) -> None:
    opts = bench.Options(timeout=100.0, checkpoints=2)
    traces = [
        _trace(bench, "random", 0, [(10.0, 0.1), (80.0, 0.2)]),
        _trace(bench, "random", 1, [(30.0, 0.2), (90.0, 0.3)]),
        _trace(bench, "tpe", 0, [(20.0, 0.25), (60.0, 0.4)]),
        _trace(bench, "tpe", 1, [(40.0, 0.3), (120.0, 0.9)]),  # after the time limit: does not count
    ]
    s = bench.summarize(traces, opts)
    assert s["checkpoints"] == [50.0, 100.0]
    assert s["target_random"] == pytest.approx(0.25)  # median of 0.2 and 0.3
    tpe = s["methods"]["tpe"]
    assert [r["median"] for r in tpe["checkpoints"]] == pytest.approx([0.275, 0.35])
    assert (tpe["checkpoints"][1]["min"], tpe["checkpoints"][1]["max"]) == (0.3, 0.4)
    assert tpe["vs_random"] == pytest.approx(0.35 / 0.25) and tpe["vs_tpe"] == pytest.approx(1.0)
    assert tpe["reach_random_s"] == pytest.approx(30.0) and tpe["reached"] == "2/2"  # 20 s and 40 s
    random = s["methods"]["random"]
    assert random["reached"] == "1/2" and random["reach_random_s"] is None  # half the seeds is not enough
    assert random["vs_tpe"] == pytest.approx(0.25 / 0.35)


def test_only_the_top_fidelity_counts(bench: ModuleType) -> None:
    P = bench.Point
    low = bench.Trace("tpe-asha-s0", "tpe-asha", 0, [P(1.0, 0.99, 10, (1, 100)), P(2.0, 0.6, 500, (3, 512))], 4)
    top = bench.Trace("tpe-s0", "tpe", 0, [P(1.5, 0.7, 500, (3, 512))], 4)
    assert bench.trace_curves([low, top], 1000) == (3, 512)
    assert [t for t, _ in low.curve] == [2.0]  # the low-fidelity 0.99 never enters
    assert low.curve[0][1] == pytest.approx(bench.hypervolume([(0.6, 500.0)], 0.25, 1000.0))


@pytest.mark.parametrize("argv, message", [
    (["--methods", "tpe,bogus"], "--methods: expected a comma list"),
    (["--methods", "tpe,tpe"], "--methods: expected a comma list"),
    (["--seeds", "0"], "--seeds must be from 1 to 100"),
    (["--timeout", "0"], "--timeout must be from 1"),
    (["--timeout", "nan"], "--timeout must be from 1"),
    (["--prescreen", "1"], "--prescreen must be from 2 to 64"),
    (["--checkpoints", "0"], "--checkpoints must be from 1"),
    (["--parallel", "0"], "--parallel must be from 1"),
    (["--budget", "lots"], "--budget: expected a number"),
    (["--space", "no/such.yaml"], "--space: no/such.yaml: no such space file"),
])
def test_bad_options(bench: ModuleType, argv: list[str], message: str) -> None:
    with pytest.raises(NasError, match=message):
        bench.parse_args(argv)


def test_main_prints_one_line_and_exits_2(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--seeds", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["search_efficiency: error: --seeds must be from 1 to 100, got -1"]


@pytest.mark.slow
def test_quick_mode_runs_resumes_and_writes_its_outputs(bench: ModuleType, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--quick", "--seeds", "1", "--timeout", "4", "--methods", "random,tpe-prescreen,tpe-asha",
            "--results", str(tmp_path / "runs")]
    assert bench.main(argv) == 0
    out, err = capsys.readouterr()
    has_fidelity = "--fidelity" in bench.search_options()
    assert ("skipping tpe-asha: nas search has no --fidelity option" in err) != has_fidelity
    raw = json.loads((tmp_path / "runs/search_efficiency.json").read_text())
    methods = {r["method"] for r in raw["runs"]}
    assert methods == ({"random", "tpe-prescreen", "tpe-asha"} if has_fidelity else {"random", "tpe-prescreen"})
    for run in raw["runs"]:
        hvs = [hv for _, hv in run["curve"]]
        assert all(0.0 <= hv <= 1.0 for hv in hvs) and hvs == sorted(hvs)
        assert run["trained"] and all(t > 0 for t, *_ in run["trained"])
        assert run["counts"].get("searched", 0) >= len(run["curve"])
    assert raw["settings"]["top_fidelity"] == [3, 512]
    assert "random" in out and "tpe-prescreen" in out and "vs tpe" in out
    assert (tmp_path / "runs/search_efficiency.html").read_text().count("plotly") > 0
    # A second call reuses the finished runs instead of searching again.
    before = {p.name: p.stat().st_mtime for p in (tmp_path / "runs").glob("*.db")}
    assert bench.main(argv) == 0
    assert "reusing the finished run" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime for p in (tmp_path / "runs").glob("*.db")} == before
    assert not math.isnan(raw["summary"]["methods"]["random"]["trained"])
