"""The one Pareto definition of ``nas``: which records no other record beats on every objective.

The search summary, ``nas status``, the report and ``nas export`` all rank with
:func:`pareto_front`; only :attr:`~nas.searching.record.TrialKind.SEARCHED` records are ranked
(baselines, over-budget, stopped and failed trials never are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from nas.searching.objectives import FIELD, OBJECTIVES
from nas.searching.record import TrialKind, TrialRecord

T = TypeVar("T")


def nondominated(items: Iterable[T], loss: Callable[[T], Sequence[float]]) -> list[T]:
    """The items whose ``loss`` vector (every entry minimised) no other item dominates.

    An item dominates another when it is no worse on every entry and better on one; items
    with equal vectors do not dominate each other, so ties are all kept.

    Returns:
        The non-dominated items, in their input order.
    """
    pool = list(items)
    losses = [tuple(loss(i)) for i in pool]

    def dominated(j: int) -> bool:
        mine = losses[j]
        return any(
            all(a <= b for a, b in zip(other, mine)) and other != mine for other in losses
        )

    return [item for j, item in enumerate(pool) if not dominated(j)]


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
        objectives: names from :data:`nas.searching.objectives.OBJECTIVES`, any order.

    Returns:
        The non-dominated records, sorted by accuracy (highest first), then trial number.
    """
    ranked = [
        r for r in records
        if r.kind == TrialKind.SEARCHED and all(getattr(r, FIELD[n]) is not None for n in objectives)
    ]
    front = nondominated(ranked, lambda r: objective_loss(r, objectives))
    return sorted(front, key=lambda r: (-(r.accuracy or 0.0), r.number))
