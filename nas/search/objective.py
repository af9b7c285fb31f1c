"""One trial: sample an architecture, count its cost, and train it only if it fits the budget.

What a trial stores (user attrs), so any Optuna client can read it and ``nas export`` can
rebuild the model without the space file: ``arch`` (the config as a dict), ``notation``,
``flops``, ``params``, ``latency_ms``, ``peak_activation_bytes``, ``constraint`` (budget
violations, <= 0 when met), ``accuracy``, ``train_time_s``, ``fidelity``, and for trials that
did not complete, ``infeasible`` / ``duplicate_of`` / ``fail_reason``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import optuna
from optuna.trial import TrialState

from nas.arch.config import ArchConfig
from nas.arch.io import to_dict
from nas.blocks import build_model
from nas.cost import count_flops, count_params, measure_latency, peak_activation_bytes
from nas.data import Split
from nas.errors import TrainingDiverged
from nas.search.budget import Budget
from nas.space import SearchSpace
from nas.train import TrainSettings, train_proxy

#: Who runs a trial (host:pid), so ``nas status`` can list the workers seen recently.
WORKER = f"{socket.gethostname()}:{os.getpid()}"

#: Objective name -> Optuna direction.
OBJECTIVES = {"accuracy": "maximize", "flops": "minimize", "params": "minimize", "latency": "minimize"}


def parse_objectives(text: str) -> tuple[str, ...]:
    from nas.errors import NasError

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in OBJECTIVES]
    if unknown or "accuracy" not in names or len(set(names)) != len(names):
        raise NasError(
            f"--objectives: expected a comma list of {', '.join(OBJECTIVES)} including accuracy, got {text!r}"
        )
    return names


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
        target: the number of completed (non-baseline) trials the study aims for.
        progress: show a per-trial progress bar.
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
    ) -> None:
        self.space, self.split, self.budget, self.train = space, split, budget, train
        self.objectives, self.target, self.progress, self.device = tuple(objectives), target, progress, device

    def __call__(self, trial: optuna.Trial) -> list[float]:
        config = self.space.sample(trial)
        return self.evaluate(trial, config)

    def evaluate(self, trial: optuna.Trial, config: ArchConfig, baseline: str | None = None) -> list[float]:
        """Measure ``config`` in ``trial``; prunes it (no training) when over budget or a duplicate."""
        notation = config.notation()
        trial.set_user_attr("worker", WORKER)
        trial.set_user_attr("arch", to_dict(config))
        trial.set_user_attr("notation", notation)
        if baseline:
            trial.set_user_attr("baseline", baseline)
        model = build_model(config)
        flops = count_flops(model, config.input_shape).total
        params = count_params(model)
        violations = self.budget.violations(flops, params)
        trial.set_user_attr("flops", flops)
        trial.set_user_attr("params", params)
        trial.set_user_attr("constraint", list(violations))
        if not self.budget.feasible(flops, params) and not baseline:
            trial.set_user_attr("infeasible", True)
            raise optuna.TrialPruned(f"over budget: {self.budget.describe(flops, params)}")
        if not baseline:
            self._claim(trial, notation)
        latency = measure_latency(model, config.input_shape, repeats=20, warmup=5).median_ms
        peak = peak_activation_bytes(model, config.input_shape, batch_size=self.train.batch_size)
        trial.set_user_attr("latency_ms", latency)
        trial.set_user_attr("peak_activation_bytes", peak)
        try:
            result = train_proxy(model, self.split, self.train, device=self.device, progress=self.progress)
        except TrainingDiverged as exc:
            trial.set_user_attr("fail_reason", str(exc))
            raise
        except Exception as exc:
            trial.set_user_attr("fail_reason", f"{type(exc).__name__}: {exc}")
            raise
        trial.set_user_attr("accuracy", result.val_accuracy)
        trial.set_user_attr("train_time_s", result.train_time_s)
        trial.set_user_attr("fidelity", {
            "epochs": result.epochs, "train_samples": result.train_samples, "val_samples": len(self.split.val_y),
            "batch_size": self.train.batch_size, "seed": self.train.seed,
        })
        evaluation = Evaluation(flops, params, latency, peak, result.val_accuracy, result.train_time_s)
        if baseline and not self.budget.feasible(flops, params):
            # A reference point over the budget: kept for the report, never a COMPLETE trial.
            trial.set_user_attr("infeasible", True)
            raise optuna.TrialPruned(f"baseline over budget: {self.budget.describe(flops, params)}")
        return evaluation.values(self.objectives)

    def _claim(self, trial: optuna.Trial, notation: str) -> None:
        """Refuse an architecture another trial already evaluates, or a slot beyond the target.

        A trial claims a training slot by being RUNNING and marked ``training``; slots are
        ordered by trial number, so concurrent workers agree on who is beyond the target.
        """
        study = trial.study
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING))
        claimed = 0
        for other in trials:
            if other.number == trial.number or other.user_attrs.get("baseline"):
                continue
            if other.user_attrs.get("notation") == notation and (
                other.state == TrialState.COMPLETE or other.user_attrs.get("training")
            ):
                trial.set_user_attr("duplicate_of", other.number)
                raise optuna.TrialPruned(f"same architecture as trial {other.number}")
            if other.state == TrialState.COMPLETE or (other.user_attrs.get("training") and other.number < trial.number):
                claimed += 1
        if claimed >= self.target:
            trial.set_user_attr("surplus", True)
            study.stop()
            raise optuna.TrialPruned(f"the study already has {self.target} trials")
        trial.set_user_attr("training", True)


def trial_summary(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    """The measurements of a stored trial, for summaries and reports."""
    attrs = trial.user_attrs
    keys = ("flops", "params", "latency_ms", "accuracy", "train_time_s", "notation", "baseline")
    return {"number": trial.number, "state": trial.state.name, **{k: attrs.get(k) for k in keys}}


def settings_dict(settings: TrainSettings) -> dict[str, Any]:
    return asdict(settings)
