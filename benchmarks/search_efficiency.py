"""Search efficiency: how fast does each search method find a good front for the same CPU time?

Each run is one ``nas search`` study (``--jobs 1 --threads 1 --timeout T``, its own SQLite
file under ``--results``) for a method and a seed. For every run the hypervolume of its
(validation accuracy, FLOPs) front is traced against CPU-seconds: wall time since the run was
started (process start, data loading, sampler and bookkeeping included) times its one thread.
The reference point is fixed, so hypervolumes of every run compare: accuracy = 1 / classes
(chance) and FLOPs = the budget; the hypervolume is divided by ``(1 - 1/classes) * budget``,
so 1.0 would be a perfect classifier at zero FLOPs. Only trained trials at the top fidelity
count (COMPLETE, within budget, not baselines, and their recorded fidelity equal to the
highest fidelity any run trained at): accuracies measured after fewer epochs or on fewer
images never enter a hypervolume. Every run gets the same CPU time: a trial that ends after
``T`` does not count.

Methods (``--methods``, comma list; each adds options to ``nas search``):

* ``random``: random sampling at the single fidelity, no pre-screening (``--sampler random
  --prescreen 0``);
* ``tpe``: TPE at the single fidelity, no pre-screening (``--sampler tpe --prescreen 0``: the
  search's default before pre-screening won this benchmark);
* ``tpe-prescreen``: TPE with zero-cost pre-screening (``--prescreen K``; with K = 4, today's
  default search);
* ``tpe-asha``: TPE with successive halving (``--fidelity asha --prescreen 0``);
* ``tpe-asha-prescreen``: both.

A method whose option this ``nas search`` does not have is skipped with a note. Prints, per
method: the median (min-max over seeds) hypervolume at ``--checkpoints`` fractions of ``T``,
the ratio of medians against ``tpe`` and ``random`` at ``T``, and the median CPU time to reach
the final median hypervolume of ``random``. Curves go to ``--html`` (plotly), raw numbers to
``--json``. Runs are resumed: a run whose record (``<run>.json`` beside its database) says it
finished with the same command is reused; an unfinished one is started afresh.

Runs go one after another (``--parallel N``: N at a time, only with a free core per run, or
CPU-seconds stop meaning the same). ``--quick`` searches a tiny space on synthetic data for a
few seconds per run (in this process) to check the machinery; do not read its numbers.

    python benchmarks/search_efficiency.py [--methods random,tpe,tpe-prescreen,tpe-asha,tpe-asha-prescreen]
        [--seeds 3] [--timeout 900] [--budget 5M] [--space search_spaces/lightweight.yaml]
        [--dataset fashion-mnist] [--prescreen 4] [--checkpoints 4] [--parallel 1]
        [--results reports/search_efficiency] [--html PATH] [--json PATH] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nas.errors import NasError  # noqa: E402
from nas.searching.budget import format_count, parse_count  # noqa: E402

#: Method name -> the options it adds to ``nas search`` ("{k}": the pre-screen's K).
METHODS: dict[str, tuple[str, ...]] = {
    "random": ("--sampler", "random", "--prescreen", "0"),
    "tpe": ("--sampler", "tpe", "--prescreen", "0"),
    "tpe-prescreen": ("--sampler", "tpe", "--prescreen", "{k}"),
    "tpe-asha": ("--sampler", "tpe", "--fidelity", "asha", "--prescreen", "0"),
    "tpe-asha-prescreen": ("--sampler", "tpe", "--fidelity", "asha", "--prescreen", "{k}"),
}
#: The study target: large enough that only the timeout ends a run.
TRIALS = 100_000

QUICK_SPACE = """\
name: quick
input: dataset
classes: dataset
stem: {kind: [conv], channels: [8, 16]}
stages:
  - {family: [bneck, conv], depth: [1, 2], channels: [16, 24], stride: 2, expand: [2, 3], attn: [none, eca]}
  - {family: [bneck, basic], depth: [1, 2], channels: [32, 48], stride: 2, kernel: [3, 5]}
head: {hidden: [null, 32]}
"""


@dataclass(frozen=True)
class Options:
    """The benchmark's settings (see the module's docstring)."""

    methods: tuple[str, ...] = tuple(METHODS)
    seeds: int = 3
    timeout: float = 900.0
    budget: int = 5_000_000
    space: Path = ROOT / "search_spaces/lightweight.yaml"
    dataset: str = "fashion-mnist"
    prescreen: int = 4
    checkpoints: int = 4
    parallel: int = 1
    results: Path = ROOT / "reports/search_efficiency"
    html: Path = ROOT / "reports/search_efficiency.html"
    json: Path = ROOT / "reports/search_efficiency.json"
    quick: bool = False
    #: Extra options for every run (the quick mode's small training).
    common: tuple[str, ...] = ()

    @property
    def in_process(self) -> bool:
        return self.quick


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line.

    Raises:
        NasError: naming the first bad value.
    """
    d = Options()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", default=",".join(d.methods), help=f"comma list from {', '.join(METHODS)}")
    p.add_argument("--seeds", type=int, help="runs per method, seeds 0..N-1 (default 3)")
    p.add_argument("--timeout", type=float, help="CPU-seconds per run (one thread; default 900, quick 8)")
    p.add_argument("--budget", help="FLOPs budget (default 5M, quick 1M)")
    p.add_argument("--space", type=Path, help="search-space file (default search_spaces/lightweight.yaml)")
    p.add_argument("--dataset", help="data set of every run (default fashion-mnist, quick synthetic)")
    p.add_argument("--prescreen", type=int, default=d.prescreen, help="K of the pre-screening methods (default 4)")
    p.add_argument("--checkpoints", type=int, default=d.checkpoints, help="CPU-time checkpoints in the table "
                   "(fractions 1/N .. 1 of the timeout; default 4)")
    p.add_argument("--parallel", type=int, default=d.parallel, help="runs at a time (default 1)")
    p.add_argument("--results", type=Path, help="folder of the runs' studies and records "
                   "(default reports/search_efficiency, quick reports/search_efficiency_quick)")
    p.add_argument("--html", type=Path, help="where to write the curves (default reports/search_efficiency.html)")
    p.add_argument("--json", type=Path, help="where to write the raw numbers (default reports/search_efficiency.json)")
    p.add_argument("--quick", action="store_true", help="tiny space, synthetic data, seconds per run")
    a = p.parse_args(argv)
    methods = tuple(m.strip() for m in a.methods.split(",") if m.strip())
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods or len(set(methods)) != len(methods):
        raise NasError(f"--methods: expected a comma list of {', '.join(METHODS)}, got {a.methods!r}")
    results = a.results or (ROOT / "reports/search_efficiency_quick" if a.quick else d.results)
    opts = Options(
        methods=methods, seeds=a.seeds if a.seeds is not None else d.seeds,
        timeout=a.timeout if a.timeout is not None else (8.0 if a.quick else d.timeout),
        budget=parse_count(a.budget or ("1M" if a.quick else "5M"), "--budget"),
        space=a.space or (results / "quick.yaml" if a.quick else d.space),
        dataset=a.dataset or ("synthetic" if a.quick else d.dataset), prescreen=a.prescreen,
        checkpoints=a.checkpoints, parallel=a.parallel, results=results,
        html=a.html or (results / "search_efficiency.html" if a.quick else d.html),
        json=a.json or (results / "search_efficiency.json" if a.quick else d.json), quick=a.quick,
        common=("--epochs", "3", "--train-subset", "512", "--val-size", "128", "--batch-size", "64")
        if a.quick else (),
    )
    check(opts, a.space is not None or not a.quick)
    return opts


def check(opts: Options, space_must_exist: bool = True) -> None:
    """Refuse values no benchmark can run with.

    Raises:
        NasError: one line naming the option.
    """
    if not 1 <= opts.seeds <= 100:
        raise NasError(f"--seeds must be from 1 to 100, got {opts.seeds}")
    if not (math.isfinite(opts.timeout) and 1 <= opts.timeout <= 7 * 86400):
        raise NasError(f"--timeout must be from 1 to 604800 seconds, got {opts.timeout}")
    if not 2 <= opts.prescreen <= 64:
        raise NasError(f"--prescreen must be from 2 to 64, got {opts.prescreen}")
    if not 1 <= opts.checkpoints <= 100:
        raise NasError(f"--checkpoints must be from 1 to 100, got {opts.checkpoints}")
    if not 1 <= opts.parallel <= 64:
        raise NasError(f"--parallel must be from 1 to 64, got {opts.parallel}")
    if space_must_exist and not opts.space.is_file():
        raise NasError(f"--space: {opts.space}: no such space file")
    if opts.results.exists() and not opts.results.is_dir():
        raise NasError(f"--results: {opts.results} is a file, expected a folder")
    for name in ("html", "json"):
        path: Path = getattr(opts, name)
        if path.is_dir():
            raise NasError(f"--{name}: {path} is a directory, expected a file path")


# ---- running -----------------------------------------------------------------------------------


def search_options() -> set[str]:
    """The option strings this ``nas search`` accepts."""
    from nas.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices["search"]._option_string_actions)


def method_args(method: str, opts: Options) -> list[str]:
    return [a.replace("{k}", str(opts.prescreen)) for a in METHODS[method]]


def runnable(opts: Options) -> tuple[list[str], dict[str, str]]:
    """The methods to run, and for each skipped one why."""
    known = search_options()
    keep, skipped = [], {}
    for method in opts.methods:
        missing = [a for a in METHODS[method] if a.startswith("--") and a not in known]
        if missing:
            skipped[method] = f"nas search has no {missing[0]} option"
        else:
            keep.append(method)
    return keep, skipped


@dataclass(frozen=True)
class Run:
    """One study: a method and a seed, where it is stored, the command that makes it."""

    method: str
    seed: int
    db: Path
    argv: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.method}-s{self.seed}"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def record(self) -> Path:
        return self.db.with_suffix(".json")


def plan(opts: Options, methods: Sequence[str]) -> list[Run]:
    """Every run, seeds interleaved so an interrupted benchmark has each method's first seeds."""
    runs = []
    for seed in range(opts.seeds):
        for method in methods:
            db = (opts.results / f"{method}-s{seed}.db").resolve()
            argv = ("search", str(opts.space.resolve()), "--max-flops", str(opts.budget),
                    "--study", f"{method}-s{seed}",
                    "--storage", f"sqlite:///{db}", "--timeout", f"{opts.timeout:g}", "--trials", str(TRIALS),
                    "--jobs", "1", "--threads", "1", "--seed", str(seed), "--dataset", opts.dataset,
                    "--no-progress", *opts.common, *method_args(method, opts))
            runs.append(Run(method, seed, db, argv))
    return runs


def finished(run: Run) -> dict[str, Any] | None:
    """The run's record if it finished with the same command, else ``None``."""
    if not run.record.exists() or not run.db.exists():
        return None
    try:
        meta = json.loads(run.record.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if meta.get("argv") != list(run.argv) or meta.get("returncode") != 0:
        return None
    return meta


def execute(run: Run, opts: Options) -> dict[str, Any]:
    """Run the study from scratch (a partial one is removed) and record when it started."""
    for stale in (run.db, run.record):
        stale.unlink(missing_ok=True)
    run.db.parent.mkdir(parents=True, exist_ok=True)
    log = run.db.with_suffix(".log")
    start = dt.datetime.now()
    began = time.time()
    with log.open("w") as out:
        if opts.in_process:
            code = _in_process(list(run.argv), out)
        else:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   "OMP_NUM_THREADS": "1"}
            code = subprocess.run([sys.executable, "-m", "nas.cli.main", *run.argv], stdout=out,
                                  stderr=subprocess.STDOUT, cwd=opts.results, env=env).returncode
    meta = {"method": run.method, "seed": run.seed, "argv": list(run.argv), "start": start.isoformat(),
            "wall_s": time.time() - began, "threads": 1, "returncode": code}
    run.record.write_text(json.dumps(meta, indent=1))
    return meta


def _in_process(argv: list[str], out: Any) -> int:
    from nas.cli.main import main

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def run_all(opts: Options, runs: Sequence[Run]) -> dict[str, dict[str, Any]]:
    """Every run's record: reused when finished, else run now."""
    metas: dict[str, dict[str, Any]] = {}
    todo = []
    for run in runs:
        meta = finished(run)
        if meta is None:
            todo.append(run)
        else:
            metas[run.name] = meta
            print(f"search_efficiency: {run.name}: reusing the finished run", file=sys.stderr)

    def one(run: Run) -> tuple[str, dict[str, Any]]:
        print(f"search_efficiency: {run.name}: running for {opts.timeout:g} s", file=sys.stderr, flush=True)
        meta = execute(run, opts)
        if meta["returncode"] != 0:
            print(f"search_efficiency: {run.name}: nas search exited {meta['returncode']} "
                  f"(see {run.db.with_suffix('.log')}); left out", file=sys.stderr)
        return run.name, meta

    if opts.parallel > 1 and not opts.in_process:
        with ThreadPoolExecutor(opts.parallel) as pool:
            metas.update(pool.map(one, todo))
    else:
        metas.update(one(run) for run in todo)
    return metas


# ---- measuring ---------------------------------------------------------------------------------


def hypervolume(points: Sequence[tuple[float, float]], ref_accuracy: float, ref_flops: float) -> float:
    """The area of (accuracy, FLOPs) space that ``points`` dominate up to the reference point,
    divided by ``(1 - ref_accuracy) * ref_flops`` (accuracy maximised, FLOPs minimised).

    Points no better than the reference on either axis add nothing.
    """
    useful = sorted((f, a) for a, f in points if a > ref_accuracy and f < ref_flops)
    area, best = 0.0, ref_accuracy
    for i, (flops, acc) in enumerate(useful):
        best = max(best, acc)
        right = useful[i + 1][0] if i + 1 < len(useful) else ref_flops
        area += (right - flops) * (best - ref_accuracy)
    scale = (1.0 - ref_accuracy) * ref_flops
    return area / scale if scale > 0 else 0.0


@dataclass(frozen=True)
class Point:
    """A trained trial of a run: when it finished (CPU-seconds), its accuracy, FLOPs, fidelity."""

    t: float
    accuracy: float
    flops: int
    fidelity: tuple[int, int]


@dataclass
class Trace:
    """A run's trained trials and its hypervolume after each (the top-fidelity ones only)."""

    name: str
    method: str
    seed: int
    points: list[Point]
    classes: int
    counts: dict[str, int] = field(default_factory=dict)
    curve: list[tuple[float, float]] = field(default_factory=list)

    def at(self, t: float) -> float:
        """The hypervolume at CPU-second ``t`` (a step function of the curve)."""
        value = 0.0
        for when, hv in self.curve:
            if when > t:
                break
            value = hv
        return value

    def reach(self, target: float, limit: float) -> float | None:
        """The first CPU-second at which the hypervolume is ``>= target`` (within ``limit``)."""
        for when, hv in self.curve:
            if when > limit:
                return None
            if hv >= target:
                return when
        return None


def read_trace(name: str, meta: dict[str, Any], url: str) -> Trace:
    """A finished run's trained trials, timed from the run's start."""
    import optuna

    from nas.study.record import TrialKind, count_kinds, read_records

    study = optuna.load_study(study_name=name, storage=url)
    start = dt.datetime.fromisoformat(meta["start"])
    threads = int(meta.get("threads", 1))
    records = read_records(study)
    points, classes = [], 0
    for r in records:
        if r.arch and isinstance(r.arch.get("classes"), int):
            classes = r.arch["classes"]
        if r.kind != TrialKind.SEARCHED or r.accuracy is None or r.flops is None or r.finished is None:
            continue
        f = r.fidelity or {}
        points.append(Point((r.finished - start).total_seconds() * threads, r.accuracy, r.flops,
                            (int(f.get("epochs", 0)), int(f.get("train_samples", 0)))))
    counts = {k.value: v for k, v in count_kinds([r for r in records if not r.baseline]).items() if v}
    return Trace(name, meta["method"], meta["seed"], sorted(points, key=lambda p: p.t), classes, counts)


def trace_curves(traces: Sequence[Trace], budget: int) -> tuple[int, int] | None:
    """Fill each trace's curve with the hypervolume of its top-fidelity trials; return that fidelity."""
    top = max((p.fidelity for t in traces for p in t.points), default=None)
    classes = max((t.classes for t in traces), default=0) or 10
    for trace in traces:
        kept: list[tuple[float, float]] = []
        trace.curve = []
        for p in trace.points:
            if p.fidelity != top:
                continue
            kept.append((p.accuracy, float(p.flops)))
            trace.curve.append((p.t, hypervolume(kept, 1.0 / classes, float(budget))))
    return top


def median_or_nan(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def summarize(traces: Sequence[Trace], opts: Options) -> dict[str, Any]:
    """Per method: hypervolume median/min/max at each checkpoint, ratios at the end, time to
    reach random's final median hypervolume."""
    limit = opts.timeout
    checkpoints = [limit * (i + 1) / opts.checkpoints for i in range(opts.checkpoints)]
    by_method: dict[str, list[Trace]] = {}
    for t in traces:
        by_method.setdefault(t.method, []).append(t)
    finals = {m: median_or_nan([t.at(limit) for t in ts]) for m, ts in by_method.items()}
    target = finals.get("random")
    table: dict[str, Any] = {}
    for method, ts in by_method.items():
        rows = []
        for c in checkpoints:
            values = [t.at(c) for t in ts]
            rows.append({"cpu_s": c, "median": median_or_nan(values), "min": min(values), "max": max(values)})
        reach = [t.reach(target, limit) for t in ts] if target is not None and target > 0 else []
        reached = [r for r in reach if r is not None]
        table[method] = {
            "runs": len(ts), "checkpoints": rows,
            "vs_tpe": _ratio(finals[method], finals.get("tpe")),
            "vs_random": _ratio(finals[method], finals.get("random")),
            "reach_random_s": median_or_nan(reached) if len(reached) * 2 > len(reach) else None,
            "reached": f"{len(reached)}/{len(reach)}" if reach else None,
            "trained": median_or_nan([float(len(t.curve)) for t in ts]),
        }
    return {"target_random": target, "checkpoints": checkpoints, "methods": table}


def _ratio(a: float, b: float | None) -> float | None:
    if b is None or not b > 0 or math.isnan(a):
        return None
    return a / b


# ---- output ------------------------------------------------------------------------------------


def print_table(summary: dict[str, Any], skipped: dict[str, str], top: tuple[int, int] | None) -> None:
    cps = summary["checkpoints"]
    print(f"\nhypervolume of the (validation accuracy, FLOPs) front, reference (1/classes, budget), "
          f"normalised; median [min-max] over seeds; top fidelity {top[0] if top else '?'} epochs x "
          f"{top[1] if top else '?'} images")
    head = f"{'method':<20}" + "".join(f"{f'@{c:.0f} s':>22}" for c in cps) + f"{'vs tpe':>8}{'vs random':>10}" \
        + f"{'reach random':>14}{'trained':>9}"
    print(head)
    for method, row in summary["methods"].items():
        cells = "".join(f"{r['median']:>8.4f} [{r['min']:.3f}-{r['max']:.3f}]" for r in row["checkpoints"])
        reach = "-" if row["reached"] is None else (
            f"{row['reach_random_s']:.0f} s" if row["reach_random_s"] is not None else f"no ({row['reached']})")
        print(f"{method:<20}{cells}{_fmt(row['vs_tpe']):>8}{_fmt(row['vs_random']):>10}{reach:>14}"
              f"{row['trained']:>9.0f}")
    for method, why in skipped.items():
        print(f"{method:<20}skipped: {why}")


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def write_html(traces: Sequence[Trace], opts: Options, path: Path) -> None:
    """Median hypervolume against CPU-seconds per method, with the min-max band over seeds."""
    import plotly.graph_objects as go

    grid = [opts.timeout * i / 200 for i in range(201)]
    fig = go.Figure()
    colors = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3"]
    methods = list(dict.fromkeys(t.method for t in traces))
    for i, method in enumerate(methods):
        ts = [t for t in traces if t.method == method]
        values = [[t.at(x) for t in ts] for x in grid]
        color = colors[i % len(colors)]
        fig.add_trace(go.Scatter(x=grid + grid[::-1], y=[max(v) for v in values] + [min(v) for v in values][::-1],
                                 fill="toself", line={"width": 0}, fillcolor=color, opacity=0.15,
                                 hoverinfo="skip", showlegend=False, legendgroup=method))
        fig.add_trace(go.Scatter(x=grid, y=[statistics.median(v) for v in values], mode="lines",
                                 line={"color": color, "shape": "hv"}, name=f"{method} ({len(ts)} seeds)",
                                 legendgroup=method))
    fig.update_layout(
        title=f"Hypervolume vs CPU-seconds: {opts.space.name} at <= {format_count(opts.budget)} FLOPs on "
              f"{opts.dataset} (median, band: min-max over seeds)",
        xaxis_title="CPU-seconds (wall x 1 thread)", yaxis_title="hypervolume (normalised)", template="plotly_white",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True, full_html=True)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        opts.results.mkdir(parents=True, exist_ok=True)
        if opts.quick and not opts.space.exists():
            opts.space.write_text(QUICK_SPACE)
        check(opts)
        methods, skipped = runnable(opts)
        for method, why in skipped.items():
            print(f"search_efficiency: note: skipping {method}: {why}", file=sys.stderr)
        if not methods:
            raise NasError("no method can run with this nas search")
        runs = plan(opts, methods)
        metas = run_all(opts, runs)
    except NasError as exc:
        print(f"search_efficiency: error: {exc}", file=sys.stderr)
        return 2
    traces = [read_trace(r.name, metas[r.name], r.url) for r in runs if metas[r.name]["returncode"] == 0]
    top = trace_curves(traces, opts.budget)
    summary = summarize(traces, opts)
    print_table(summary, skipped, top)
    write_html(traces, opts, opts.html)
    raw = {
        "settings": {"methods": list(opts.methods), "seeds": opts.seeds, "timeout_cpu_s": opts.timeout,
                     "budget": opts.budget, "space": str(opts.space), "dataset": opts.dataset,
                     "prescreen": opts.prescreen, "quick": opts.quick, "top_fidelity": top},
        "skipped": skipped, "summary": summary,
        "runs": [{"name": t.name, "method": t.method, "seed": t.seed, "classes": t.classes, "counts": t.counts,
                  "start": metas[t.name]["start"], "wall_s": metas[t.name]["wall_s"],
                  "trained": [[p.t, p.accuracy, p.flops, list(p.fidelity)] for p in t.points],
                  "curve": t.curve} for t in traces],
    }
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(_finite(raw), indent=1))
    print(f"\ncurves: {opts.html}\nraw numbers: {opts.json}\nruns: {opts.results}")
    return 0


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float as ``None`` (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


__all__ = ["METHODS", "Options", "hypervolume", "main", "parse_args", "summarize"]

if __name__ == "__main__":
    sys.exit(main())
