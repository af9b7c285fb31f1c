"""One trial of an ``asha`` search: train a rung, record it, ask the promotion rule, go on or stop.

This is stopping-type asynchronous successive halving, one Optuna trial per architecture: the
trial's own worker trains it rung after rung on one :class:`~nas.training.loop.Trainer` (so it
continues from its weights, along the top rung's schedule; see :mod:`nas.searching.rungs`), and
after each rung below the top it records its result in the study and decides, from the results
every worker has recorded at that rung, whether to continue (:mod:`nas.searching.promotion`). Only
this trial's worker decides it, so no trial is promoted twice. A stopped trial ends PRUNED with
``rung`` (the last rung it reached) and keeps its rung results; one that reaches the top rung
returns that rung's result, and the objective completes it.

A trial stores each rung's result before it asks the promotion rule, so trials that reach a rung
together each find the other's result in their table.

A worker that dies leaves its trial RUNNING; after the grace period it is failed and retried as
a new trial from rung 0 (a failed trial's rung results never count in a promotion table). The
retry arrives with the failed trial's attrs; the objective clears their rung results before
anything else (:meth:`nas.searching.objective.Objective.__call__`), so no table reads them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
import torch

from nas.data import Split
from nas.errors import TrainingDiverged
from nas.searching.promotion import Row, promote
from nas.searching.rungs import RungPlan, rung_rows
from nas.study import attrs as A
from nas.study.record import read_records
from nas.training import Trainer, TrainResult, TrainSettings


def decide(trial: optuna.Trial, rung: int, accuracy: float, costs: Sequence[float], objectives: Sequence[str],
           eta: int) -> tuple[bool, list[int]]:
    """Whether ``trial`` goes on from ``rung``, from every result recorded at that rung.

    Args:
        trial: the trial asking (its own row is its fresh ``accuracy`` and ``costs``).
        rung: the rung it has just trained.
        accuracy: its validation accuracy there.
        costs: its cost objectives, in the order of ``objectives`` without accuracy.
        objectives: the study's objectives.
        eta: the reduction factor.

    Returns:
        The decision and the trial numbers of the table it was made with.
    """
    rows = [r for r in rung_rows(read_records(trial.study), rung, objectives) if r.number != trial.number]
    rows.append(Row(trial.number, accuracy, tuple(float(c) for c in costs)))
    return promote(rows, trial.number, eta), sorted(r.number for r in rows)


def climb(
    trial: optuna.Trial,
    model: torch.nn.Module,
    split: Split,
    train: TrainSettings,
    plan: RungPlan,
    costs: Mapping[str, float],
    objectives: Sequence[str],
    device: str | None = None,
) -> TrainResult:
    """Train ``model`` up the rungs of ``plan`` while the promotion rule lets it.

    Args:
        trial: the trial (its rung results are written to it).
        model: the architecture, untrained.
        split: the search's data (its training part is the top rung's images).
        train: the top rung's training settings (the schedule every rung is a point of).
        plan: the rungs.
        costs: the trial's measured costs by objective name (``flops``, ``params``, ``latency``).
        objectives: the study's objectives.
        device: where to train.

    Returns:
        The top rung's result.

    Raises:
        optuna.TrialPruned: when the trial is stopped below the top rung (after recording it).
        TrainingDiverged: when the loss or the validation loss becomes non-finite.
    """
    trainer = Trainer(model, split.train_x, split.train_y, split.mean, split.std, train, device,
                      val=(split.val_x, split.val_y), progress=False)
    pool = len(split.train_y)
    own_costs = [costs[name] for name in objectives if name != "accuracy"]
    results: list[dict[str, Any]] = []
    train_time = eval_time = 0.0
    for rung in plan.rungs:
        start = time.perf_counter()
        target = min(rung.batches(pool, train.batch_size), trainer.total_steps)
        trainer.run_steps(max(0, target - trainer.steps_done))
        train_time += time.perf_counter() - start
        start = time.perf_counter()
        accuracy, loss = trainer.evaluate(split.val_x, split.val_y)
        eval_time += time.perf_counter() - start
        if not math.isfinite(loss):
            raise TrainingDiverged(f"validation loss became {loss:.4g} at rung {rung.index}")
        images = pool if rung.images is None else min(rung.images, pool)
        entry: dict[str, Any] = {"accuracy": float(accuracy), "epochs": rung.epochs, "images": images,
                                 "batches": trainer.steps_done}
        results.append(entry)
        # Stored before deciding: a trial deciding at this rung meanwhile counts this result.
        A.write_rungs(trial, results)
        if rung is plan.top:
            break
        go_on, peers = decide(trial, rung.index, accuracy, own_costs, objectives, plan.eta)
        entry.update(promoted=go_on, peers=peers)
        A.write_rungs(trial, results)
        if not go_on:
            A.write_stopped(trial, rung.index, train_time, {
                "epochs": rung.epochs, "train_samples": (images // trainer.batch_size) * trainer.batch_size,
                "val_samples": len(split.val_y), "batch_size": train.batch_size, "seed": train.seed,
                "rung": rung.index,
            })
            raise optuna.TrialPruned(f"stopped at rung {rung.index} ({len(peers)} trials there)")
    seen = trainer.steps_per_epoch * trainer.batch_size
    return TrainResult(
        val_accuracy=float(accuracy), val_loss=float(loss), train_time_s=train_time, epochs=train.epochs,
        train_samples=seen, samples_per_s=seen * train.epochs / max(train_time, 1e-9),
        train_loss=trainer.history[-1].train_loss if trainer.history else float("nan"), eval_time_s=eval_time,
        history=tuple(float(r["accuracy"]) for r in results),
    )


__all__ = ["climb", "decide"]
