"""Rung plans: growth by eta (images first, then epochs), how they are stored, and plans that do not fit."""

import pytest

from nas.errors import NasError
from nas.searching.rungs import Rung, RungPlan, plan_rungs, rung_rows
from nas.study.record import RungResult, TrialKind, TrialRecord


def shape(plan):
    return [(r.epochs, r.images) for r in plan.rungs]


def test_epochs_axis_by_default():
    plan = plan_rungs(3, 9, 6000)
    assert shape(plan) == [(1, 6000), (3, 6000), (9, 6000)] and plan.eta == 3
    assert shape(plan_rungs(2, 8, None)) == [(1, None), (2, None), (4, None), (8, None)]
    assert shape(plan_rungs(3, 3, 256)) == [(1, 256), (3, 256)]  # the defaults of nas search


def test_images_grow_first_then_epochs():
    plan = plan_rungs(3, 9, 6000, min_train_subset=2000)
    assert shape(plan) == [(1, 2000), (1, 6000), (3, 6000), (9, 6000)]
    assert [r.index for r in plan.rungs] == [0, 1, 2, 3] and plan.top == Rung(3, 9, 6000)
    assert shape(plan_rungs(3, 3, 6000, min_epochs=3, min_train_subset=667)) == [
        (3, 667), (3, 2000), (3, 6000)]  # images are rounded
    assert plan.describe() == "1x2000, 1x6000, 3x6000, 9x6000 (eta 3)"


def test_each_rung_trains_eta_times_the_batches_of_the_one_below():
    plan = plan_rungs(3, 9, 6144, min_train_subset=2048)
    batches = [r.batches(6144, 64) for r in plan.rungs]
    assert batches == [32, 96, 288, 864]  # the top rung: 9 epochs of 96 batches, the whole schedule
    assert plan.rungs[0].batches(1000, 64) == 15  # a smaller pool than planned caps the images


def test_stored_plan_round_trips():
    plan = plan_rungs(3, 9, 6000, min_train_subset=2000)
    assert RungPlan.from_stored(plan.stored()) == plan
    assert plan.stored() == {"kind": "asha", "eta": 3, "rungs": [[1, 2000], [1, 6000], [3, 6000], [9, 6000]]}
    assert RungPlan.from_stored(None) is None  # a study made before rungs existed: single fidelity


@pytest.mark.parametrize("kwargs, message", [
    (dict(eta=1, epochs=9, train_subset=6000), "--eta must be >= 2, got 1"),
    (dict(eta=3, epochs=9, train_subset=6000, min_epochs=0), "--min-epochs must be >= 1"),
    (dict(eta=3, epochs=3, train_subset=6000, min_epochs=9), "--min-epochs 9 is more than --epochs 3"),
    (dict(eta=3, epochs=9, train_subset=6000, min_epochs=2), r"does not reach --epochs 9 .*choose from 9, 3, 1"),
    (dict(eta=3, epochs=9, train_subset=6000, min_train_subset=0), "--min-train-subset must be >= 1"),
    (dict(eta=3, epochs=9, train_subset=6000, min_train_subset=7000), "more than --train-subset 6000"),
    (dict(eta=3, epochs=9, train_subset=6000, min_train_subset=1000), r"choose from 6000, 2000, 667, 222"),
    (dict(eta=3, epochs=9, train_subset=None, min_train_subset=1000), "needs --train-subset"),
    (dict(eta=3, epochs=10, train_subset=6000), "at least two rungs"),
    (dict(eta=3, epochs=1, train_subset=6000, min_epochs=1), "at least two rungs"),
    (dict(eta=3, epochs=3, train_subset=600, min_train_subset=67, batch_size=128), "fewer than --batch-size 128"),
])
def test_plans_that_do_not_fit_are_one_line(kwargs, message):
    with pytest.raises(NasError, match=message) as info:
        plan_rungs(**kwargs)
    assert "\n" not in str(info.value)


def record(number, kind, accuracies, flops=100, state=None, baseline=None):
    return TrialRecord(number=number, kind=kind, state=state or {
        TrialKind.RUNNING: "RUNNING", TrialKind.SEARCHED: "COMPLETE", TrialKind.FAILED: "FAIL"}.get(kind, "PRUNED"),
        flops=flops, params=10, latency_ms=1.0, rungs=tuple(RungResult(a, 1) for a in accuracies), baseline=baseline)


def test_a_rung_table_holds_every_live_or_decided_result_once():
    records = [
        record(0, TrialKind.SEARCHED, [0.5, 0.6]),
        record(1, TrialKind.STOPPED, [0.4]),
        record(2, TrialKind.RUNNING, [0.7]),
        record(3, TrialKind.FAILED, [0.9]),  # its worker died: retried as a new trial
        record(4, TrialKind.RUNNING, [0.9], state="WAITING"),  # the retry, carrying 3's results
        record(5, TrialKind.BASELINE, [0.8], baseline="hsnet"),
        record(6, TrialKind.OVER_BUDGET, []),
        record(7, TrialKind.RUNNING, []),
    ]
    rows = rung_rows(records, 0, ("accuracy", "flops"))
    assert [(r.number, r.accuracy, r.costs) for r in rows] == [(0, 0.5, (100.0,)), (1, 0.4, (100.0,)),
                                                                 (2, 0.7, (100.0,))]
    assert [r.number for r in rung_rows(records, 1, ("accuracy", "flops"))] == [0]
    assert rung_rows(records, 0, ("flops", "accuracy", "params", "latency"))[0].costs == (100.0, 10.0, 1.0)
