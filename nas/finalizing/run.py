"""The finalisation loop: claim each chosen trial in turn, train it with the full recipe
(:func:`nas.training.full.train_full`, resumable from its checkpoint), record the result.

A worker goes through the chosen trials (``--jobs`` workers each start at a different one),
skips those already finalised with the plan's training settings, waits for those another live
worker holds (taking them over if that worker goes silent or its process on this host is gone)
and stops when every chosen trial is finalised or failed in its hands.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import optuna

from nas.arch.io import from_dict
from nas.data import ImageData, load_dataset
from nas.errors import NasError, TrainingDiverged
from nas.finalizing.claims import Busy, Claim, try_claim
from nas.finalizing.recipes import recipe_record, weights_folder
from nas.processes import WORKER
from nas.study.record import TrialRecord, read_records
from nas.study.stored import quiet_optuna
from nas.training import TrainSettings, set_threads
from nas.training.full import adapt_config, train_full
from nas.training.loop import EpochStats
from nas.units import format_duration

#: Outcomes of one unit in one worker.
FINALISED, ALREADY, FAILED, LOST = "finalised", "already finalised", "failed", "lost"


@dataclass(frozen=True)
class Plan:
    """What to finalise and how (everything a worker process needs).

    Attributes:
        study, url: the study and its storage URL.
        targets: the trial numbers to finalise, in training order.
        recipe: the full training recipe.
        weights_dir: each trial trains in ``weights_dir/trial-<N>`` (checkpoint, weights, metrics).
        dataset, data_dir: the study's data set and where its files are.
        device: where to train (``None``: CUDA when available).
        threads: torch CPU threads per worker (``None``: every core).
        heartbeat, grace: the study's stored heartbeat interval and grace period (seconds).
        bars: per-epoch progress bars (a terminal and one worker).
        epoch_lines: a line per finished epoch (when there are no bars).
        folders: ``(target, folder)`` for each target that trains elsewhere than
            :func:`~nas.finalizing.recipes.weights_folder` (another recipe's run is there).
    """

    study: str
    url: str
    targets: tuple[int, ...]
    recipe: TrainSettings
    weights_dir: str
    dataset: str
    data_dir: str | None = None
    device: str | None = None
    threads: int | None = None
    heartbeat: float = 30.0
    grace: float = 120.0
    bars: bool = False
    epoch_lines: bool = True
    folders: tuple[tuple[int, str], ...] = ()

    def folder(self, target: int) -> Path:
        """Where ``target`` trains with this plan's recipe."""
        given = dict(self.folders).get(target)
        return Path(given) if given is not None else weights_folder(self.weights_dir, target)


class _ClaimLost(Exception):
    """This worker's claim was failed by another worker (it was taken for dead)."""


def work(plan: Plan, index: int = 0, data: ImageData | None = None,
         say: Callable[[str], None] | None = None) -> dict[int, str]:
    """One worker: finalise ``plan.targets`` until each is finalised (by anyone) or failed here.

    Args:
        plan: what to finalise.
        index: this worker's index; it starts at target ``index`` (modulo their number), so
            workers started together begin with different trials.
        data: the loaded data set (``None``: loaded here when first needed).
        say: where progress lines go (default: stderr).

    Returns:
        Each target's outcome in this worker (:data:`FINALISED`, :data:`ALREADY`, :data:`FAILED`, :data:`LOST`).

    Raises:
        NasError: when a trial's checkpoint or configuration refuses the run (recorded as a
            failed finalisation first), or, before anything is claimed, when ``plan.grace`` is
            shorter than the storage's lock timeout.
    """
    from nas.study.stored import open_stored

    say = say or _stderr
    quiet_optuna()
    set_threads(plan.threads)
    study, storage, _ = open_stored(plan.study, plan.url, sampler=optuna.samplers.RandomSampler(), grace=plan.grace)
    k = index % len(plan.targets) if plan.targets else 0
    pending = list(plan.targets[k:] + plan.targets[:k])
    outcomes: dict[int, str] = {}
    waiting: set[int] = set()
    while pending:
        progressed = False
        for target in list(pending):
            got = try_claim(study, storage, target, WORKER, plan.heartbeat, plan.grace, settings=plan.recipe)
            if isinstance(got, Busy):
                if got.done is not None:
                    pending.remove(target)
                    outcomes.setdefault(target, ALREADY)
                elif target not in waiting and got.by is not None:
                    waiting.add(target)
                    say(f"trial {target}: being finalised by {got.by.worker} (trial {got.by.number}); "
                        "waiting for it (or for its worker to go silent)")
                continue
            progressed = True
            try:
                record = next(r for r in read_records(study) if r.number == target)
                if data is None:
                    data = load_dataset(plan.dataset, plan.data_dir)
                outcomes[target] = _finalise(plan, got, record, data, say)
            except BaseException as exc:  # the claim must not wait out the grace period (no-op if ended)
                got.fail("interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}")
                raise
            pending.remove(target)
        if pending and not progressed:
            time.sleep(min(plan.heartbeat, 5.0))
    return outcomes


def _finalise(plan: Plan, claim: Claim, record: TrialRecord, data: ImageData, say: Callable[[str], None]) -> str:
    """Train one claimed trial and record the result (or why there is none)."""
    from nas.training.device import pick_device

    target = record.number
    out = plan.folder(target)
    epochs = plan.recipe.epochs

    began, first = time.perf_counter(), []

    def before_write() -> None:
        if not claim.held():
            raise _ClaimLost

    def on_epoch(stats: EpochStats) -> None:
        if claim.lost:
            raise _ClaimLost
        if plan.epoch_lines:
            if not first:
                first.append(stats.epoch)
            elapsed = time.perf_counter() - began
            per_epoch = elapsed / (stats.epoch - first[0] + 1)  # epochs of this run (a resumed one starts later)
            val = f", validation accuracy {stats.val_accuracy:.2%}" if stats.val_accuracy is not None else ""
            say(f"trial {target}: epoch {stats.epoch}/{epochs}, training loss {stats.train_loss:.4f}{val}, "
                f"{format_duration(elapsed)} elapsed, about {format_duration(per_epoch * (epochs - stats.epoch))} left")

    what = record.baseline or record.notation
    say(f"trial {target} (validation accuracy {record.accuracy:.2%}): training {epochs} epochs in {out} "
        f"(finalisation trial {claim.number}); {what}")
    with claim:
        try:
            config = adapt_config(from_dict(record.arch or {}), data)
            result = train_full(config, data, plan.recipe, out, device=plan.device, progress=plan.bars,
                                resume=True, val_size=0, on_epoch=on_epoch, before_write=before_write)
        except _ClaimLost:
            say(f"trial {target}: another worker took this finalisation over (no heartbeat of this one reached the "
                f"study within the grace period); stopped without writing its next checkpoint in {out}, the trial "
                "is left to that worker")
            return LOST
        except TrainingDiverged as exc:
            claim.fail(f"training diverged: {exc}")
            say(f"trial {target}: training diverged ({exc}); try a lower --lr than {plan.recipe.lr:g}")
            return FAILED
        except NasError as exc:
            claim.fail(str(exc))
            raise
        except Exception as exc:
            claim.fail(f"{type(exc).__name__}: {exc}")
            say(f"trial {target}: failed: {type(exc).__name__}: {exc}")
            return FAILED
        except BaseException:  # Ctrl-C, SIGTERM: the checkpoint stays, a re-run resumes from it
            claim.fail("interrupted")
            raise
        device = str(pick_device(plan.device))
        weights = str(result.model_path.resolve())
        if not claim.finish(result.test_accuracy, recipe_record(plan.recipe, data, device), result.wall_s, weights):
            say(f"trial {target}: another worker took this finalisation over before it was recorded")
            return LOST
    resumed = f", resumed after epoch {result.resumed_from_epoch}" if result.resumed_from_epoch else ""
    say(f"trial {target}: test accuracy {result.test_accuracy:.2%} after {result.epochs} epochs "
        f"({result.wall_s:.0f} s{resumed}); weights {weights}")
    return FINALISED


def _stderr(line: str) -> None:
    print(f"nas finalize: {line}", file=sys.stderr, flush=True)


def _job_process(plan: Plan, index: int, parent: int) -> None:
    from nas.processes import setup_worker_process

    setup_worker_process(parent)

    def say(line: str) -> None:
        print(f"nas finalize (job {index}): {line}", file=sys.stderr, flush=True)

    try:
        work(plan, index, say=say)
    except KeyboardInterrupt:
        pass
    except NasError as exc:
        print(f"nas finalize (job {index}): error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def run_jobs(plan: Plan, jobs: int) -> list[int | None]:
    """Run ``jobs`` worker processes over ``plan`` and wait for them.

    Returns:
        Each worker's exit code (0: it ended well; 2: it stopped on an error it printed; negative:
        killed by that signal), to be judged with what is left undone (:func:`judge_jobs`).
    """
    from nas.processes import supervise

    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_job_process, args=(plan, i, os.getpid())) for i in range(jobs)]
    try:
        supervise(procs)
    except NasError:  # a worker ended badly: how much that matters depends on what is left undone
        pass
    return [p.exitcode for p in procs]


def _how_jobs_ended(codes: Sequence[int | None]) -> str:
    """``"job 1 was killed by signal 9"``, for each job that did not end well."""
    return ", ".join(
        f"job {i} " + ("stopped on an error (see above)" if code == 2
                       else f"was killed by signal {-code}" if code is not None and code < 0
                       else f"exited with code {code}")
        for i, code in enumerate(codes) if code != 0
    )


def judge_jobs(codes: Sequence[int | None], undone: Sequence[int]) -> str | None:
    """Judge how the worker processes ended by what is left undone.

    Args:
        codes: the workers' exit codes (:func:`run_jobs`).
        undone: the targets not finalised with the plan's recipe afterwards.

    Returns:
        ``None`` when every worker ended well; else, when nothing is left undone, a one-line note
        saying which ended badly (the others finished their work).

    Raises:
        NasError: when a worker ended badly and targets are left undone.
    """
    how = _how_jobs_ended(codes)
    if not how:
        return None
    if undone:
        raise NasError(f"{how}; trial(s) {', '.join(map(str, undone))} not finalised: re-run the same command to "
                       "finish them")
    return f"{how}; the other jobs finished the work"


__all__ = ["ALREADY", "FAILED", "FINALISED", "LOST", "Plan", "judge_jobs", "recipe_record", "run_jobs",
           "weights_folder", "work"]
