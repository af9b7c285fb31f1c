"""The one Pareto definition of ``nas``: which records no other record beats on every objective.

The search summary, ``nas status``, the report and ``nas export`` all rank with
:func:`pareto_front`; only :attr:`~nas.study.record.TrialKind.SEARCHED` records are ranked
(baselines, over-budget, stopped and failed trials never are). Dominance itself is
:func:`dominates`, and :func:`nondominated_ranks` sorts vectors into fronts; the asha
promotion rule ranks a rung's rows with the same two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from nas.study.objectives import FIELD, OBJECTIVES
from nas.study.record import TrialKind, TrialRecord

T = TypeVar("T")


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is no worse than ``b`` on every (minimised) entry and better on one."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def nondominated_ranks(losses: Sequence[Sequence[float]]) -> list[int]:
    """The front index of each loss vector (0: dominated by none; k: dominated only by fronts < k).

    Equal vectors do not dominate each other and share a front.

    Returns:
        One rank per vector, in input order.
    """
    n = len(losses)
    dominated_by = [0] * n
    beats: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if dominates(losses[i], losses[j]):
                beats[i].append(j)
                dominated_by[j] += 1
            elif dominates(losses[j], losses[i]):
                beats[j].append(i)
                dominated_by[i] += 1
    ranks = [-1] * n
    front = [i for i in range(n) if dominated_by[i] == 0]
    rank = 0
    while front:
        following: list[int] = []
        for i in front:
            ranks[i] = rank
            for j in beats[i]:
                dominated_by[j] -= 1
                if dominated_by[j] == 0:
                    following.append(j)
        front, rank = following, rank + 1
    return ranks


def nondominated(items: Iterable[T], loss: Callable[[T], Sequence[float]]) -> list[T]:
    """The items whose ``loss`` vector (every entry minimised) no other item dominates.

    These are front 0 of :func:`nondominated_ranks`: items with equal vectors do not
    dominate each other, so ties are all kept.

    Returns:
        The non-dominated items, in their input order.
    """
    pool = list(items)
    ranks = nondominated_ranks([tuple(loss(i)) for i in pool])
    return [item for item, rank in zip(pool, ranks) if rank == 0]


def objective_loss(record: TrialRecord, objectives: Sequence[str]) -> tuple[float, ...]:
    """The record's objective values as a vector to minimise (maximised ones negated)."""
    out = []
    for name in objectives:
        value = getattr(record, FIELD[name])
        if value is None:
            raise ValueError(f"trial {record.number} has no {name}")
        out.append(-float(value) if OBJECTIVES[name] == "maximize" else float(value))
    return tuple(out)


def pareto_front(records: Iterable[TrialRecord], objectives: Sequence[str] = ("accuracy", "flops")) -> list[TrialRecord]:
    """The Pareto-optimal searched records for ``objectives``, most accurate first.

    Args:
        records: any records of a study (only ``SEARCHED`` ones that measured every
            objective are ranked).
        objectives: names from :data:`nas.study.objectives.OBJECTIVES`, any order.

    Returns:
        The non-dominated records, sorted by accuracy (highest first), then trial number.
    """
    ranked = [
        r for r in records
        if r.kind == TrialKind.SEARCHED and all(getattr(r, FIELD[n]) is not None for n in objectives)
    ]
    front = nondominated(ranked, lambda r: objective_loss(r, objectives))
    return sorted(front, key=lambda r: (-(r.accuracy or 0.0), r.number))
