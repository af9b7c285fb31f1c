"""The promotion rule on constructed rung tables: the non-dominated top 1/eta goes on, ties by
crowding distance, then by trial number."""

import math

import pytest

from nas.searching.promotion import (
    Row,
    crowding_distances,
    order,
    promote,
    promoted,
    quota,
)
from nas.study import pareto
from nas.study.pareto import dominates, nondominated_ranks


def test_dominance_and_fronts():
    assert dominates((0, 0), (1, 0)) and not dominates((0, 0), (0, 0)) and not dominates((0, 1), (1, 0))
    # Minimised vectors: a chain of three fronts plus a point equal to one of front 0.
    losses = [(0, 0), (1, 1), (2, 2), (0, 0), (-1, 3), (3, -1)]
    assert nondominated_ranks(losses) == [0, 1, 2, 0, 0, 0]
    assert nondominated_ranks([]) == []


def test_promotion_ranks_with_the_pareto_modules_dominance():
    # One dominance rule: the rows a rung ranks first are the Pareto front of the same rows.
    losses = [(0, 0), (1, 1), (2, 2), (0, 0), (-1, 3), (3, -1)]
    front = pareto.nondominated(range(len(losses)), lambda i: losses[i])
    assert front == [i for i, rank in enumerate(nondominated_ranks(losses)) if rank == 0]
    rows = [Row(i, -a, (c,)) for i, (a, c) in enumerate(losses)]
    assert sorted(r.number for r in order(rows)[:len(front)]) == front


def test_quota_is_the_ceiling_of_n_over_eta():
    assert [quota(n, 3) for n in range(1, 8)] == [1, 1, 1, 2, 2, 2, 3]
    assert quota(4, 2) == 2 and quota(5, 2) == 3


def test_the_non_dominated_top_third_goes_on():
    # Accuracy maximised, FLOPs minimised. Trial 2 dominates 0, 1, 3, 4, 5 (more accurate and cheaper).
    rows = [Row(0, 0.50, (300.0,)), Row(1, 0.55, (250.0,)), Row(2, 0.70, (100.0,)),
            Row(3, 0.40, (200.0,)), Row(4, 0.60, (150.0,)), Row(5, 0.30, (400.0,))]
    assert promoted(rows, 3) == [2, 4]  # 6 rows: 2 go on; front 0 is {2}, front 1 is {4}
    assert promote(rows, 2, 3) and promote(rows, 4, 3)
    assert not any(promote(rows, n, 3) for n in (0, 1, 3, 5))


def test_a_cheap_inaccurate_trial_on_the_front_beats_a_dominated_accurate_one():
    # 1 is the most accurate of the dominated ones, yet 0 (cheapest) and 2 (most accurate) are on front 0.
    rows = [Row(0, 0.30, (10.0,)), Row(1, 0.80, (500.0,)), Row(2, 0.90, (400.0,))]
    assert nondominated_ranks([r.loss() for r in rows]) == [0, 1, 0]
    assert promoted(rows, 2) == [0, 2]
    assert not promote(rows, 1, 2)


def test_ties_within_a_front_are_broken_by_crowding_distance():
    # Five points on one front (accuracy rises with cost). The ends are boundary points
    # (infinite distance); of the inner ones, 3 has the widest gap around it, 1 the narrowest.
    rows = [Row(0, 0.10, (1.0,)), Row(1, 0.20, (2.0,)), Row(2, 0.30, (3.0,)),
            Row(3, 0.60, (6.0,)), Row(4, 0.90, (9.0,))]
    assert nondominated_ranks([r.loss() for r in rows]) == [0] * 5
    distances = crowding_distances([r.loss() for r in rows])
    assert distances[0] == distances[4] == math.inf
    assert distances[3] == pytest.approx((0.9 - 0.3) / 0.8 + (9 - 3) / 8)
    assert distances[2] == pytest.approx((0.6 - 0.2) / 0.8 + (6 - 2) / 8)
    assert distances[1] == pytest.approx((0.3 - 0.1) / 0.8 + (3 - 1) / 8)
    assert [r.number for r in order(rows)] == [0, 4, 3, 2, 1]
    assert promoted(rows, 2) == [0, 4, 3]  # ceil(5/2) = 3
    assert promote(rows, 3, 2) and not promote(rows, 2, 2)


def test_a_single_trial_goes_on():
    assert promote([Row(7, 0.1, (5.0,))], 7, 3)
    assert promote([Row(7, 0.0)], 7, 10)  # accuracy alone (no cost objective), eta 10


def test_all_equal_rows_go_on_by_trial_number():
    rows = [Row(n, 0.5, (100.0, 2000.0)) for n in (9, 3, 5, 1)]
    assert crowding_distances([r.loss() for r in rows]) == [0.0] * 4  # no range: no distance
    assert promoted(rows, 3) == [1, 3]
    assert promote(rows, 3, 3) and not promote(rows, 9, 3)


def test_ties_at_an_end_are_all_boundary_rows_whatever_their_order():
    rows = [Row(0, 0.5, (1.0,)), Row(1, 0.5, (1.0,)), Row(2, 0.4, (0.5,)), Row(3, 0.45, (0.7,))]
    forward = crowding_distances([r.loss() for r in rows])
    backward = crowding_distances([r.loss() for r in reversed(rows)])[::-1]
    assert forward == backward
    assert forward[0] == forward[1] == forward[2] == math.inf and math.isfinite(forward[3])


def test_three_objectives():
    # Accuracy, FLOPs, params: 1 is dominated by 0 on every one; 2 trades params for FLOPs.
    rows = [Row(0, 0.6, (100.0, 10.0)), Row(1, 0.5, (200.0, 20.0)), Row(2, 0.6, (300.0, 5.0))]
    assert nondominated_ranks([r.loss() for r in rows]) == [0, 1, 0]
    assert promoted(rows, 2) == [0, 2]


def test_the_asking_trial_must_be_in_the_table_once():
    with pytest.raises(ValueError, match="not in the rung table"):
        promote([Row(1, 0.5)], 2, 3)
    with pytest.raises(ValueError, match="twice"):
        promote([Row(1, 0.5), Row(1, 0.6)], 1, 3)
