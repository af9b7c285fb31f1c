"""Fake studies shaped like the ones ``nas search`` writes, for the report tests."""

from __future__ import annotations

import datetime
import random

import optuna
from optuna.distributions import CategoricalDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

from nas.study.attrs import TEST_ACCURACY

BUDGET = 5_000_000
DISTS = {"depth": IntDistribution(2, 6), "width": CategoricalDistribution([8, 16, 24, 32])}


def _notation(i: int) -> str:
    return f"conv_k3_c16 | bneck_k3_s2_x64_c{24 + i % 8} | ghost_k5_s1_x{96 + i}_c40 | head_re"


def add(study: optuna.Study, state: TrialState, accuracy: float | None, flops: int, params: int = 50_000, *,
        latency_ms: float | None = 1.0, params_sampled: dict | None = None,
        times: tuple[datetime.datetime, datetime.datetime] | None = None, **extra) -> None:
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
    trial = create_trial(state=state, values=values, user_attrs=attrs, params=sampled,
                         distributions={k: DISTS[k] for k in sampled})
    if times is not None:
        trial.datetime_start, trial.datetime_complete = times
    study.add_trial(trial)


def new_study(name: str = "fake", storage: str | None = None, replace: bool = False) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if replace and storage is not None:
        optuna.delete_study(study_name=name, storage=storage)
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


#: The six MobileNetV3-Small variants of the LDC paper, crowded together as in a real search.
MOBILENET_PRESETS = [("mobilenetv3-small", 2_150_000, 0.795), ("mobilenetv3-small-dc0", 2_100_000, 0.792),
                     ("mobilenetv3-small-ldc0", 2_050_000, 0.789), ("mobilenetv3-small-ldc1", 1_900_000, 0.791),
                     ("mobilenetv3-small-ldc2", 1_750_000, 0.786), ("mobilenetv3-small-ldc3", 1_600_000, 0.788)]


def add_presets(study: optuna.Study, finals: dict[str, float] | None = None) -> None:
    """The six crowded presets as trained baselines; ``finals`` gives some a final test accuracy."""
    for name, flops, acc in MOBILENET_PRESETS:
        extra = {TEST_ACCURACY: finals[name]} if finals and name in finals else {}
        add(study, TrialState.COMPLETE, acc, flops, params=flops // 20, baseline=name, **extra)


def finalised_study(storage: str | None = None, n_final: int = 4) -> optuna.Study:
    """:func:`realistic_study` plus the six presets, with the ``n_final`` most accurate searched
    trials and three presets finalised (test accuracy a little below the proxy's, order kept
    but for one swap), and two trials a multi-fidelity search stopped at rungs 0 and 1."""
    study = realistic_study(storage)
    add_presets(study, {"mobilenetv3-small": 0.801, "mobilenetv3-small-ldc1": 0.806, "mobilenetv3-small-ldc3": 0.79})
    add(study, TrialState.PRUNED, 0.70, 1_200_000, rung=0)
    add(study, TrialState.PRUNED, 0.74, 2_400_000, rung=1)
    ranked = sorted((t for t in study.trials if t.state == TrialState.COMPLETE and "baseline" not in t.user_attrs),
                    key=lambda t: -t.user_attrs["accuracy"])[:n_final]
    finals = {t.number: t.user_attrs["accuracy"] - 0.01 - 0.004 * i for i, t in enumerate(ranked)}
    if len(ranked) >= 2:  # one swap: the proxy's runner-up is best after full training
        a, b = ranked[0].number, ranked[1].number
        finals[a], finals[b] = finals[b], finals[a] + 0.02
    return with_finals(study, finals, storage)


def with_finals(study: optuna.Study, finals: dict[int, float], storage: str | None = None) -> optuna.Study:
    """A copy of ``study`` (same name, trials in the same order) where trial N has final test
    accuracy ``finals[N]`` (finished trials are read-only, so the trials are rewritten)."""
    trials, user_attrs = study.trials, study.user_attrs
    copy = new_study(study.study_name, storage, replace=True)
    for key, value in user_attrs.items():
        copy.set_user_attr(key, value)
    for t in trials:
        attrs = dict(t.user_attrs)
        if t.number in finals:
            attrs[TEST_ACCURACY] = finals[t.number]
        trial = create_trial(state=t.state, values=t.values, user_attrs=attrs, params=t.params,
                             distributions=t.distributions)
        trial.datetime_start, trial.datetime_complete = t.datetime_start, t.datetime_complete
        copy.add_trial(trial)
    return copy
