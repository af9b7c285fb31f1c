"""Which trials an architecture can be taken from: the candidates of ``nas export`` (and the
report's recommendation) and of ``nas finalize``.

A candidate was trained by the search's proxy and recorded its architecture, so it can be
rebuilt and trained again: a searched trial, or (where the caller wants them) a preset
baseline. Trials stopped early by successive halving are not candidates: their accuracy is
that of a lower rung.
"""

from __future__ import annotations

from collections.abc import Iterable

from nas.study.record import TrialKind, TrialRecord


def is_candidate(record: TrialRecord, baselines: bool = False) -> bool:
    """Whether ``record`` is a searched trial (or, with ``baselines``, a preset baseline) with
    a measured accuracy and a recorded architecture."""
    kinds = (TrialKind.SEARCHED, TrialKind.BASELINE) if baselines else (TrialKind.SEARCHED,)
    return record.kind in kinds and record.accuracy is not None and record.arch is not None


def candidates(records: Iterable[TrialRecord], baselines: bool = False) -> list[TrialRecord]:
    """The records of ``records`` that are candidates (see :func:`is_candidate`), in their order."""
    return [r for r in records if is_candidate(r, baselines)]


__all__ = ["candidates", "is_candidate"]
