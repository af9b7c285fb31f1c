"""The question answered end to end, timed: the README's default search, then ``nas finalize``
of its front beside the presets.

Runs, each as the README gives it (defaults everywhere but the study's name and storage):

1. ``nas search search_spaces/lightweight.yaml --max-flops 5M --with-presets``;
2. ``nas finalize STUDY --top 3 --with-presets`` (15 epochs each, the presets too);
3. ``nas report STUDY`` (the page with final test accuracy beside the presets).

Each command's wall time is appended to ``--results`` the moment it ends, one JSON object per
run keyed ``STEP run N``, with its exit code. A step whose last run exited 0 is done; running
this again runs only the steps not done, and the commands themselves resume (the search from
its stored trials, finalize from each trial's checkpoint), so a run cut by the end of a session
continues in the next. A run that is interrupted (Ctrl-C, SIGTERM) is stored with its time so
far and exit code 130; one that is killed outright is not stored, and its time is lost.

    python benchmarks/question_to_answer.py [--study question-5M] [--storage URL] [--results PATH]
        [--list]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas.errors import NasError
from nas.ledger import Ledger, commit_of

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks/results/question-to-answer.jsonl"
STUDY = "question-5M"
STEPS = ("search", "finalize", "report")


@dataclass(frozen=True)
class Options:
    """What to run and where to keep it (see the module's docstring)."""

    study: str = STUDY
    storage: str = f"sqlite:///{ROOT / 'benchmarks/results/question-5M.db'}"
    results: Path = RESULTS
    space: Path = ROOT / "search_spaces/lightweight.yaml"
    max_flops: str = "5M"
    list_only: bool = False

    def argv(self, step: str) -> list[str]:
        """The ``nas`` command line of ``step``."""
        where = ["--storage", self.storage]
        if step == "search":
            return ["search", str(self.space), "--max-flops", self.max_flops, "--with-presets", "--study",
                    self.study, *where, "--no-progress"]
        if step == "finalize":
            return ["finalize", self.study, *where, "--top", "3", "--with-presets", "--no-progress"]
        return ["report", self.study, *where]


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """The options; bad ones raise :class:`NasError` naming the option."""
    defaults = Options()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--study", default=defaults.study, help=f"the study's name (default {defaults.study})")
    p.add_argument("--storage", default=defaults.storage,
                   help="Optuna storage URL of the study (default: benchmarks/results/question-5M.db)")
    p.add_argument("--results", type=Path, default=defaults.results, help="JSON-lines wall times (appended, resumed)")
    p.add_argument("--space", type=Path, default=defaults.space, help="the search space (default: lightweight.yaml)")
    p.add_argument("--max-flops", default=defaults.max_flops, help="the FLOPs budget (default 5M)")
    p.add_argument("--list", action="store_true", help="print the stored runs and what is left; run nothing")
    a = p.parse_args(argv)
    if not a.space.is_file():
        raise NasError(f"--space: no file {a.space}")
    return Options(a.study, a.storage, a.results, a.space, a.max_flops, a.list)


def check_row(row: dict[str, Any]) -> None:
    """Refuse a row that is not a timed run of one of :data:`STEPS`."""
    if row.get("step") not in STEPS:
        raise NasError(f"row {row.get('key', '?')}: step must be one of {', '.join(STEPS)}")
    for field, kind in (("wall_s", (int, float)), ("rc", int), ("run", int), ("argv", list)):
        if not isinstance(row.get(field), kind):
            raise NasError(f"row {row.get('key', '?')}: no {field!r}")


def ledger(path: Path) -> Ledger:
    return Ledger(path, key_field="key", check=check_row)


def runs_of(rows: Sequence[dict[str, Any]], step: str) -> list[dict[str, Any]]:
    """The stored runs of ``step``, in the order they ran."""
    return sorted((r for r in rows if r["step"] == step), key=lambda r: r["run"])


def done(rows: Sequence[dict[str, Any]], step: str) -> bool:
    """Whether ``step``'s last stored run exited 0."""
    runs = runs_of(rows, step)
    return bool(runs) and runs[-1]["rc"] == 0


def summary(rows: Sequence[dict[str, Any]]) -> str:
    """One line per step (runs, wall minutes in all, done or not) and the total."""
    lines, total = [], 0.0
    for step in STEPS:
        runs = runs_of(rows, step)
        wall = sum(r["wall_s"] for r in runs)
        total += wall
        state = "done" if done(rows, step) else ("not done" if runs else "not run")
        lines.append(f"{step:<9} {len(runs)} run{'s' if len(runs) != 1 else ' '} {wall / 60:7.1f} min  {state}")
    lines.append(f"{'in all':<9} {'':6} {total / 60:7.1f} min"
                 + ("" if all(done(rows, s) for s in STEPS) else " so far"))
    return "\n".join(lines)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_step(opts: Options, step: str, table: Ledger) -> int:
    """Run ``step`` once, its output passed through, and store its wall time and exit code."""
    number = len(runs_of(table.rows(), step))
    argv = opts.argv(step)
    print(f"== {step} (run {number}): nas {' '.join(argv)}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "nas", *argv], cwd=ROOT)
    try:
        rc = process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        rc = 130
    wall = time.perf_counter() - start
    table.append({"key": f"{step} run {number}", "step": step, "run": number, "argv": argv, "wall_s": round(wall, 1),
                  "rc": rc, "ended": time.strftime("%Y-%m-%d %H:%M:%S"), "commit": commit_of(ROOT)})
    print(f"== {step} (run {number}): exit {rc} after {wall / 60:.1f} min", flush=True)
    return rc


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        table = ledger(opts.results)
        rows = table.rows()
        if opts.list_only:
            print(summary(rows))
            return 0
        signal.signal(signal.SIGTERM, _terminate)
        for step in STEPS:
            if done(table.rows(), step):
                continue
            rc = run_step(opts, step, table)
            if rc != 0:
                print(summary(table.rows()))
                return 130 if rc == 130 else 1
        print(summary(table.rows()))
        return 0
    except NasError as exc:
        print(f"question_to_answer.py: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
