"""What a study has learnt about each distinct architecture it proposed, and when a space has
nothing left to offer.

``SearchSpace.size()`` is exact, so a search can tell when it has seen every architecture of
its space: each one trained, or refused for good (over the budget, or failed for a reason of
its own, such as a diverged training: trials are reproducible, so a retry fails alike). Then
it stops, however many trials were asked for. Proposals skip architectures already settled
(:mod:`nas.searching.feasible`), so a refused architecture is stored once, not once per proposal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nas.study.record import TrialKind, TrialRecord


@dataclass(frozen=True)
class Seen:
    """The distinct architectures (notations) of a study's search trials, by what became of them.

    Attributes:
        trained: trained at the search's fidelity (completed, or stopped at a lower rung).
        refused: never to be trained here: over the budget, or failed with a reason.
        busy: being trained by a worker now.
        screened: screened out by the zero-cost pre-screen and not otherwise settled.
        other: proposed with no lasting outcome yet (interrupted, a duplicate, a surplus).
    """

    trained: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()
    busy: frozenset[str] = frozenset()
    screened: frozenset[str] = frozenset()
    other: frozenset[str] = frozenset()

    @property
    def settled(self) -> frozenset[str]:
        """Architectures that another proposal would only repeat: trained, refused or in training."""
        return self.trained | self.refused | self.busy

    @property
    def distinct(self) -> int:
        return len(self.settled | self.screened | self.other)

    def exhausted(self, size: int) -> bool:
        """Whether every one of a space's ``size`` architectures is trained or refused for good."""
        return len(self.trained | self.refused) >= size


def seen_in(records: Iterable[TrialRecord]) -> Seen:
    """The :class:`Seen` of a study's records (presets and finalisation trials left out)."""
    groups: dict[str, set[str]] = {k: set() for k in ("trained", "refused", "busy", "screened", "other")}
    for r in records:
        if r.baseline or not r.notation or r.kind in (TrialKind.BASELINE, TrialKind.FINAL):
            continue
        if r.kind in (TrialKind.SEARCHED, TrialKind.STOPPED):
            groups["trained"].add(r.notation)
        elif r.kind == TrialKind.OVER_BUDGET or (r.kind == TrialKind.FAILED and r.fail_reason):
            groups["refused"].add(r.notation)
        elif r.kind == TrialKind.RUNNING and r.training:
            groups["busy"].add(r.notation)
        elif r.kind == TrialKind.SCREENED_OUT:
            groups["screened"].add(r.notation)
        else:
            groups["other"].add(r.notation)
    settled = groups["trained"] | groups["refused"] | groups["busy"]
    return Seen(
        trained=frozenset(groups["trained"]), refused=frozenset(groups["refused"] - groups["trained"]),
        busy=frozenset(groups["busy"] - groups["trained"] - groups["refused"]),
        screened=frozenset(groups["screened"] - settled), other=frozenset(groups["other"] - settled - groups["screened"]),
    )


__all__ = ["Seen", "seen_in"]
