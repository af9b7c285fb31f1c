"""What full training said: the finalised architectures, the presets trained the same way, and
how well the search's proxy accuracy predicted the final test accuracy.

Computation only (no plotly): :func:`final_info` returns a :class:`FinalInfo` that
:mod:`nas.report.figures` draws and the tests check directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import optuna

from nas.study.record import TrialKind, TrialRecord
from nas.study.view import StudyView, view_of

#: Fewer final results than this, and a rank correlation says nothing: the panel is left out.
MIN_CORRELATION_POINTS = 3


class FinalInfo(NamedTuple):
    """A study's final results.

    ``searched`` are the searched architectures trained with the full recipe, ``baselines`` the
    presets trained the same way, both in trial order. ``pairs`` are those of them (both kinds)
    that also have a proxy validation accuracy; ``tau`` is Kendall's tau-b between proxy
    validation accuracy and final test accuracy over ``pairs`` (``None`` with fewer than
    :data:`MIN_CORRELATION_POINTS` pairs, or when either side is constant).
    """

    searched: list[TrialRecord]
    baselines: list[TrialRecord]
    pairs: list[TrialRecord]
    tau: float | None

    @property
    def count(self) -> int:
        """How many final results the study holds."""
        return len(self.searched) + len(self.baselines)

    @property
    def shows_correlation(self) -> bool:
        """Whether there are enough final results for the proxy-vs-final panel."""
        return len(self.pairs) >= MIN_CORRELATION_POINTS and self.tau is not None


def kendall_tau(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Kendall's tau-b rank correlation (ties counted as in scipy's default).

    Returns:
        A value in [-1, 1], or ``None`` for fewer than two points or a constant side.
    """
    if len(xs) != len(ys):
        raise ValueError(f"kendall_tau: {len(xs)} x values but {len(ys)} y values")
    concordant = discordant = ties_x = ties_y = 0
    n = len(xs)
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return None if denominator == 0 else (concordant - discordant) / denominator


def final_info(study: StudyView | optuna.Study) -> FinalInfo:
    """The study's final results (see :class:`FinalInfo`); every list is empty when there are none.

    Only ``record.final.test_accuracy`` is read; a finalised trial without FLOPs recorded is
    still counted in ``pairs`` (it has both accuracies) but the FLOPs panel cannot place it.
    """
    done = [r for r in view_of(study).records if r.final is not None]
    searched = [r for r in done if r.kind != TrialKind.BASELINE]
    baselines = [r for r in done if r.kind == TrialKind.BASELINE]
    pairs = [r for r in done if r.accuracy is not None]
    tau = None
    if len(pairs) >= MIN_CORRELATION_POINTS:
        tau = kendall_tau([r.accuracy or 0.0 for r in pairs], [r.final.test_accuracy for r in pairs if r.final])
    return FinalInfo(searched, baselines, pairs, tau)


__all__ = ["FinalInfo", "MIN_CORRELATION_POINTS", "final_info", "kendall_tau"]
