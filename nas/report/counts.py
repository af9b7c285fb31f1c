"""How far each architecture was trained: screened only (stopped at a lower rung) or fully."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from nas.study.record import TrialKind, TrialRecord


class Screening(NamedTuple):
    """``fully_trained`` trials reached the top fidelity (the ranked ones); ``stopped`` counts the
    ones a multi-fidelity search stopped early, by the rung they were stopped at (``-1`` when
    the rung was not recorded); ``finalised`` were then trained with the full recipe (each search
    trial once, not again for the finalisation trial that records it)."""

    fully_trained: int
    stopped: dict[int, int]
    finalised: int

    @property
    def screened(self) -> int:
        """Every trial that was trained at all at the search's fidelities."""
        return self.fully_trained + sum(self.stopped.values())


def screening(records: Sequence[TrialRecord]) -> Screening:
    """Count ``records`` by how far they were trained (see :class:`Screening`)."""
    rungs = Counter(-1 if r.rung is None else r.rung for r in records if r.kind == TrialKind.STOPPED)
    return Screening(
        fully_trained=sum(1 for r in records if r.kind == TrialKind.SEARCHED),
        stopped=dict(sorted(rungs.items())),
        finalised=sum(1 for r in records if r.final is not None and r.kind not in (TrialKind.BASELINE, TrialKind.FINAL)),
    )


__all__ = ["Screening", "screening"]
