"""Bookkeeping per trial as a study grows to 1,000 trials: sampler, promotions, storage.

Runs the search's own worker loop (``nas.searching.workers.worker``) on one SQLite study of
``search_spaces/lightweight.yaml`` at a FLOPs budget, on Fashion-MNIST, with every piece of
per-architecture *work* timed apart: counting the cost, building the model, latency and
activation memory, zero-cost proxies, and training. Training, latency and proxies are replaced
by instant stand-ins (a random validation accuracy, a fixed latency, random proxy scores) so that
1,000 trials fit in minutes; everything else is the real thing: the sampler (TPE and its
budget drafts, :mod:`nas.searching.feasible`), the duplicate and slot claims, the promotion
tables of an ``asha`` search, stale-trial checks, and every storage read and write.

Bookkeeping of a trial = its wall time in the loop minus its timed work. It is compared with
what a real trial of the same search costs: one architecture trained for real at the search's
fidelity (``--epochs`` x ``--train-subset``, one thread), measured in the same run. Prints the
median bookkeeping per trial over windows of the study's size and its share of a real trial:

    share = bookkeeping / (bookkeeping + real trial)

It also prints how many of the proposals after the first 20 trials were over the budget.
``--without-drafts`` runs the sampler bare (no budget drafts), for the figures before them.

    python benchmarks/bookkeeping.py [--trials 1000] [--fidelity single|asha] [--budget 5M]
        [--sampler tpe] [--windows 0,100,300,1000] [--threads 1] [--without-drafts] [--no-real-trial]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from nas.cost import LatencyResult  # noqa: E402
from nas.errors import NasError  # noqa: E402
from nas.searching import (  # noqa: E402
    asha,
    objective,
    prescreen,
    workers,  # noqa: E402
)
from nas.searching.budget import parse_count  # noqa: E402
from nas.searching.data import prepare  # noqa: E402
from nas.searching.settings import settings_from  # noqa: E402
from nas.searching.study import with_stored_space  # noqa: E402
from nas.study.record import TrialKind, read_records  # noqa: E402
from nas.training import TrainResult, set_threads, train_proxy  # noqa: E402


class Clock:
    """Seconds spent inside the functions it wraps."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def stand_ins(rng: random.Random, clock: Clock) -> list[Any]:
    """Patches: real cost counting and model building timed as work; training, latency and
    proxies replaced by instant stand-ins."""

    def fake_train(model: torch.nn.Module, split: Any, train: Any, **_: Any) -> TrainResult:
        return TrainResult(val_accuracy=rng.uniform(0.6, 0.9), val_loss=0.5, train_time_s=0.0, epochs=train.epochs,
                           train_samples=len(split.train_y), samples_per_s=0.0, train_loss=0.5, eval_time_s=0.0,
                           history=())

    def fake_latency(*_: Any, **__: Any) -> LatencyResult:
        return LatencyResult(median_ms=1.0, p10_ms=1.0, p90_ms=1.0, repeats=1)

    def fake_score(model: Any, batch: Any, names: Sequence[str], seed: int = 0) -> dict[str, float]:
        return {name: rng.uniform(0.0, 1.0) for name in names}

    accuracy = {"value": 0.0}

    def fake_steps(self: Any, n: int) -> None:
        accuracy["value"] = rng.uniform(0.6, 0.9)
        self.steps_done = getattr(self, "steps_done", 0) + n

    return [
        mock.patch.object(objective, "safe_cost", clock.wrap(objective.safe_cost)),
        mock.patch.object(objective, "build_model", clock.wrap(objective.build_model)),
        mock.patch.object(objective, "peak_activation_bytes", clock.wrap(objective.peak_activation_bytes)),
        mock.patch.object(objective, "measure_latency", fake_latency),
        mock.patch.object(objective, "train_proxy", fake_train),
        mock.patch.object(prescreen, "score", fake_score),
        mock.patch.object(asha.Trainer, "run_steps", fake_steps),
        mock.patch.object(asha.Trainer, "evaluate", lambda self, x, y: (accuracy["value"], 0.5)),
    ]


def real_trial_seconds(prepared: Any, settings: Any) -> tuple[float, str]:
    """One architecture of the space (the first random one within the budget) trained for real."""
    from nas.blocks import build_model
    from nas.cost import safe_cost

    for _, config in prepared.space.random(200, seed=settings.seed):
        if safe_cost(config).flops <= settings.max_flops:
            break
    start = time.perf_counter()
    train_proxy(build_model(config), prepared.split, settings.train_settings(), progress=False)
    return time.perf_counter() - start, config.notation()


def windows(bounds: Sequence[int], per_trial: Sequence[tuple[int, float]]) -> list[tuple[str, list[float]]]:
    """Bookkeeping seconds of the trials whose study size fell in each window ``(a, b]``."""
    rows = []
    for low, high in zip(bounds, bounds[1:]):
        rows.append((f"{low}-{high}", [s for n, s in per_trial if low < n <= high]))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=1000, help="trials the study grows to (default 1000)")
    parser.add_argument("--fidelity", choices=("single", "asha"), default="single", help="search fidelity")
    parser.add_argument("--budget", default="5M", help="FLOPs budget (default 5M)")
    parser.add_argument("--sampler", default="tpe", help="search sampler (default tpe)")
    parser.add_argument("--windows", default="0,100,300,1000", help="study sizes bounding the table's rows")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="search seed")
    parser.add_argument("--without-drafts", action="store_true", help="the bare sampler: no budget drafts")
    parser.add_argument("--no-real-trial", action="store_true", help="skip the real training (no share column)")
    args = parser.parse_args(argv)
    try:
        budget = parse_count(args.budget, "--budget")
    except NasError as exc:
        parser.error(str(exc))
    try:
        bounds = sorted({int(b) for b in args.windows.split(",")})
    except ValueError:
        parser.error(f"--windows: expected study sizes like 0,100,300,1000, got {args.windows!r}")
    if not 1 <= args.trials <= 100_000 or not 1 <= args.threads <= 1024:
        parser.error("--trials must be from 1 to 100000 and --threads from 1 to 1024")
    set_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            settings = settings_from(
                space=str(ROOT / "search_spaces/lightweight.yaml"), max_flops=budget, trials=args.trials,
                study="bookkeeping", storage=f"sqlite:///{tmp}/bookkeeping.db", progress=False, trial_lines=False,
                sampler=args.sampler, fidelity=args.fidelity, threads=args.threads, seed=args.seed,
            )
        except NasError as exc:
            parser.error(str(exc))
        settings, space = with_stored_space(settings)
        prepared = prepare(settings, None, space.name)
        real_s = float("nan")
        if not args.no_real_trial:
            real_s, notation = real_trial_seconds(prepared, settings)
            print(f"real trial: {real_s:.1f} s ({settings.epochs} epochs x {len(prepared.split.train_y)} images, "
                  f"{args.threads} thread) for {notation}", flush=True)
        clock, rng = Clock(), random.Random(args.seed)
        per_trial: list[tuple[int, float]] = []
        state: dict[str, Any] = {"last": time.perf_counter(), "work": 0.0}

        def on_trial(study: Any) -> None:
            state["study"] = study
            now = time.perf_counter()
            n = len(study.get_trials(deepcopy=False))
            per_trial.append((n, (now - state["last"]) - (clock.seconds - state["work"])))
            state["last"], state["work"] = now, clock.seconds
            if n % 100 == 0:
                recent = statistics.median(s for _, s in per_trial[-100:])
                print(f"  {n} trials: median bookkeeping of the last 100 {recent:.3f} s", file=sys.stderr, flush=True)

        with ExitStack() as stack:
            for patch in stand_ins(rng, clock):
                stack.enter_context(patch)
            if args.without_drafts:
                stack.enter_context(mock.patch.object(workers, "FeasibleProposals", lambda inner, *_: inner))
            start = time.perf_counter()
            state["last"] = start
            workers.worker(settings, space, on_trial=on_trial, prepared=prepared)
            wall = time.perf_counter() - start
        kinds = [r.kind for r in read_records(state["study"]) if r.number >= 20 and r.kind != TrialKind.BASELINE]
        over = sum(k == TrialKind.OVER_BUDGET for k in kinds)
    print(f"over budget after the first 20 trials: {over} of {len(kinds)} proposals ({over / max(1, len(kinds)):.1%}); "
          f"{'bare sampler' if args.without_drafts else 'with budget drafts'}")
    print(f"{len(per_trial)} trials in {wall:.0f} s; sampler {args.sampler}, fidelity {args.fidelity}, "
          f"budget {args.budget}, {args.threads} thread(s)")
    print(f"{'study size':>12} {'trials':>7} {'median s':>9} {'p90 s':>7} {'share of a real trial':>22}")
    for name, values in windows(bounds, per_trial):
        if not values:
            continue
        med = statistics.median(values)
        p90 = sorted(values)[int(0.9 * (len(values) - 1))]
        print(f"{name:>12} {len(values):7d} {med:9.3f} {p90:7.3f} {med / (med + real_s):21.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
