"""One trial: sample an architecture, count its cost, and train it only if it fits the budget.

What a trial stores (user attrs), so any Optuna client can read it and ``nas export`` can
rebuild the model without the space file: ``started_at``, ``arch`` (the config as a dict), ``notation``,
``flops``, ``params``, ``latency_ms``, ``peak_activation_bytes``, ``constraint`` (budget
violations, <= 0 when met), ``zero_cost`` (proxy scores of the untrained network),
``accuracy``, ``train_time_s``, ``fidelity``, and for trials that did not complete,
``infeasible`` / ``duplicate_of`` / ``screened_out`` / ``fail_reason``. In an ``asha`` search
(:mod:`nas.searching.asha`) a trial also stores ``rungs`` (its result per rung) and, when stopped
below the top rung, ``rung``. The key names and the
write helpers are in :mod:`nas.study.attrs`; readers use :mod:`nas.study.record`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import optuna
import torch
from optuna.trial import FrozenTrial, TrialState

from nas.arch.config import ArchConfig
from nas.arch.io import to_dict
from nas.blocks import build_model
from nas.cost import measure_latency, peak_activation_bytes, safe_cost
from nas.data import Split
from nas.errors import NasError, TrainingDiverged
from nas.interrupts import interruptible
from nas.processes import WORKER
from nas.searching.asha import climb
from nas.searching.budget import Budget
from nas.searching.prescreen import DEFAULT_PROXY, Prescreen
from nas.searching.rungs import RungPlan
from nas.space import SearchSpace
from nas.study import attrs as A
from nas.study.objectives import OBJECTIVES, parse_objectives
from nas.training import TrainResult, TrainSettings, train_proxy


def holds_slot(trial: FrozenTrial, now: float, grace: float) -> bool:
    """Whether a RUNNING search trial takes a training slot: marked ``training``, or still
    being drafted and costed by its worker (started less than ``grace`` seconds before ``now``,
    a ``time.time()``; an older unmarked one was abandoned, or is a stray trial of another
    Optuna client).

    Ages are taken from the trial's ``started_at`` (seconds since the epoch), never from
    Optuna's ``datetime_start``, a naive local time of the worker's host that another host in
    another time zone, or after a clock change, would misread by hours.
    """
    if trial.state != TrialState.RUNNING or not A.is_search_trial(trial):
        return False
    if A.marked_training(trial):
        return True
    started = A.started_at(trial)
    if started is None:  # written by an older nas, or not begun by a nas worker
        return trial.datetime_start is not None and \
            (datetime.fromtimestamp(now) - trial.datetime_start).total_seconds() < grace
    return now - started < grace


@dataclass(frozen=True)
class Evaluation:
    """The measurements of one architecture."""

    flops: int
    params: int
    latency_ms: float
    peak_activation_bytes: int
    accuracy: float
    train_time_s: float

    def values(self, objectives: Sequence[str]) -> list[float]:
        table = {"accuracy": self.accuracy, "flops": self.flops, "params": self.params, "latency": self.latency_ms}
        return [float(table[name]) for name in objectives]


class Objective:
    """The function Optuna optimizes.

    Args:
        space: where architectures come from.
        split: training and validation data (validation carved from the training set).
        budget: the hard cost limits.
        train: proxy-training settings.
        objectives: names from :data:`OBJECTIVES`, accuracy first.
        target: the number of trained (non-baseline) trials the study aims for: completed ones,
            and in an ``asha`` search also those stopped at a lower rung (screened).
        progress: show a per-trial progress bar.
        plan: the rungs of an ``asha`` search; ``None``: every trial trains at ``train``.
        prescreen: zero-cost pre-screening, candidates per trained architecture (0 or 1: off).
        prescreen_proxy: the proxy candidates are ranked by.
        grace: seconds after which a RUNNING trial not marked ``training`` no longer holds a slot.
    """

    def __init__(
        self,
        space: SearchSpace,
        split: Split,
        budget: Budget,
        train: TrainSettings,
        objectives: Sequence[str],
        target: int,
        progress: bool = True,
        device: str | None = None,
        plan: RungPlan | None = None,
        prescreen: int = 0,
        prescreen_proxy: str = DEFAULT_PROXY,
        grace: float = 120.0,
    ) -> None:
        self.space, self.split, self.budget, self.train = space, split, budget, train
        self.grace = grace
        self.objectives, self.target, self.progress, self.device = tuple(objectives), target, progress, device
        self.plan = plan
        self.prescreen = Prescreen(prescreen, prescreen_proxy, split, budget.max_flops, train.seed)

    def __call__(self, trial: optuna.Trial) -> list[float]:
        with interruptible():  # the worker holds interrupts outside the objective
            A.write_started(trial, time.time())
            if self.plan is not None:
                # A retry carries the rung results of the trial it repeats: none count for it.
                A.write_rungs(trial, [])
            config = self.space.sample(trial)
            return self.evaluate(trial, config)

    def evaluate(self, trial: optuna.Trial, config: ArchConfig, baseline: str | None = None) -> list[float]:
        """Measure ``config`` in ``trial``; prunes it (no training) when over budget or a duplicate, and
        (``asha``) after training when the promotion rule stops it below the top rung."""
        notation = config.notation()
        A.write_arch(trial, WORKER, to_dict(config), notation, baseline)
        try:
            # Over budget by its weights alone: refused uncounted (its FLOPs a lower bound), however
            # large; a preset is counted exactly for the report.
            cost = safe_cost(config, max_flops=None if baseline else self.budget.max_flops)
        except NasError as exc:
            A.write_failure(trial, str(exc))
            raise
        flops, params = cost.flops, cost.params
        violations = self.budget.violations(flops, params)
        A.write_cost(trial, flops, params, violations)
        if not self.budget.feasible(flops, params) and not baseline:
            A.write_over_budget(trial)
            raise optuna.TrialPruned(f"over budget: {self.budget.describe(flops, params)}")
        # Weights drawn from the study's seed alone, never from what this worker process did before.
        model = build_model(config, seed=self.train.seed)
        if not baseline:
            self._claim(trial, notation)
        self.prescreen(trial, model, flops, baseline=bool(baseline))  # may prune: screened out
        latency = measure_latency(model, config.input_shape, repeats=20, warmup=5).median_ms
        peak = peak_activation_bytes(model, config.input_shape, batch_size=self.train.batch_size)
        A.write_measured(trial, latency, peak)
        try:
            if self.plan is None or baseline:
                result = train_proxy(model, self.split, self.train, device=self.device, progress=self.progress)
            else:
                result = self._climb(trial, model, {"flops": flops, "params": params, "latency": latency})
        except optuna.TrialPruned:
            raise
        except TrainingDiverged as exc:
            A.write_failure(trial, str(exc))
            raise
        except Exception as exc:
            A.write_failure(trial, f"{type(exc).__name__}: {exc}")
            raise
        fidelity = {
            "epochs": result.epochs, "train_samples": result.train_samples, "val_samples": len(self.split.val_y),
            "batch_size": self.train.batch_size, "seed": self.train.seed,
        }
        if self.plan is not None and not baseline:
            fidelity["rung"] = self.plan.top.index
        A.write_trained(trial, result.val_accuracy, result.train_time_s, fidelity)
        evaluation = Evaluation(flops, params, latency, peak, result.val_accuracy, result.train_time_s)
        if baseline and not self.budget.feasible(flops, params):
            # A reference point over the budget: kept for the report, never a COMPLETE trial.
            A.write_over_budget(trial)
            raise optuna.TrialPruned(f"baseline over budget: {self.budget.describe(flops, params)}")
        return evaluation.values(self.objectives)

    def _climb(self, trial: optuna.Trial, model: torch.nn.Module, costs: dict[str, float]) -> TrainResult:
        """Train up the rungs of an ``asha`` search (raises ``TrialPruned`` when stopped below the top)."""
        assert self.plan is not None
        return climb(trial, model, self.split, self.train, self.plan, costs, self.objectives, self.device)

    def _claim(self, trial: optuna.Trial, notation: str) -> None:
        """Refuse an architecture another trial already evaluates, or a slot beyond the target.

        Slots go by trial number. Every RUNNING search trial with a lower number may still
        claim one (it was created earlier, so this trial sees it, even while its worker is
        still drafting or costing it), and counts as taken (:func:`holds_slot`); so does every trained trial (a
        trial stopped at a lower rung in ``asha`` included). Counting only trials already marked
        ``training`` let two workers both take the last slot, one of them not yet marked. A
        lower trial that turns out over budget or a duplicate frees its slot, and the workers
        ask for more trials until the target is met exactly.

        Duplicates go by trial number too (:func:`rival`). A lower trial writes its architecture
        only once sampled, possibly after this trial's first read; so once marked, this trial reads
        the study again and gives way to a lower trial of the same architecture that appeared.
        """
        study = trial.study
        now = time.time()
        trials = study.get_trials(deepcopy=False, states=_CLAIM_STATES)
        _refuse_duplicate(trial, notation, trials, now, self.grace, lower_only=False)
        claimed = sum(1 for other in trials if other.number != trial.number and (
            trained(other) or (other.number < trial.number and holds_slot(other, now, self.grace))))
        if claimed >= self.target:
            A.write_surplus(trial)
            study.stop()
            raise optuna.TrialPruned(f"the study already has {self.target} trials")
        A.write_training(trial)
        again = study.get_trials(deepcopy=False, states=_CLAIM_STATES)
        _refuse_duplicate(trial, notation, again, time.time(), self.grace, lower_only=True)


def _refuse_duplicate(trial: optuna.Trial, notation: str, trials: Sequence[FrozenTrial], now: float, grace: float,
                      lower_only: bool) -> None:
    """Prune ``trial`` as a duplicate (giving back its training mark) when :func:`rival` finds one."""
    winner = rival(trial.number, notation, trials, now, grace, lower_only=lower_only)
    if winner is None:
        return
    A.write_duplicate(trial, winner)
    raise optuna.TrialPruned(f"same architecture as trial {winner}")


#: The states of the trials a claim reads (failed and waiting trials never hold a slot or an architecture).
_CLAIM_STATES = (TrialState.COMPLETE, TrialState.RUNNING, TrialState.PRUNED)


def trained(trial: FrozenTrial) -> bool:
    """Whether a search trial was trained: COMPLETE, or stopped at a lower rung (PRUNED with ``rung``)."""
    if not A.is_search_trial(trial):
        return False
    return trial.state == TrialState.COMPLETE or (trial.state == TrialState.PRUNED and A.rung_of(trial) is not None)


def rival(number: int, notation: str, trials: Sequence[FrozenTrial], now: float, grace: float,
          lower_only: bool = False) -> int | None:
    """The trial that has architecture ``notation`` before trial ``number``, if any (the lowest such).

    A lower-numbered trial of the same architecture comes first whatever its mark while it is
    live (:func:`holds_slot`: marked ``training`` or still being drafted) or trained. A
    higher-numbered one comes first once it was trained or passed its claim (marked
    ``training``), so that a trial already being trained is never trained twice. Failed trials and
    pruned ones that were not trained (over budget, duplicates, surplus, screened out) never count.

    Args:
        number: the trial asking.
        notation: its architecture.
        trials: the study's trials as read by the asking worker.
        now: the ``time.time()`` of that read.
        grace: seconds after which an unmarked RUNNING trial no longer counts as live.
        lower_only: consider lower-numbered trials only.
    """
    for other in sorted(trials, key=lambda t: t.number):
        lower = other.number < number
        if other.number == number or A.notation_of(other) != notation or (lower_only and not lower):
            continue
        if trained(other) or (holds_slot(other, now, grace) and (lower or A.marked_training(other))):
            return other.number
    return None


__all__ = ["OBJECTIVES", "Evaluation", "Objective", "holds_slot", "parse_objectives", "rival", "trained"]
