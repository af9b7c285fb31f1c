"""Which trials a finalisation trains: a spread of the Pareto front, given trial numbers, and
optionally the study's preset baselines within the budget.

Selection reads only validation accuracy (and cost); the test split is never looked at here.
"""

from __future__ import annotations

from collections.abc import Sequence

from nas.errors import NasError
from nas.study.candidates import candidates, is_candidate
from nas.study.pareto import pareto_front
from nas.study.record import TrialKind, TrialRecord


def spread(front: Sequence[TrialRecord], k: int) -> list[TrialRecord]:
    """``k`` records of a Pareto front spread across its FLOPs range.

    The most accurate record comes first, then the cheapest; the others are the records nearest
    to FLOPs values evenly spaced between the cheapest and the most expensive (each record
    picked once). A front of ``k`` or fewer records is taken whole.

    Args:
        front: Pareto-optimal records (each with ``flops`` and ``accuracy``).
        k: how many to pick (>= 1).

    Returns:
        The picks, in the order they are to be trained (most accurate, cheapest, then by FLOPs).
    """
    by_flops = sorted(front, key=lambda r: (r.flops or 0, -(r.accuracy or 0.0), r.number))
    best = max(by_flops, key=lambda r: (r.accuracy or 0.0, -(r.flops or 0), -r.number))
    picks = [best]
    if k >= 2 and by_flops[0] is not best:
        picks.append(by_flops[0])
    low, high = float(by_flops[0].flops or 0), float(by_flops[-1].flops or 0)
    slots = k - len(picks)
    targets = [low + (high - low) * (i + 1) / (slots + 1) for i in range(slots)]
    taken = {r.number for r in picks}
    fill: list[TrialRecord] = []
    for target in targets:
        rest = [r for r in by_flops if r.number not in taken]
        if not rest:
            break
        fill.append(min(rest, key=lambda r: (abs(float(r.flops or 0) - target), r.number)))
        taken.add(fill[-1].number)
    return picks + sorted(fill, key=lambda r: (r.flops or 0, r.number))


def select(
    records: Sequence[TrialRecord],
    objectives: Sequence[str],
    study: str,
    top: int = 3,
    trials: Sequence[int] | None = None,
    with_presets: bool = False,
) -> list[TrialRecord]:
    """The trials to finalise, in the order they are to be trained.

    Args:
        records: the study's records (:func:`nas.study.record.read_records`).
        objectives: the study's objectives (the Pareto front is taken over them).
        study: the study's name, for messages.
        top: how many Pareto-optimal searched trials to take (see :func:`spread`); ignored
            when ``trials`` is given.
        trials: explicit trial numbers (each a searched or baseline trial that was trained).
        with_presets: also take the study's preset baselines that were trained and fit the budget.

    Returns:
        The records, each once.

    Raises:
        NasError: for ``top`` below 1, a trial that does not exist or was not trained, or a
            study with nothing to finalise.
    """
    by_number = {r.number: r for r in records}
    if trials is not None:
        picks = []
        for number in trials:
            record = by_number.get(number)
            if record is None:
                known = [r.number for r in records if r.kind != TrialKind.FINAL]
                where = f"its trials are numbered {min(known)} to {max(known)}" if known else "it has no trials"
                raise NasError(f"--trials: study {study!r} has no trial {number} ({where})")
            if record.kind == TrialKind.FINAL:
                raise NasError(f"--trials: trial {number} of {study!r} is a finalisation of trial {record.finalizes}; "
                               "give the trial it finalises")
            if not is_candidate(record, baselines=True):
                what = record.kind.value.replace("_", " ")
                raise NasError(f"--trials: trial {number} of {study!r} was not trained ({what}); "
                               "give searched or baseline trials that were trained")
            if all(p.number != number for p in picks):
                picks.append(record)
    else:
        if top < 1:
            raise NasError(f"--top must be a whole number >= 1, got {top}")
        front = pareto_front(candidates(records, baselines=True), objectives)
        picks = spread(front, top) if front else []
    if with_presets:
        taken = {p.number for p in picks}
        picks += [r for r in records if r.kind == TrialKind.BASELINE and is_candidate(r, baselines=True) and not r.over_budget
                  and r.number not in taken]
    if not picks:
        raise NasError(f"study {study!r} has no trained trial within its budget to finalise "
                       "(run or resume 'nas search' first)")
    return picks


__all__ = ["select", "spread"]
