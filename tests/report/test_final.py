import datetime

import pytest
from fakes import add, finalised_study, new_study, with_finals
from optuna.trial import TrialState

from nas.report.counts import screening
from nas.report.final import MIN_CORRELATION_POINTS, final_info, kendall_tau
from nas.report.pareto import hypervolume_history, hypervolume_over_time, pareto_info
from nas.study.record import read_records


def test_kendall_tau():
    assert kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]) == 1
    assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == -1
    assert kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)  # 5 concordant, 1 discordant
    # tau-b with a tie on x: (C - D) / sqrt((C + D + Tx)(C + D + Ty)) = (4 - 1) / sqrt(6 * 5)
    assert kendall_tau([1, 1, 2, 3], [1, 2, 4, 3]) == pytest.approx(3 / (6 * 5) ** 0.5)
    assert kendall_tau([1, 2, 3], [5, 5, 5]) is None and kendall_tau([1], [1]) is None
    with pytest.raises(ValueError, match="3 x values but 2 y values"):
        kendall_tau([1, 2, 3], [1, 2])


def test_no_final_results(study):
    info = final_info(study)
    assert info.count == 0 and info.pairs == [] and info.tau is None and not info.shows_correlation


def test_too_few_for_a_correlation(study):
    info = final_info(with_finals(study, {2: 0.83, 4: 0.81}))
    assert [r.number for r in info.searched] == [2, 4] and info.baselines == [] and info.count == 2
    assert MIN_CORRELATION_POINTS == 3 and info.tau is None and not info.shows_correlation


def test_three_final_results_are_enough(study):
    info = final_info(with_finals(study, {0: 0.71, 2: 0.83, 7: 0.80}))  # 7 is a preset
    assert [r.number for r in info.searched] == [0, 2] and [r.baseline for r in info.baselines] == ["mobilenetv3-small"]
    # proxy 0.70 / 0.80 / 0.78 against test 0.71 / 0.83 / 0.80: the same order
    assert len(info.pairs) == 3 and info.tau == 1 and info.shows_correlation


def test_finalised_study():
    info = final_info(finalised_study())
    assert len(info.searched) == 4 and len(info.baselines) == 3 and len(info.pairs) == 7
    assert info.shows_correlation and 0 < info.tau < 1  # one swap


def test_stopped_trials_are_drawn_apart_and_never_ranked():
    study = new_study()
    add(study, TrialState.COMPLETE, 0.70, 1_000_000)
    add(study, TrialState.PRUNED, 0.95, 500_000, rung=0)  # would dominate everything if it were ranked
    add(study, TrialState.PRUNED, None, 600_000, rung=1)
    info = pareto_info(study)
    assert [p.number for p in info.pareto] == [0] and info.dominated == []
    assert [(p.number, p.rung) for p in info.stopped] == [(1, 0), (2, 1)]
    assert info.accuracies() == [0.70, 0.95]
    counts = screening(read_records(study))
    assert counts.fully_trained == 1 and counts.stopped == {0: 1, 1: 1} and counts.screened == 3
    assert counts.finalised == 0
    assert [n for n, _ in hypervolume_history(study)] == [0]


def test_screening_of_the_finalised_study():
    counts = screening(read_records(finalised_study()))
    assert counts.stopped == {0: 1, 1: 1} and counts.finalised == 4 and counts.fully_trained > 20


def test_untrained_over_budget_presets_go_to_the_strip(study):
    add(study, TrialState.PRUNED, None, 70_000_000, baseline="convnext-tiny", infeasible=True)
    info = pareto_info(study)
    assert [p.number for p in info.infeasible] == [5, 10] and 10 not in [p.number for p in info.baselines]


def test_hypervolume_over_time_counts_trials_as_they_finish():
    study = new_study()
    t0 = datetime.datetime(2026, 1, 1, 12, 0, 0)

    def at(start, end):
        return t0 + datetime.timedelta(seconds=start), t0 + datetime.timedelta(seconds=end)

    add(study, TrialState.COMPLETE, 0.70, 1_000_000, times=at(0, 600))
    add(study, TrialState.COMPLETE, 0.80, 2_000_000, times=at(10, 120))  # a second worker, done first
    add(study, TrialState.PRUNED, None, 9_000_000, infeasible=True, times=at(5, 6))
    curve = hypervolume_over_time(study)
    assert [t for t, _ in curve] == [120, 600]
    assert curve[0][1] == pytest.approx(0.6 * 0.8) and curve[1][1] == hypervolume_history(study)[-1][1]
    assert hypervolume_over_time(new_study()) == []
