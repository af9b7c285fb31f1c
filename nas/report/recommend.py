"""Which architecture to take: the best one within the budget, and the command that exports it.

Computation only: :func:`recommend` returns a :class:`Recommendation` that the report puts at
the top of the page. The pick itself is :func:`nas.export.best_record` (``best_trial``'s), the one ``nas export
--pick best`` makes, so the report and the export never disagree.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import optuna

from nas.errors import NasError
from nas.export import best_record
from nas.report.pareto import budget_of
from nas.study.files import study_files
from nas.study.record import TrialKind, TrialRecord
from nas.study.storage import hide_password
from nas.study.view import StudyView, view_of

FINAL = "final test"
PROXY = "proxy validation"


@dataclass(frozen=True)
class Recommendation:
    """The best architecture within ``limit`` FLOPs, ranked by ``basis`` accuracy.

    ``basis`` is ``"final test"`` (test accuracy after training with the full recipe) when
    some trial within the limit was finalised, else ``"proxy validation"`` (validation accuracy
    of the search's short proxy training). ``preset`` / ``preset_accuracy`` name the best
    preset within the limit on the same basis, for comparison (``None`` when there is none).
    """

    trial: int
    basis: str
    accuracy: float
    proxy_accuracy: float | None
    flops: int | None
    params: int | None
    latency_ms: float | None
    notation: str
    limit: float | None
    command: str
    note: str = ""
    preset: str | None = None
    preset_accuracy: float | None = None


def export_command(study: str, trial: int, storage: str | None = None) -> str:
    """The ``nas export`` command line that writes ``trial`` of ``study`` to ``arch.yaml``.

    ``--storage`` is added unless ``storage`` is the default ``sqlite:///studies/STUDY.db``;
    a password in it is shown as ``***`` (the page must not leak it), and both names are
    shell-quoted.
    """
    words = ["nas", "export", study]
    if storage is not None and storage != study_files(study).storage_url:
        words += ["--storage", hide_password(storage)]
    words += ["--pick", f"trial:{trial}", "-o", "arch.yaml"]
    return shlex.join(words)


def _accuracy(record: TrialRecord, basis: str) -> float | None:
    if basis == FINAL:
        return None if record.final is None else record.final.test_accuracy
    return record.accuracy


def recommend(study: StudyView | optuna.Study, max_flops: float | None = None, storage: str | None = None) -> Recommendation:
    """The best searched architecture within the budget (see :class:`Recommendation`).

    Args:
        study: a study written by ``nas search`` (or its :class:`~nas.study.view.StudyView`).
        max_flops: the FLOPs limit; ``None`` means the study's own budget (or none).
        storage: the storage URL the study was opened from (``None``: the default one), for
            the export command.

    Returns:
        The :class:`Recommendation`.

    Raises:
        NasError: when no completed trial fits within the limit (naming the cheapest one).
    """
    view = view_of(study)
    limit = max_flops if max_flops is not None else budget_of(view, "flops")
    records = {r.number: r for r in view.records}
    note = ""
    try:
        number, basis = best_record(view.records, view.study_name, limit, final=True).number, FINAL
    except NasError:
        number, basis = best_record(view.records, view.study_name, limit).number, PROXY
        finalised = sum(1 for r in records.values() if r.final is not None and r.kind == TrialKind.SEARCHED)
        note = ("no architecture within the budget has been trained with the full recipe yet, so this is "
                "ranked by the search's proxy validation accuracy") if not finalised else (
                f"none of the {finalised} finalised architectures fits within the budget, so this is ranked "
                "by the search's proxy validation accuracy")
    record = records[number]
    presets = [(acc, r) for r in records.values()
               if r.kind == TrialKind.BASELINE and not r.over_budget and r.flops is not None
               and (limit is None or r.flops <= limit) and (acc := _accuracy(r, basis)) is not None]
    best_preset = max(presets, key=lambda ar: (ar[0], -ar[1].number), default=None)
    return Recommendation(
        trial=number, basis=basis, accuracy=float(_accuracy(record, basis) or 0.0), proxy_accuracy=record.accuracy,
        flops=record.flops, params=record.params, latency_ms=record.latency_ms, notation=record.notation,
        limit=limit, command=export_command(view.study_name, number, storage), note=note,
        preset=None if best_preset is None else best_preset[1].baseline,
        preset_accuracy=None if best_preset is None else best_preset[0])


__all__ = ["FINAL", "PROXY", "Recommendation", "export_command", "recommend"]
