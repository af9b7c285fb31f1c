"""The trial record: one classifier, one Pareto definition, agreeing with Optuna's own."""

import random

import optuna
import pytest
from optuna.distributions import IntDistribution
from optuna.trial import TrialState, create_trial

from nas.study.pareto import nondominated, pareto_front
from nas.study.record import TrialKind, TrialRecord, read_records


def _study(objectives, n=60, seed=0):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    directions = ["maximize" if o == "accuracy" else "minimize" for o in objectives]
    study = optuna.create_study(directions=directions)
    study.set_metric_names(list(objectives))
    rng = random.Random(seed)
    for _ in range(n):
        m = {"accuracy": round(rng.uniform(0.5, 0.9), 2), "flops": rng.randrange(1, 20) * 100_000,
             "params": rng.randrange(1, 10) * 1000, "latency": round(rng.uniform(0.1, 2.0), 1)}
        attrs = {"accuracy": m["accuracy"], "flops": m["flops"], "params": m["params"],
                 "latency_ms": m["latency"], "constraint": [-1.0], "notation": "x"}
        study.add_trial(create_trial(state=TrialState.COMPLETE, values=[float(m[o]) for o in objectives],
                                     user_attrs=attrs, params={"d": 1}, distributions={"d": IntDistribution(0, 2)}))
    return study


@pytest.mark.parametrize("objectives", [("accuracy", "flops"), ("flops", "accuracy"),
                                        ("latency", "accuracy", "params")])
def test_pareto_front_agrees_with_optuna(objectives):
    study = _study(objectives)
    ours = {r.number for r in pareto_front(read_records(study), objectives)}
    assert ours == {t.number for t in study.best_trials}
    assert len(ours) >= 2


def test_accuracy_is_read_by_name_whatever_the_objective_order():
    study = _study(("flops", "accuracy"), n=1)
    trial = study.trials[0]
    without_attr = create_trial(state=TrialState.COMPLETE, values=trial.values, user_attrs={"flops": 5})
    record = TrialRecord.from_trial(without_attr, ("flops", "accuracy"))
    assert record.accuracy == trial.values[1] and record.flops == 5
    assert record.kind == TrialKind.SEARCHED


@pytest.mark.parametrize("state, attrs, kind", [
    (TrialState.COMPLETE, {}, TrialKind.SEARCHED),
    (TrialState.PRUNED, {"infeasible": True}, TrialKind.OVER_BUDGET),
    (TrialState.PRUNED, {"constraint": [5.0]}, TrialKind.OVER_BUDGET),
    (TrialState.PRUNED, {"duplicate_of": 3}, TrialKind.DUPLICATE),
    (TrialState.PRUNED, {"surplus": True}, TrialKind.SURPLUS),
    (TrialState.PRUNED, {"rung": 1, "accuracy": 0.5}, TrialKind.STOPPED),
    (TrialState.FAIL, {"fail_reason": "boom"}, TrialKind.FAILED),
    (TrialState.FAIL, {"baseline": "hsnet"}, TrialKind.FAILED),
    (TrialState.RUNNING, {"training": True}, TrialKind.RUNNING),
    (TrialState.WAITING, {}, TrialKind.RUNNING),
    (TrialState.COMPLETE, {"baseline": "hsnet"}, TrialKind.BASELINE),
    (TrialState.PRUNED, {"baseline": "hsnet", "infeasible": True}, TrialKind.BASELINE),
])
def test_one_kind_per_trial(state, attrs, kind):
    values = [0.5, 1.0] if state == TrialState.COMPLETE else None
    trial = create_trial(state=state, values=values, user_attrs=attrs)
    record = TrialRecord.from_trial(trial)
    assert record.kind == kind and record.state == state.name
    assert record.final is None


def test_nondominated_keeps_ties():
    items = [(1, 1), (1, 1), (2, 0), (2, 2), (0, 3)]
    assert nondominated(items, lambda x: x) == [(1, 1), (1, 1), (2, 0), (0, 3)]
