"""What the ground-truth table says: how well each proxy ranks architectures by final accuracy.

Reads the table ``benchmarks/ground_truth.py`` writes (``--results``, one JSON object per
architecture) and prints, against the full recipe's test accuracy:

* per predictor (each proxy-training fidelity at seed 0, the default fidelity averaged over its
  seeds, each zero-cost proxy, FLOPs and params): Spearman's rho and Kendall's tau-b, each
  with a percentile bootstrap interval (``--bootstrap`` resamples of the architectures), and
  the predictor's cost (median and total seconds);
* the default fidelity's noise floor: how two seeds of it agree (Kendall's tau between them,
  the mean absolute difference), one run's standard deviation, and that split into
  validation-sample noise (the binomial standard error of ``val_images`` images at the mean
  accuracy) and the rest (initialisation, data order and subset: the remaining variance);
* the final recipe's cost.

Proxy trainings measured after a row was stored (``benchmarks/proxy_sweep.py``) are read from
``--proxies`` and counted as the row's own.

    python benchmarks/proxy_fidelity.py [--results benchmarks/results/fashion-mnist-5M.jsonl]
        [--proxies PATH] [--default-fidelity 6x6000] [--val-size 2000] [--bootstrap 2000] [--seed 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nas.errors import NasError
from nas.ledger import Ledger
from nas.report.final import kendall_tau
from nas.searching.settings import SearchSettings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks/results/fashion-mnist-5M.jsonl"
PROXIES = ROOT / "benchmarks/results/fashion-mnist-5M-proxies.jsonl"
SEARCH_VAL = SearchSettings.val_size  # nas search's --val-size default: a fidelity's label names any other
SEARCH_FIDELITY = f"{SearchSettings.epochs}x{SearchSettings.train_subset}"  # nas search's default fidelity
ZERO_COST = ("synflow", "snip", "grad_norm", "naswot")
#: Architectures whose FLOPs are within this factor compete in one pre-screen bin (half an octave).
SIMILAR_FLOPS = math.sqrt(2)


# ---- rank statistics ---------------------------------------------------------------------------


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation with average ranks for ties (nan for < 3 pairs or a constant side)."""
    if len(a) < 3 or len(set(a)) < 2 or len(set(b)) < 2:
        return math.nan
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))


def kendall(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b (ties in either side accounted for; nan for < 3 pairs or a constant side),
    as the report computes it (:func:`nas.report.final.kendall_tau`)."""
    if len(a) < 3 or len(set(a)) < 2 or len(set(b)) < 2:
        return math.nan
    tau = kendall_tau(list(a), list(b))
    return math.nan if tau is None else tau


def bootstrap(a: Sequence[float], b: Sequence[float], stat: Callable[[Sequence[float], Sequence[float]], float],
              resamples: int, seed: int) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of ``stat`` over resamples of the pairs (with replacement;
    resamples where it is undefined are skipped); nan when none is defined."""
    rng = random.Random(seed)
    n = len(a)
    values = []
    for _ in range(resamples):
        idx = [rng.randrange(n) for _ in range(n)]
        v = stat([a[i] for i in idx], [b[i] for i in idx])
        if not math.isnan(v):
            values.append(v)
    if not values:
        return math.nan, math.nan
    values.sort()
    return values[int(0.025 * (len(values) - 1))], values[int(math.ceil(0.975 * (len(values) - 1)))]


# ---- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correlation:
    """How one predictor ranks the architectures against their final test accuracy."""

    predictor: str
    n: int
    spearman: float
    spearman_ci: tuple[float, float]
    kendall: float
    kendall_ci: tuple[float, float]
    median_s: float
    total_s: float


@dataclass(frozen=True)
class Noise:
    """The default fidelity's seed-to-seed agreement and its noise floor, in accuracy units."""

    fidelity: str
    n: int
    kendall: float
    mean_abs_diff: float
    run_sd: float
    val_sample_sd: float
    init_sd: float


@dataclass(frozen=True)
class Agreement:
    """How a zero-cost proxy orders pairs of architectures of similar FLOPs (:func:`within_bins`)."""

    predictor: str
    pairs: int
    agree: int
    disagree: int
    kendall: float  # (agree - disagree) / pairs


Fidelity = tuple[int, int, int]  # epochs, training images, validation images


def _fidelity(entry: dict[str, Any]) -> Fidelity:
    return entry["epochs"], entry["train_images"], entry.get("val_images") or SEARCH_VAL


def _label(fidelity: Fidelity) -> str:
    epochs, images, val = fidelity
    return f"{epochs}x{images}" + ("" if val == SEARCH_VAL else f" val {val}")


def _proxy(row: dict[str, Any], fidelity: Fidelity, seed: int | None) -> list[dict[str, Any]]:
    return [p for p in row["proxy"] if _fidelity(p) == fidelity and (seed is None or p["seed"] == seed)]


def _fidelities(rows: Sequence[dict[str, Any]]) -> list[Fidelity]:
    found = {_fidelity(p) for r in rows for p in r["proxy"]}
    return sorted(found, key=lambda f: (f[0] * f[1], f))


def _nearest(fidelities: Sequence[Fidelity], wanted: Fidelity) -> Fidelity | None:
    """``wanted`` when measured, else the measured fidelity of the same epochs and validation
    size with the closest image count (a subset of N images trains on N rounded down to whole
    batches)."""
    if wanted in fidelities:
        return wanted
    same = [f for f in fidelities if (f[0], f[2]) == (wanted[0], wanted[2])]
    return min(same, key=lambda f: abs(f[1] - wanted[1])) if same else None


def merge(rows: Sequence[dict[str, Any]], extra: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows with the measurements of ``benchmarks/proxy_sweep.py`` added to their
    ``proxy`` lists (matched by notation; one a row already holds at the same fidelity and seed
    is not added twice)."""
    by_notation: dict[str, list[dict[str, Any]]] = {}
    for e in extra:
        by_notation.setdefault(e["notation"], []).append(e)
    out = []
    for row in rows:
        proxy = list(row["proxy"])
        have = {(_fidelity(p), p["seed"]) for p in proxy}
        for e in by_notation.get(row["notation"], []):
            if (_fidelity(e), e["seed"]) not in have:
                have.add((_fidelity(e), e["seed"]))
                proxy.append({k: e[k] for k in ("epochs", "train_images", "seed", "val_images", "val_accuracy",
                                                "time_s")})
        out.append({**row, "proxy": proxy})
    return out


def correlations(rows: Sequence[dict[str, Any]], default: Fidelity, resamples: int = 2000,
                 seed: int = 0) -> list[Correlation]:
    """Every predictor's rank correlations with the final test accuracy (see the module docstring)."""
    predictors: list[tuple[str, Callable[[dict[str, Any]], float | None], Callable[[dict[str, Any]], float]]] = []
    for fidelity in _fidelities(rows):
        for s in sorted({p["seed"] for r in rows for p in _proxy(r, fidelity, None)}):
            def at_seed(r: dict[str, Any], fidelity: Fidelity = fidelity, s: int = s) -> float | None:
                got = _proxy(r, fidelity, s)
                return got[0]["val_accuracy"] if got else None

            def cost(r: dict[str, Any], fidelity: Fidelity = fidelity, s: int = s) -> float:
                return _proxy(r, fidelity, s)[0]["time_s"]

            predictors.append((f"{_label(fidelity)} seed {s}", at_seed, cost))
    chosen = _nearest(_fidelities(rows), default)
    if chosen is not None:
        def mean_seeds(r: dict[str, Any]) -> float | None:
            got = _proxy(r, chosen, None)
            return statistics.fmean(p["val_accuracy"] for p in got) if len(got) >= 2 else None

        def cost_seeds(r: dict[str, Any]) -> float:
            return sum(p["time_s"] for p in _proxy(r, chosen, None))

        predictors.append((f"{_label(chosen)} mean of seeds", mean_seeds, cost_seeds))
    for name in ZERO_COST:
        predictors.append((name, lambda r, name=name: (r.get("zero_cost") or {}).get(name),
                           lambda r: float(r.get("zero_cost_time_s", 0.0))))
    predictors.append(("FLOPs", lambda r: float(r["flops"]), lambda r: 0.0))
    predictors.append(("params", lambda r: float(r["params"]), lambda r: 0.0))
    out = []
    for name, value, cost in predictors:
        have = [r for r in rows if value(r) is not None]
        x = [float(value(r)) for r in have]  # type: ignore[arg-type]
        y = [float(r["final"]["test_accuracy"]) for r in have]
        secs = [cost(r) for r in have]
        out.append(Correlation(
            name, len(have), spearman(x, y), bootstrap(x, y, spearman, resamples, seed), kendall(x, y),
            bootstrap(x, y, kendall, resamples, seed), statistics.median(secs) if secs else math.nan, sum(secs)))
    return out


def within_bins(rows: Sequence[dict[str, Any]], ratio: float = SIMILAR_FLOPS) -> list[Agreement]:
    """How each zero-cost proxy orders the final test accuracy of architectures of similar cost:
    over the pairs whose FLOPs are within a factor ``ratio`` of each other (the pre-screen ranks a
    candidate only against candidates of similar FLOPs), the pairs it orders as the final test
    accuracy does and the pairs it orders the other way (ties in either count as neither)."""
    out = []
    for name in ZERO_COST:
        have = [r for r in rows if (r.get("zero_cost") or {}).get(name) is not None]
        agree = disagree = pairs = 0
        for i, a in enumerate(have):
            for b in have[i + 1:]:
                if max(a["flops"], b["flops"]) > ratio * min(a["flops"], b["flops"]):
                    continue
                pairs += 1
                sign = (a["zero_cost"][name] - b["zero_cost"][name]) * \
                    (a["final"]["test_accuracy"] - b["final"]["test_accuracy"])
                agree, disagree = agree + (sign > 0), disagree + (sign < 0)
        tau = (agree - disagree) / pairs if pairs else math.nan
        out.append(Agreement(name, pairs, agree, disagree, tau))
    return out


def noise(rows: Sequence[dict[str, Any]], default: Fidelity) -> Noise | None:
    """The default fidelity's agreement between its two lowest seeds, and its noise floor."""
    chosen = _nearest(_fidelities(rows), default)
    if chosen is None:
        return None
    pairs, val_images = [], []
    for r in rows:
        got = sorted(_proxy(r, chosen, None), key=lambda p: p["seed"])
        if len(got) >= 2:
            pairs.append((got[0]["val_accuracy"], got[1]["val_accuracy"]))
            val_images.append(got[0].get("val_images"))
    if len(pairs) < 2:
        return None
    diffs = [a - b for a, b in pairs]
    # Var(a - b) = 2 Var(one run) for two independent runs of one architecture.
    run_var = statistics.fmean(d * d for d in diffs) / 2
    p = statistics.fmean(x for pair in pairs for x in pair)
    n_val = [v for v in val_images if v]
    val_var = p * (1 - p) / statistics.fmean(n_val) if n_val else math.nan
    init_var = max(0.0, run_var - val_var) if not math.isnan(val_var) else math.nan
    return Noise(_label(chosen), len(pairs), kendall([a for a, _ in pairs], [b for _, b in pairs]),
                 statistics.fmean(abs(d) for d in diffs), math.sqrt(run_var), math.sqrt(val_var),
                 math.sqrt(init_var) if not math.isnan(init_var) else math.nan)


def report(rows: Sequence[dict[str, Any]], default: Fidelity, resamples: int, seed: int) -> list[str]:
    """The printed tables."""
    finals = [r["final"] for r in rows]
    epochs = sorted({f["epochs"] for f in finals})
    sources: dict[str, int] = {}
    for r in rows:
        kind = r["source"].split(":")[0]
        sources[kind] = sources.get(kind, 0) + 1
    out = [f"{len(rows)} architectures ({', '.join(f'{n} {k}' for k, n in sorted(sources.items()))}), "
           f"{min(r['flops'] for r in rows) / 1e6:.2f}M-{max(r['flops'] for r in rows) / 1e6:.2f}M FLOPs; "
           f"final: {'/'.join(map(str, epochs))} epochs on {finals[0]['train_images']} images, test accuracy "
           f"{min(f['test_accuracy'] for f in finals):.4f}-{max(f['test_accuracy'] for f in finals):.4f}", ""]
    out.append(f"{'predictor':<24} {'n':>3} {'Spearman':>8} {'95% interval':>15} {'Kendall':>8} {'95% interval':>15} "
               f"{'median s':>9} {'total s':>9}")
    for c in correlations(rows, default, resamples, seed):
        out.append(f"{c.predictor:<24} {c.n:>3} {c.spearman:8.3f} {f'[{c.spearman_ci[0]:.2f}, {c.spearman_ci[1]:.2f}]':>15} "
                   f"{c.kendall:8.3f} {f'[{c.kendall_ci[0]:.2f}, {c.kendall_ci[1]:.2f}]':>15} "
                   f"{c.median_s:9.1f} {c.total_s:9.0f}")
    secs = [f["train_time_s"] for f in finals]
    out.append(f"{'final recipe':<24} {len(rows):>3} {'':>8} {'':>15} {'':>8} {'':>15} "
               f"{statistics.median(secs):9.1f} {sum(secs):9.0f}")
    out.append("")
    out.append(f"zero-cost proxies on pairs of similar cost (FLOPs within a factor {SIMILAR_FLOPS:.2f}, "
               "as the pre-screen compares candidates):")
    for a in within_bins(rows):
        out.append(f"  {a.predictor:<10} {a.pairs:>3} pairs: {a.agree:>3} ordered as final test accuracy, "
                   f"{a.disagree:>3} the other way; Kendall tau {a.kendall:.2f}")
    floor = noise(rows, default)
    out.append("")
    if floor is None:
        out.append(f"noise floor of {_label(default)}: needs two seeds of it on at least two architectures")
    else:
        out.append(f"noise floor of {floor.fidelity} ({floor.n} architectures, two seeds): Kendall tau between seeds "
                   f"{floor.kendall:.3f}, mean |difference| {floor.mean_abs_diff * 100:.2f} points; one run's sd "
                   f"{floor.run_sd * 100:.2f} points = validation sample {floor.val_sample_sd * 100:.2f} (binomial) "
                   f"+ initialisation, order and subset {floor.init_sd * 100:.2f} (in quadrature)")
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", type=Path, default=RESULTS, help="the ground-truth table (JSON lines)")
    p.add_argument("--proxies", type=Path, help="more proxy measurements of its architectures "
                   "(benchmarks/proxy_sweep.py; default: benchmarks/results/fashion-mnist-5M-proxies.jsonl "
                   "when --results is the default table and that file exists)")
    p.add_argument("--default-fidelity", default=SEARCH_FIDELITY,
                   help=f"the fidelity whose noise floor is measured, EPOCHSxIMAGES (default {SEARCH_FIDELITY}, nas search's)")
    p.add_argument("--val-size", type=int, default=SEARCH_VAL,
                   help=f"the search's validation images (default {SEARCH_VAL})")
    p.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--json", action="store_true", help="print the correlations and the noise floor as JSON")
    a = p.parse_args(argv)
    parts = a.default_fidelity.lower().split("x")
    if len(parts) != 2 or not all(x.isdigit() and int(x) >= 1 for x in parts):
        raise NasError(f"--default-fidelity: expected EPOCHSxIMAGES such as 3x6000, got {a.default_fidelity!r}")
    a.default = (int(parts[0]), int(parts[1]), a.val_size)
    if not 1 <= a.val_size <= 60_000:
        raise NasError(f"--val-size must be from 1 to 60,000, got {a.val_size}")
    if not 0 <= a.bootstrap <= 1_000_000:
        raise NasError(f"--bootstrap must be from 0 to 1,000,000, got {a.bootstrap}")
    if not a.results.is_file():
        raise NasError(f"--results: no table at {a.results} (benchmarks/ground_truth.py writes it)")
    if a.proxies is None and a.results.resolve() == RESULTS and PROXIES.is_file():
        a.proxies = PROXIES
    if a.proxies is not None and not a.proxies.is_file():
        raise NasError(f"--proxies: no measurements at {a.proxies} (benchmarks/proxy_sweep.py writes them)")
    return a


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        rows = [r for r in Ledger(args.results, key_field="notation").rows() if r.get("final")]
        if len(rows) < 3:
            raise NasError(f"{args.results} holds {len(rows)} finished architectures; at least 3 are needed")
        if args.proxies is not None:
            rows = merge(rows, Ledger(args.proxies, key_field="key").rows())
    except NasError as exc:
        print(f"proxy_fidelity: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        floor = noise(rows, args.default)
        print(json.dumps({"correlations": [asdict(c) for c in correlations(rows, args.default,
                                                                           args.bootstrap, args.seed)],
                          "similar_cost": [asdict(a) for a in within_bins(rows)],
                          "noise": asdict(floor) if floor else None}))
        return 0
    print("\n".join(report(rows, args.default, args.bootstrap, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
