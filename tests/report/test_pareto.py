import optuna
import pytest
from fakes import BUDGET, add, new_study, realistic_study, small_study
from optuna.trial import TrialState

from nas.errors import NasError
from nas.export import best_trial, knee_trial
from nas.report.pareto import (
    TABLE_COLUMNS,
    front,
    hypervolume_2d,
    hypervolume_history,
    importances,
    pareto_info,
    pareto_table,
)
from nas.study.record import TrialKind, TrialRecord


def point(number, accuracy, flops, notation):
    return TrialRecord(number, TrialKind.SEARCHED, "COMPLETE", accuracy=accuracy, flops=flops, params=1,
                       notation=notation)


def numbers(points):
    return [p.number for p in points]


def test_split(study):
    info = pareto_info(study)
    assert info.x == "flops" and info.budget == BUDGET
    assert numbers(info.pareto) == [0, 2, 4]
    assert numbers(info.dominated) == [1, 3]
    assert numbers(info.infeasible) == [5]
    assert numbers(info.failed) == [6]
    assert numbers(info.baselines) == [7, 8]
    within, over = info.baselines
    assert within.baseline == "mobilenetv3-small" and not within.over_budget and within.accuracy == 0.78
    assert over.baseline == "ghostnet" and over.over_budget and over.accuracy == 0.90
    # The duplicate (9) is in no group; every point carries its metrics and notation.
    assert 9 not in numbers(info.pareto + info.dominated + info.infeasible + info.failed + info.baselines)
    assert info.pareto[1].notation.startswith("conv_k3_c16 |") and info.pareto[1].params == 50_000


def test_split_on_other_axes(study):
    assert pareto_info(study, "params").budget is None
    latency = pareto_info(study, "latency_ms")
    assert numbers(latency.pareto) == [4]  # all at 1 ms: only the most accurate is non-dominated
    with pytest.raises(ValueError, match="x must be"):
        pareto_info(study, "energy")


def test_front_keeps_ties_and_drops_dominated():
    pts = [point(0, 0.8, 10, "a"), point(1, 0.8, 10, "b"), point(2, 0.7, 20, "c"), point(3, 0.9, 20, "d")]
    best, rest = front(pts, "flops")
    assert numbers(best) == [0, 1, 3] and numbers(rest) == [2]


def test_hypervolume():
    assert hypervolume_2d([], 10) == 0
    assert hypervolume_2d([(5, 0.5)], 10) == pytest.approx(0.25)
    assert hypervolume_2d([(5, 0.5), (0, 0.2), (12, 0.9)], 10) == pytest.approx(0.25 + 0.5 * 0.2)


def test_hypervolume_history_never_decreases():
    study = realistic_study()
    history = hypervolume_history(study)
    values = [h for _, h in history]
    assert len(history) == sum(1 for t in study.trials if t.state == TrialState.COMPLETE
                               and "baseline" not in t.user_attrs)
    assert all(b >= a for a, b in zip(values, values[1:])) and 0 < values[-1] <= 1
    assert [n for n, _ in history] == sorted(n for n, _ in history)


def test_table(study):
    table = pareto_table(study)
    assert list(table.columns) == TABLE_COLUMNS
    assert table["trial"].tolist() == [0, 2, 4] and table["flops"].is_monotonic_increasing


def test_knee_and_best(study):
    assert knee_trial(study).number == 2  # (2M, 80%) bends the front 1M/70% -> 4M/86%
    assert best_trial(study).number == 4  # baselines never count, even the 90% one
    assert best_trial(study, 3_000_000).number == 2
    assert best_trial(study, 1_000_000).number == 0
    with pytest.raises(NasError, match="no completed trial within 500K FLOPs .*cheapest completed one has 1M"):
        best_trial(study, 500_000)


def test_knee_with_short_fronts():
    study = new_study()
    add(study, TrialState.COMPLETE, 0.6, 1_000_000)
    assert knee_trial(study).number == 0
    add(study, TrialState.COMPLETE, 0.7, 2_000_000)
    assert knee_trial(study).number == 1  # no bend in two points: the most accurate


def test_empty_study():
    study = new_study()
    info = pareto_info(study)
    assert not any((info.pareto, info.dominated, info.infeasible, info.failed, info.baselines))
    assert hypervolume_history(study) == [] and pareto_table(study).empty
    assert all(i.note and not i.values for i in importances(study))
    with pytest.raises(NasError, match="no completed trial"):
        best_trial(study)
    with pytest.raises(NasError, match="knee"):
        knee_trial(study)


def test_importances_per_objective():
    result = importances(realistic_study())
    assert [i.objective for i in result] == ["accuracy", "flops"]
    for imp in result:
        assert set(imp.values) == {"depth", "width"} and sum(imp.values.values()) == pytest.approx(1)


def test_importances_with_conditional_params_do_not_crash():
    study = new_study()
    for i in range(6):  # "width" only in some trials: the intersection search space drops it
        add(study, TrialState.COMPLETE, 0.6 + i / 50, 1_000_000 + i, params_sampled={"depth": 2 + i % 3}
            if i % 2 else {"depth": 2 + i % 3, "width": 16})
    for imp in importances(study, min_trials=2):
        # PED-ANOVA scores a conditional parameter ("width", in some trials only) too.
        assert set(imp.values) == {"depth", "width"} and not imp.note
        assert sum(imp.values.values()) == pytest.approx(1) and imp.values["depth"] > imp.values["width"]
    one = new_study()
    add(one, TrialState.COMPLETE, 0.6, 1_000_000)
    assert "at least 2 " in importances(one, min_trials=2)[0].note
    assert "at least 20 ranked trials" in importances(study)[0].note and not importances(study)[0].values


def test_works_on_a_stored_study(tmp_path):

    url = f"sqlite:///{tmp_path / 's.db'}"
    small_study(url)
    loaded = optuna.load_study(study_name="fake", storage=url)
    assert numbers(pareto_info(loaded).pareto) == [0, 2, 4]


def test_records_classify_every_trial_once(study):
    from nas.study.record import count_kinds, read_records

    records = read_records(study)
    kinds = {r.number: r.kind for r in records}
    assert [kinds[n] for n in range(10)] == [
        TrialKind.SEARCHED, TrialKind.SEARCHED, TrialKind.SEARCHED, TrialKind.SEARCHED, TrialKind.SEARCHED,
        TrialKind.OVER_BUDGET, TrialKind.FAILED, TrialKind.BASELINE, TrialKind.BASELINE, TrialKind.DUPLICATE]
    counts = count_kinds(records)
    assert counts[TrialKind.SEARCHED] == 5 and counts[TrialKind.RUNNING] == 0 and sum(counts.values()) == 10
    assert records[9].duplicate_of == 2 and records[6].fail_reason.startswith("TrainingDiverged")
    assert records[8].over_budget and records[8].baseline == "ghostnet"
