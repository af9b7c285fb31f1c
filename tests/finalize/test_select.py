"""Which trials are finalised: a spread of the front, explicit numbers, presets, and refusals."""

import pytest

from nas.errors import NasError
from nas.finalizing.select import select, spread
from nas.study.record import TrialKind, TrialRecord, read_records


def rec(number, accuracy, flops, kind=TrialKind.SEARCHED):
    return TrialRecord(number=number, kind=kind, state="COMPLETE", accuracy=accuracy, flops=flops, arch={})


FRONT = [rec(0, 0.60, 1_000), rec(1, 0.70, 2_000), rec(2, 0.75, 3_000), rec(3, 0.80, 5_000),
         rec(4, 0.83, 7_000), rec(5, 0.85, 9_000), rec(6, 0.86, 10_000)]


def numbers(records):
    return [r.number for r in records]


def test_spread_takes_the_most_accurate_the_cheapest_then_spaces_along_flops():
    assert numbers(spread(FRONT, 1)) == [6]
    assert numbers(spread(FRONT, 2)) == [6, 0]
    # targets 4000 (between 3 at 5000 and 2 at 3000: tie -> lower number) and 7000 (4)
    assert numbers(spread(FRONT, 4)) == [6, 0, 2, 4]
    assert numbers(spread(FRONT, 3)) == [6, 0, 3]  # target 5500 -> trial 3 (5000)
    assert sorted(numbers(spread(FRONT, 7))) == list(range(7))
    assert sorted(numbers(spread(FRONT, 50))) == list(range(7))  # the whole front, each once


def test_spread_of_one_point():
    assert numbers(spread([rec(3, 0.5, 10)], 3)) == [3]


def test_select_from_a_study(study):
    s, _ = study
    records = read_records(s)
    objectives = ("accuracy", "flops")
    assert numbers(select(records, objectives, "t", top=3)) == [4, 0, 2]  # 1 dominated, 3 over budget
    assert numbers(select(records, objectives, "t", top=1)) == [4]
    assert numbers(select(records, objectives, "t", top=1, with_presets=True)) == [4, 5]  # 6 is over budget
    assert numbers(select(records, objectives, "t", trials=[1, 6, 1])) == [1, 6]
    assert numbers(select(records, objectives, "t", trials=[5], with_presets=True)) == [5]


@pytest.mark.parametrize("kwargs, message", [
    (dict(top=0), "--top must be a whole number >= 1, got 0"),
    (dict(top=-2), "--top must be"),
    (dict(trials=[99]), "no trial 99 (its trials are numbered 0 to 7)"),
    (dict(trials=[3]), "trial 3 of 't' was not trained (over budget)"),
    (dict(trials=[7]), "trial 7 of 't' was not trained (failed)"),
])
def test_select_refuses(study, kwargs, message):
    s, _ = study
    with pytest.raises(NasError, match=message.replace("(", r"\(").replace(")", r"\)")):
        select(read_records(s), ("accuracy", "flops"), "t", **kwargs)


def test_a_finalisation_trial_is_not_finalised_again():
    records = [rec(0, 0.5, 10), TrialRecord(number=1, kind=TrialKind.FINAL, state="PRUNED", finalizes=0)]
    with pytest.raises(NasError, match="trial 1 of 't' is a finalisation of trial 0"):
        select(records, ("accuracy", "flops"), "t", trials=[1])
    assert numbers(select(records, ("accuracy", "flops"), "t")) == [0]


def test_nothing_trained_is_refused():
    records = [rec(0, None, 1_000), TrialRecord(number=1, kind=TrialKind.OVER_BUDGET, state="PRUNED", flops=5)]
    with pytest.raises(NasError, match="no trained trial within its budget"):
        select(records, ("accuracy", "flops"), "t")
    with pytest.raises(NasError, match="has no trial 0"):
        select([], ("accuracy", "flops"), "t", trials=[0])
