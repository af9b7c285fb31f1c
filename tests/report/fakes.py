"""Fake studies shaped like the ones ``nas search`` writes, for the report tests."""

from __future__ import annotations

import random

import optuna
from optuna.distributions import CategoricalDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

BUDGET = 5_000_000
DISTS = {"depth": IntDistribution(2, 6), "width": CategoricalDistribution([8, 16, 24, 32])}


def _notation(i: int) -> str:
    return f"conv_k3_c16 | bneck_k3_s2_x64_c{24 + i % 8} | ghost_k5_s1_x{96 + i}_c40 | head_re"


def add(study: optuna.Study, state: TrialState, accuracy: float | None, flops: int, params: int = 50_000, *,
        latency_ms: float | None = 1.0, params_sampled: dict | None = None, **extra) -> None:
    """Add one trial with the user attributes ``nas search`` records."""
    n = len(study.trials)
    attrs = {"arch": {"blocks": n}, "notation": _notation(n), "flops": flops, "params": params,
             "constraint": [float(flops - BUDGET)], **extra}
    values = None
    if accuracy is not None:
        attrs.update(accuracy=accuracy, train_time_s=1.5, fidelity={"epochs": 1})
        if latency_ms is not None:
            attrs.update(latency_ms=latency_ms, peak_activation_bytes=1024)
    if state == TrialState.COMPLETE:
        values = [accuracy, float(flops)]
    sampled = params_sampled if params_sampled is not None else ({} if extra.get("baseline") else
                                                                 {"depth": 2 + n % 5, "width": [8, 16, 24, 32][n % 4]})
    study.add_trial(create_trial(state=state, values=values, user_attrs=attrs, params=sampled,
                                 distributions={k: DISTS[k] for k in sampled}))


def new_study(name: str = "fake", storage: str | None = None) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=storage, directions=["maximize", "minimize"])
    study.set_metric_names(["accuracy", "flops"])
    study.set_user_attr("settings", {
        "space": "lightweight", "max_flops": BUDGET, "max_params": None, "dataset": "fashion-mnist",
        "objectives": ["accuracy", "flops"], "epochs": 1, "train_subset": 1000, "val_size": 500,
        "batch_size": 64, "seed": 0})
    study.set_user_attr("target_trials", 10)
    study.set_user_attr("linear_accuracy", 0.71)
    return study


def small_study(storage: str | None = None) -> optuna.Study:
    """Trials 0-9 with a known split.

    Pareto (acc max, flops min): 0 (1M, .70), 2 (2M, .80), 4 (4M, .86). Dominated: 1 (3M, .75),
    3 (4.5M, .84). Infeasible: 5. Failed: 6. Baselines: 7 (within budget), 8 (over budget,
    trained). Duplicate: 9 (ignored).
    """
    study = new_study(storage=storage)
    c = TrialState.COMPLETE
    add(study, c, 0.70, 1_000_000)
    add(study, c, 0.75, 3_000_000)
    add(study, c, 0.80, 2_000_000)
    add(study, c, 0.84, 4_500_000)
    add(study, c, 0.86, 4_000_000)
    add(study, TrialState.PRUNED, None, 9_000_000, infeasible=True)
    add(study, TrialState.FAIL, None, 2_500_000, fail_reason="TrainingDiverged: loss is nan")
    add(study, c, 0.78, 3_500_000, baseline="mobilenetv3-small")
    add(study, TrialState.PRUNED, 0.90, 60_000_000, baseline="ghostnet", infeasible=True)
    add(study, TrialState.PRUNED, None, 2_000_000, duplicate_of=2)
    return study


def realistic_study(storage: str | None = None, n: int = 40, seed: int = 0) -> optuna.Study:
    """A search-like cloud of trials: accuracy rising with log-FLOPs, some over budget / failed."""
    rng = random.Random(seed)
    study = new_study("realistic", storage)
    for _ in range(n):
        flops = int(10 ** rng.uniform(5.6, 7.0))
        if flops > BUDGET:
            add(study, TrialState.PRUNED, None, flops, infeasible=True)
        elif rng.random() < 0.05:
            add(study, TrialState.FAIL, None, flops, fail_reason="TrainingDiverged: loss is nan")
        else:
            acc = min(0.93, 0.62 + 0.12 * (flops / 1e6) ** 0.35 + rng.gauss(0, 0.025))
            add(study, TrialState.COMPLETE, acc, flops, params=int(flops / 40), latency_ms=0.2 + flops / 4e6)
    add(study, TrialState.COMPLETE, 0.83, 3_900_000, params=95_000, latency_ms=1.4, baseline="hsnet-tiny")
    add(study, TrialState.PRUNED, 0.89, 56_000_000, params=1_500_000, latency_ms=6.0,
        baseline="mobilenetv3-small", infeasible=True)
    return study
