"""The rungs of a multi-fidelity (``--fidelity asha``) search: which fidelity each rung trains at,
and which trials have a result at a rung.

A rung is a number of epochs over a number of training images. Rung 0 is the cheapest, the top
rung ``R`` is the study's ``--epochs`` over its ``--train-subset``, and each rung trains ``eta``
times what the one below it trains: first the images grow (from ``--min-train-subset``, at the
lowest epochs), then the epochs (from ``--min-epochs``). With ``--epochs 9 --train-subset 6000
--min-train-subset 2000 --eta 3`` the rungs are 1x2000, 1x6000, 3x6000, 9x6000.

How a trial continues from its weights: every trial trains along one schedule, the top rung's
(its learning-rate warm-up and cosine decay span ``--epochs`` over ``--train-subset``
images), and a rung is a point on it. Rung ``r`` of ``e`` epochs over ``n`` images is reached
after ``e * floor(n / b)`` batches of ``b`` images, drawn in the schedule's order: each
epoch's shuffled order of the top subset (the same for every trial, since it is seeded by the
study's seed), so a rung of one epoch over ``n`` images has seen ``n`` distinct images, the
first ``n`` of that order. A promoted trial trains on from the batch where it stopped
(:meth:`nas.training.loop.Trainer.run_steps`); one that reaches the top rung has trained exactly
what a single-fidelity run of the same settings trains, and scores the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nas.errors import NasError
from nas.searching.promotion import Row
from nas.study.objectives import FIELD
from nas.study.record import TrialKind, TrialRecord

#: ``--fidelity`` choices.
FIDELITIES = ("single", "asha")


@dataclass(frozen=True)
class Rung:
    """One fidelity of a multi-fidelity search.

    Attributes:
        index: 0 for the cheapest rung.
        epochs: epochs of the rung.
        images: training images of the rung; ``None``: every image of the split (``--train-subset 0``).
    """

    index: int
    epochs: int
    images: int | None

    def batches(self, pool: int, batch_size: int) -> int:
        """Batches of the top rung's schedule a trial has trained once it reaches this rung.

        Args:
            pool: the training images the search trains on (the top rung's).
            batch_size: the proxy-training batch size (a batch never exceeds ``pool``).
        """
        images = pool if self.images is None else min(self.images, pool)
        return self.epochs * (images // max(1, min(batch_size, pool)))


@dataclass(frozen=True)
class RungPlan:
    """The rungs of an ``asha`` search, cheapest first, and its reduction factor ``eta``."""

    eta: int
    rungs: tuple[Rung, ...]

    @property
    def top(self) -> Rung:
        return self.rungs[-1]

    def stored(self) -> dict[str, Any]:
        """The plan as a study stores it in its identity (``settings["fidelity"]``)."""
        return {"kind": "asha", "eta": self.eta, "rungs": [[r.epochs, r.images] for r in self.rungs]}

    @classmethod
    def from_stored(cls, stored: Any) -> RungPlan | None:
        """The plan a study stores; ``None`` for a single-fidelity study (or one made before rungs existed)."""
        if not isinstance(stored, dict) or stored.get("kind") != "asha":
            return None
        return cls(int(stored["eta"]), tuple(
            Rung(i, int(e), None if n is None else int(n)) for i, (e, n) in enumerate(stored["rungs"])))

    def describe(self) -> str:
        """``1x2000, 1x6000, 3x6000 (eta 3)``: epochs x images per rung."""
        return ", ".join(f"{r.epochs}x{'all' if r.images is None else r.images}" for r in self.rungs) + \
            f" (eta {self.eta})"


def _steps_down(top: int, low: int, eta: int, exact: bool) -> int | None:
    """The ``k`` with ``top / eta**k == low`` (rounded when not ``exact``), else ``None``."""
    k, value = 0, float(top)
    while value >= low - 0.5:
        if (value == low) if exact else (round(value) == low):
            return k
        k, value = k + 1, value / eta
    return None


def _valid(top: int, eta: int, exact: bool, limit: int = 4) -> list[int]:
    out, value = [], float(top) / eta
    while value >= 1 and len(out) < limit:
        if not exact or value == int(value):
            out.append(round(value))
        value /= eta
    return out


def plan_rungs(
    eta: int,
    epochs: int,
    train_subset: int | None,
    min_epochs: int | None = None,
    min_train_subset: int | None = None,
    batch_size: int = 1,
) -> RungPlan:
    """The rungs from the cheapest (``min_epochs`` x ``min_train_subset``) up to ``epochs`` x ``train_subset``.

    Args:
        eta: the reduction factor: each rung trains ``eta`` times the one below; >= 2.
        epochs: the top rung's epochs.
        train_subset: the top rung's training images (``None`` or 0: all of the split).
        min_epochs: rung 0's epochs; ``epochs`` must be it times a power of ``eta``. Default:
            the smallest such divisor of ``epochs`` (``epochs`` itself when ``eta`` does not divide it).
        min_train_subset: rung 0's images; ``train_subset / eta**k`` rounded, for some ``k``.
            Default: ``train_subset`` (no images axis).
        batch_size: the proxy-training batch size (rung 0 must train at least one batch).

    Returns:
        The plan, with at least two rungs.

    Raises:
        NasError: one line naming the option that does not fit.
    """
    if eta < 2:
        raise NasError(f"--eta must be >= 2, got {eta}")
    top_images = train_subset or None
    if min_epochs is None:
        min_epochs = epochs
        while min_epochs % eta == 0:
            min_epochs //= eta
    if min_epochs < 1:
        raise NasError(f"--min-epochs must be >= 1, got {min_epochs}")
    if min_epochs > epochs:
        raise NasError(f"--min-epochs {min_epochs} is more than --epochs {epochs} (the top rung)")
    k_epochs = _steps_down(epochs, min_epochs, eta, exact=True)
    if k_epochs is None:
        options = ", ".join(map(str, [epochs, *_valid(epochs, eta, exact=True)]))
        raise NasError(f"--min-epochs {min_epochs} does not reach --epochs {epochs} by factors of --eta {eta} "
                       f"(choose from {options})")
    k_images = 0
    if min_train_subset is not None:
        if top_images is None:
            raise NasError("--min-train-subset needs --train-subset (the top rung's images), not all images")
        if min_train_subset < 1:
            raise NasError(f"--min-train-subset must be >= 1, got {min_train_subset}")
        if min_train_subset > top_images:
            raise NasError(f"--min-train-subset {min_train_subset} is more than --train-subset {top_images} "
                           "(the top rung)")
        found = _steps_down(top_images, min_train_subset, eta, exact=False)
        if found is None:
            options = ", ".join(map(str, [top_images, *_valid(top_images, eta, exact=False)]))
            raise NasError(f"--min-train-subset {min_train_subset} does not reach --train-subset {top_images} by "
                           f"factors of --eta {eta} (choose from {options})")
        k_images = found
    if k_epochs + k_images == 0:
        raise NasError(
            f"--fidelity asha needs at least two rungs: --epochs {epochs} and --train-subset "
            f"{top_images or 'all'} leave none below the top at --eta {eta}; give --min-epochs (with --epochs a "
            f"multiple of {eta}) or --min-train-subset"
        )
    low_epochs = epochs // eta**k_epochs
    rungs = [Rung(r, low_epochs, None if top_images is None else round(top_images / eta ** (k_images - r)))
             for r in range(k_images + 1)]
    rungs += [Rung(k_images + j, low_epochs * eta**j, top_images) for j in range(1, k_epochs + 1)]
    first = rungs[0]
    if first.images is not None and first.images < batch_size:
        raise NasError(f"rung 0 has {first.images} training images, fewer than --batch-size {batch_size}: it would "
                       "train no batch; raise --min-train-subset or lower --batch-size")
    return RungPlan(eta, tuple(rungs))


def rung_rows(records: Iterable[TrialRecord], rung: int, objectives: Sequence[str]) -> list[Row]:
    """The promotion table of ``rung``: every trial with a result there, as rows of (accuracy, costs).

    Baselines, failed trials and trials waiting to be retried (which carry the results of the
    trial they repeat) are left out; a trial appears once.

    Args:
        records: the study's records.
        rung: the rung index.
        objectives: the study's objectives; every one but accuracy is a cost.
    """
    costs = [FIELD[name] for name in objectives if name != "accuracy"]
    rows = []
    for r in records:
        if r.baseline or r.state == "WAITING" or r.kind not in (TrialKind.RUNNING, TrialKind.SEARCHED,
                                                                 TrialKind.STOPPED):
            continue
        if len(r.rungs) <= rung:
            continue
        values = [getattr(r, name) for name in costs]
        if any(v is None for v in values):
            continue
        rows.append(Row(r.number, r.rungs[rung].accuracy, tuple(float(v) for v in values)))
    return rows


__all__ = ["FIDELITIES", "Rung", "RungPlan", "plan_rungs", "rung_rows"]
