"""``nas status``: one screen on a study: trial states, best so far, workers seen recently."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nas.api.status import StudyStatus, WorkerSeen


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="show a study's progress: trial states, best so far, workers seen recently",
        description="Show a study's trials by state, its best trials so far and the workers seen recently.",
    )
    p.add_argument("study", metavar="STUDY", help="study name")
    p.add_argument("--storage", metavar="URL", help="Optuna storage URL (default: sqlite:///studies/STUDY.db)")
    p.add_argument("--recent", default="10", metavar="MIN",
                   help="a worker counts as recent if it ran a trial in the last MIN minutes (default 10)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.status import recent_window
    from nas.api.study import open_study

    recent = recent_window(args.recent)  # checked before the study is opened
    status = open_study(args.study, args.storage).status(recent)
    for line in status_lines(status):
        print(line)
    return 0


def status_lines(s: StudyStatus) -> list[str]:
    """The lines ``nas status`` prints for ``s``."""
    from nas.units import format_count

    budget = format_count(s.max_flops) if s.max_flops is not None else "?"
    lines = [f"study {s.study}: {_known(s.space)} on {_known(s.dataset)}, budget {budget} FLOPs", _trials_line(s)]
    f = s.finalized
    if f.any:
        silent = f" ({f.silent} silent)" if f.silent else ""
        lines.append(f"finalised (nas finalize): {f.finalized} trials, {f.running} being trained{silent}, "
                     f"{f.failed} finalisation jobs failed or withdrawn")
    if s.eta is not None:
        lines.append(f"trials that reached each rung (epochs x images, eta {s.eta}): " + ", ".join(
            f"{r.epochs}x{'all' if r.images is None else r.images}: {r.trials}" for r in s.rungs))
    if s.best:
        lines.append("best so far:")
        for r in s.best[:5]:
            test = f"  test {r.final.test_accuracy:.2%}" if r.final is not None else ""
            lines.append(f"  trial {r.number:>4}  acc {r.accuracy:.2%}{test}  FLOPs {format_count(r.flops or 0)}  "
                         f"{r.notation}")
    lines.append(f"workers seen in the last {s.recent_min:g} min: {len(s.workers)}")
    lines += [_worker_line(w, s) for w in s.workers]
    return lines


def _known(value: str | None) -> str:
    """A stored setting, or ``?`` for one the study does not store."""
    return "?" if value is None else value


def _trials_line(s: StudyStatus) -> str:
    """The trial counts by kind, with the rungs' split for a multi-fidelity search."""
    from nas.study.record import TrialKind as K

    c = s.counts
    of = f"/{s.target}" if s.target else ""
    trained = (f"{c[K.SEARCHED]}{of} complete" if s.eta is None else
               f"{c[K.SEARCHED] + c[K.STOPPED]}{of} screened, {c[K.SEARCHED]} trained to the top "
               f"rung, {c[K.STOPPED]} stopped at a lower rung")
    screened = (f", {c[K.SCREENED_OUT]} screened out by the zero-cost pre-screen "
                f"({s.prescreen_proxy}, 1 in {s.prescreen} trained)" if c[K.SCREENED_OUT] else "")
    return (f"trials: {trained}, {c[K.RUNNING]} running, {c[K.FAILED]} failed, {c[K.OVER_BUDGET]} over budget, "
            f"{c[K.DUPLICATE] + c[K.SURPLUS]} pruned (duplicates/surplus){screened}")


def _worker_line(w: WorkerSeen, s: StudyStatus) -> str:
    """One worker: its trials and what it is doing."""
    ago = int((s.now - w.last_seen).total_seconds())
    text = ("running a trial" if w.state == "running" else
            f"silent: no heartbeat from its trial for longer than the grace period (trial failed), "
            f"last seen {ago} s ago" if w.state == "silent" else f"last trial {ago} s ago")
    return f"  {w.name:<28} {w.trials:>4} trials  {text}"
