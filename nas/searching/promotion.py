"""The promotion rule of multi-objective asynchronous successive halving: continue or stop.

A trial that has just recorded its accuracy at a rung asks :func:`promote` whether to go on to
the next rung. The answer uses only a table of the trials that have recorded a result at that
rung (itself included): it continues iff it is among the best ``ceil(n / eta)`` of those ``n``
rows, ranked by

1. **non-dominated rank** of (rung accuracy, maximised; the study's cost objectives,
   minimised) — front 0 is the rows no other row dominates, front 1 the rows dominated only
   by front 0, and so on (:func:`nas.study.pareto.nondominated_ranks`, the ranking
   every Pareto question of ``nas`` uses);
2. within a front, **crowding distance** (NSGA-II's, :func:`crowding_distances`), larger
   first: rows that spread the front along accuracy and cost go first, rows crowded between
   near neighbours last. Distances are computed per front; on an objective whose values span
   no range in that front, every row gets 0 from it; otherwise every row at the front's lowest
   or highest value of that objective gets an infinite distance (ties at an end are all
   boundary rows, so the answer never depends on the order of rows);
3. the **trial number**, lower first (an earlier trial keeps its place against a later equal).

A table of one row (the first trial to reach a rung) promotes it. Functions here are pure:
no Optuna, no storage, so the rule can be tested on constructed tables and replayed from a
study's records.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nas.study.pareto import nondominated_ranks


@dataclass(frozen=True)
class Row:
    """One trial's result at a rung.

    Attributes:
        number: the trial number.
        accuracy: its validation accuracy at the rung (maximised).
        costs: its cost objectives (FLOPs, params, latency, as the study's objectives name
            them; each minimised).
    """

    number: int
    accuracy: float
    costs: tuple[float, ...] = ()

    def loss(self) -> tuple[float, ...]:
        """The vector every entry of which is minimised."""
        return (-self.accuracy, *self.costs)


def crowding_distances(losses: Sequence[Sequence[float]]) -> list[float]:
    """NSGA-II crowding distance of each vector within one front (see the module docstring).

    For each objective with a range ``hi - lo > 0``, a row at ``lo`` or ``hi`` gets infinity and
    any other row adds ``(next higher value - next lower value) / (hi - lo)``, its neighbours
    taken among the distinct values. An objective with no range adds nothing.

    Returns:
        One distance per vector, in input order.
    """
    n = len(losses)
    distance = [0.0] * n
    if n == 0:
        return distance
    for k in range(len(losses[0])):
        values = [float(v[k]) for v in losses]
        lo, hi = min(values), max(values)
        if not hi > lo:
            continue
        distinct = sorted(set(values))
        where = {v: i for i, v in enumerate(distinct)}
        for i, v in enumerate(values):
            if v in (lo, hi):
                distance[i] = math.inf
            else:
                j = where[v]
                distance[i] += (distinct[j + 1] - distinct[j - 1]) / (hi - lo)
    return distance


def order(rows: Sequence[Row]) -> list[Row]:
    """The rows best first: by front, then crowding distance (larger first), then trial number."""
    losses = [r.loss() for r in rows]
    ranks = nondominated_ranks(losses)
    crowd = [0.0] * len(rows)
    for rank in set(ranks):
        members = [i for i, k in enumerate(ranks) if k == rank]
        for i, d in zip(members, crowding_distances([losses[i] for i in members])):
            crowd[i] = d
    key = sorted(range(len(rows)), key=lambda i: (ranks[i], -crowd[i], rows[i].number))
    return [rows[i] for i in key]


def quota(n: int, eta: int) -> int:
    """How many of ``n`` rows at a rung go on: ``ceil(n / eta)``."""
    return -(-n // eta)


def promoted(rows: Sequence[Row], eta: int) -> list[int]:
    """The trial numbers among ``rows`` that are in the top ``ceil(n / eta)`` (best first)."""
    return [r.number for r in order(rows)[: quota(len(rows), eta)]]


def promote(rows: Sequence[Row], number: int, eta: int) -> bool:
    """Whether trial ``number`` (one of ``rows``) goes on to the next rung.

    Args:
        rows: every trial with a result at this rung, ``number`` included, each once.
        number: the trial asking.
        eta: the reduction factor (>= 2).

    Returns:
        ``True`` iff it is in the top ``ceil(len(rows) / eta)`` of :func:`order`.

    Raises:
        ValueError: when ``number`` is not in ``rows`` or a trial appears twice.
    """
    numbers = [r.number for r in rows]
    if number not in numbers:
        raise ValueError(f"trial {number} is not in the rung table")
    if len(set(numbers)) != len(numbers):
        raise ValueError("a trial appears twice in the rung table")
    return number in promoted(rows, eta)


__all__ = ["Row", "crowding_distances", "order", "promote", "promoted", "quota"]
