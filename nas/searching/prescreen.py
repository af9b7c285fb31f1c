"""Zero-cost pre-screening: which sampled architectures are worth training.

With ``--prescreen K`` every sampled architecture that fits the budget is a *candidate*: its
zero-cost proxy (``--prescreen-proxy``, :mod:`nas.zero_cost`) is scored on one batch of the
real training data, and it is trained only if its score ranks in the top ``ceil(n / K)`` of
the ``n`` candidates scored so far (itself included) **in its FLOPs bin**; otherwise it is
PRUNED as screened out. About one candidate in K is trained, and the first candidate of a bin
always is. Proxies reward size (SynFlow grows with the weights, NASWOT with the units), so a
candidate only competes with candidates of similar cost: bins are half-octaves of FLOPs below
the budget (:func:`flops_bin`).

``K`` of 0 or 1 is off (one candidate per trained architecture). Every trial that is trained
(pre-screen on or off, baselines included) gets all the proxies of
:data:`nas.zero_cost.PROXIES` in its ``zero_cost`` attr, so how well a proxy ranks trained
architectures can be measured on any study; a screened-out trial keeps the one proxy it was
screened with.

What the sampler sees: a screened-out trial is PRUNED, feasible (constraint <= 0) and
reports no values. Optuna's multi-objective TPE (5.x, ``_split_trials``) fills its "good"
group with COMPLETE trials first (``ceil(0.1 n)`` of the ``n`` COMPLETE and PRUNED trials)
and only then with PRUNED ones, so with K >= 2 screened-out trials land in the "bad" group:
TPE is steered away from architectures the proxy ranked low among their peers. NSGA-II reads
COMPLETE trials only; random sampling reads nothing. Screened-out trials are never ranked
(only :attr:`~nas.study.record.TrialKind.SEARCHED` trials are).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import optuna
import torch
from torch import nn

from nas.data import Split
from nas.errors import NasError
from nas.study import attrs as A
from nas.study.record import TrialKind, TrialRecord, read_records
from nas.units import format_count
from nas.zero_cost import PROXIES, Batch, check_names, score

#: The proxy a pre-screen ranks with unless told otherwise: NASWOT, the zero-cost proxy that
#: orders the full recipe's test accuracy best on the ground-truth table
#: (``benchmarks/results/fashion-mnist-5M.jsonl``, 16 architectures within 5M FLOPs on
#: Fashion-MNIST: Kendall tau 0.57, where SNIP's is -0.10; see the README), at about 0.3 s an
#: architecture.
DEFAULT_PROXY = "naswot"
#: The largest K accepted (beyond it almost nothing would be trained).
MAX_K = 64
#: FLOPs bins per halving of the cost: candidates within a factor sqrt(2) of each other compete.
BINS_PER_OCTAVE = 2
#: Bins in all; the last one holds every candidate below ``budget / 2 ** ((BINS - 1) / BINS_PER_OCTAVE)``.
BINS = 8
#: Images in the proxies' batch (drawn once per search from the training split with the seed).
BATCH_IMAGES = 64


def enabled(k: int) -> bool:
    """Whether ``--prescreen k`` screens at all (0 and 1 do not)."""
    return k >= 2


def check_prescreen(k: int, proxy: str) -> None:
    """Refuse a K or a proxy no search can use.

    Raises:
        NasError: one line naming the option.
    """
    if not 0 <= k <= MAX_K:
        raise NasError(f"--prescreen must be from 0 (off) to {MAX_K}, got {k}")
    if proxy not in PROXIES:
        raise NasError(f"--prescreen-proxy: unknown zero-cost proxy {proxy!r} (choose from {', '.join(PROXIES)})")


def flops_bin(flops: int, budget: int) -> int:
    """The FLOPs bin of a candidate: bin ``i`` holds ``(budget * 2**(-(i+1)/2), budget * 2**(-i/2)]``,
    the last bin (``BINS - 1``) everything cheaper.

    Args:
        flops: the candidate's FLOPs.
        budget: the search's FLOPs budget.

    Returns:
        A bin from 0 (just under the budget) to ``BINS - 1``.
    """
    if flops >= budget:
        return 0
    if flops <= 0:
        return BINS - 1
    return min(BINS - 1, int(math.floor(math.log2(budget / flops) * BINS_PER_OCTAVE)))


def bin_range(index: int, budget: int) -> tuple[float, float]:
    """The FLOPs ``(low, high]`` of bin ``index`` (``low`` is 0 for the last bin)."""
    high = budget * 2.0 ** (-index / BINS_PER_OCTAVE)
    low = 0.0 if index >= BINS - 1 else budget * 2.0 ** (-(index + 1) / BINS_PER_OCTAVE)
    return low, high


@dataclass(frozen=True)
class Candidate:
    """A scored candidate: its trial number, FLOPs bin and proxy score."""

    number: int
    bin: int
    score: float


@dataclass(frozen=True)
class Decision:
    """Where a candidate ranked among the candidates of its bin, and whether it is trained.

    ``rank`` is 1 for the best score; ``candidates`` counts the bin's candidates including this
    one; ``quota`` is ``ceil(candidates / K)``; ``trained`` is ``rank <= quota``.
    """

    proxy: str
    score: float
    bin: int
    rank: int
    candidates: int
    quota: int
    trained: bool


def quota(candidates: int, k: int) -> int:
    """How many of a bin's ``candidates`` may be trained: ``ceil(candidates / k)``."""
    return -(-candidates // k)


def decide(own: Candidate, others: Iterable[Candidate], k: int, proxy: str = DEFAULT_PROXY) -> Decision:
    """Whether ``own`` is trained: its score ranks in the top ``ceil(n / k)`` of the ``n``
    candidates of its bin (``others`` in the same bin, and itself).

    Candidates of other bins do not count. A higher score ranks higher; equal scores rank by
    trial number (the earlier first); a non-finite score ranks last.

    Args:
        own: the candidate to decide.
        others: every other candidate scored so far (any bin; its own entry is ignored).
        k: candidates per trained one (>= 2).
        proxy: the proxy's name, recorded in the decision.

    Returns:
        The decision.
    """
    mine = _key(own)
    peers = [c for c in others if c.bin == own.bin and c.number != own.number]
    rank = 1 + sum(1 for c in peers if _key(c) > mine)
    n = len(peers) + 1
    q = quota(n, k)
    return Decision(proxy, own.score, own.bin, rank, n, q, rank <= q)


def _key(c: Candidate) -> tuple[float, int]:
    return (c.score if math.isfinite(c.score) else -math.inf, -c.number)


def candidates(records: Iterable[TrialRecord], proxy: str, budget: int, exclude: int) -> list[Candidate]:
    """The study's scored candidates: trials (not baselines) within the budget that stored a
    ``proxy`` score, whatever became of them (trained, screened out, failed), except trial
    ``exclude``.

    Args:
        records: the study's trials.
        proxy: the proxy the pre-screen ranks by.
        budget: the FLOPs budget (for the bins).
        exclude: the trial being decided.

    Returns:
        The candidates, in record order.
    """
    out = []
    for r in records:
        if r.number == exclude or r.baseline or r.over_budget or r.flops is None or r.kind == TrialKind.BASELINE:
            continue
        if r.zero_cost and proxy in r.zero_cost:
            out.append(Candidate(r.number, flops_bin(r.flops, budget), r.zero_cost[proxy]))
    return out


def describe(decision: Decision, budget: int) -> str:
    """One line: why a candidate was screened out (or trained)."""
    low, high = bin_range(decision.bin, budget)
    verdict = "trained" if decision.trained else "screened out"
    return (f"{verdict}: {decision.proxy} ranks {decision.rank} of {decision.candidates} candidates with "
            f"{format_count(int(low))}-{format_count(int(high))} FLOPs (top {decision.quota} are trained)")


class Prescreen:
    """The objective's one call before training: score the zero-cost proxies of the untrained
    model into the trial and, with K >= 2, prune it when it ranks below its bin's quota.

    Args:
        k: candidates per trained architecture (0 or 1: off).
        proxy: the proxy candidates are ranked by.
        split: the training data (one batch of :data:`BATCH_IMAGES` images is drawn from it).
        budget: the FLOPs budget (bins are relative to it).
        seed: draws the batch and seeds the proxies.
    """

    def __init__(self, k: int, proxy: str, split: Split, budget: int, seed: int) -> None:
        check_prescreen(k, proxy)
        self.k, self.proxy, self.split, self.budget, self.seed = k, proxy, split, budget, seed
        self._batch: Batch | None = None

    @property
    def batch(self) -> Batch:
        if self._batch is None:
            self._batch = Batch.from_split(self.split, size=BATCH_IMAGES, seed=self.seed)
        return self._batch

    def __call__(self, trial: optuna.Trial, model: nn.Module, flops: int, baseline: bool = False) -> None:
        """Score ``model`` (untrained, unchanged) and decide whether trial is trained.

        Raises:
            optuna.TrialPruned: when the trial is screened out (its proxy score and decision are stored).
        """
        start = time.perf_counter()
        # A retry of a trial that passed the screen (it carries that trial's attrs) is trained, as that one was.
        passed = A.passed_prescreen(trial)
        screens = enabled(self.k) and not baseline and not passed
        records: list[TrialRecord] = []
        again = False
        if screens:
            records = read_records(trial.study)
            notation = A.notation_of(trial)
            # Proposed again after being screened out: the proposals found nothing new (see
            # nas.searching.feasible), so it is trained rather than screened out once more.
            again = any(r.notation == notation and r.kind == TrialKind.SCREENED_OUT and r.number != trial.number
                        for r in records)
        if screens and not again:
            first = self._score(trial, model, [self.proxy])
            others = candidates(records, self.proxy, self.budget, exclude=trial.number)
            decision = decide(Candidate(trial.number, flops_bin(flops, self.budget), first[self.proxy]), others,
                              self.k, self.proxy)
            if not decision.trained:
                A.write_zero_cost(trial, first, time.perf_counter() - start)
                A.write_prescreen(trial, asdict(decision))
                raise optuna.TrialPruned(describe(decision, self.budget))
            A.write_prescreen(trial, asdict(decision))
            rest = self._score(trial, model, [n for n in PROXIES if n != self.proxy])
            scores = {n: {**first, **rest}[n] for n in PROXIES}
        else:
            scores = self._score(trial, model, list(PROXIES))
        A.write_zero_cost(trial, scores, time.perf_counter() - start)

    def _score(self, trial: optuna.Trial, model: nn.Module, names: Sequence[str]) -> dict[str, float]:
        """The named proxies on one thread (a proxy's small passes gain nothing from more)."""
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return score(model, self.batch, check_names(names), seed=self.seed)
        except Exception as exc:
            A.write_failure(trial, f"zero-cost proxies: {type(exc).__name__}: {exc}")
            raise
        finally:
            torch.set_num_threads(threads)


__all__ = [
    "BATCH_IMAGES", "BINS", "BINS_PER_OCTAVE", "Candidate", "DEFAULT_PROXY", "Decision", "MAX_K", "Prescreen",
    "bin_range", "candidates", "check_prescreen", "decide", "describe", "enabled", "flops_bin", "quota",
]
