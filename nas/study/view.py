"""A study read once for the report: its records and the study-level facts the page shows.

Every report function takes a :class:`StudyView` (or an ``optuna.Study``, which it reads into
one), so one report reads the study's trials once however many figures it draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import optuna

from nas.study.record import TrialRecord, read_records


@dataclass(frozen=True)
class StudyView:
    """One read of a study: its trials as records (in trial-number order), its name, user
    attrs (``settings``, ``linear_accuracy``, ...) and objective names. The field names are
    ``optuna.Study``'s, so code reading only those works on either."""

    study_name: str
    records: tuple[TrialRecord, ...]
    user_attrs: Mapping[str, Any]
    metric_names: tuple[str, ...]

    @classmethod
    def read(cls, study: optuna.Study) -> StudyView:
        """Read ``study``'s trials and attrs once."""
        return cls(study.study_name, tuple(read_records(study)), dict(study.user_attrs),
                   tuple(study.metric_names or ()))




def view_of(source: StudyView | optuna.Study) -> StudyView:
    """``source`` itself when it is a view, else the study read into one."""
    return source if isinstance(source, StudyView) else StudyView.read(source)


__all__ = ["StudyView", "view_of"]
