"""Proxy fidelity against final accuracy: how well does each search fidelity rank architectures?

Samples architectures of ``search_spaces/lightweight.yaml`` within a FLOPs budget
(``--budget``), bins the feasible ones by FLOPs into ``--archs`` equal-width bins and takes one
per bin (so they spread across the FLOPs range), adds the papers' presets that fit the budget
once adapted to the data's input (as ``nas search --with-presets`` adapts them; ``--no-presets``
leaves them out), then for each architecture:

* trains it at every proxy fidelity (``--fidelities``, ``EPOCHSxIMAGES`` each: the search's
  ``train_proxy`` on a class-balanced subset, scored on a ``--val-size`` validation split
  carved from the training set), recording validation accuracy and seconds;
* trains it with the full recipe of ``nas train`` / ``nas finalize`` (``--final-epochs`` epochs
  on the whole training set, :func:`nas.train.full.train_full`, resumable) and records its
  test accuracy and seconds.

It prints, per fidelity, the Spearman and Kendall rank correlations of its validation accuracy
with the final test accuracy and its cost (median and total seconds). Results go to a JSON
file (``--results``) after every measurement, so an interrupted run resumes; a file written
with other settings is refused. Training uses CUDA when available (``--device``).
``--quick`` is a smoke test: 3 architectures, at most one preset, tiny fidelities, 1 final epoch.

    python benchmarks/proxy_fidelity.py [--archs 12] [--budget 5M] [--fidelities 1x2000,3x6000,9x18000]
        [--final-epochs 15] [--val-size 2000] [--dataset fashion-mnist] [--data-dir DIR]
        [--threads N] [--device DEV] [--seed 0] [--results PATH] [--no-presets] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nas.errors import NasError
from nas.report.final import kendall_tau
from nas.search.budget import format_count, parse_count

ROOT = Path(__file__).resolve().parents[1]
SPACE = ROOT / "search_spaces/lightweight.yaml"


@dataclass(frozen=True)
class Options:
    """The benchmark's settings (see the module's docstring)."""

    archs: int = 12
    budget: int = 5_000_000
    fidelities: tuple[tuple[int, int], ...] = ((1, 2000), (3, 6000), (9, 18000))
    final_epochs: int = 15
    val_size: int = 2000
    dataset: str = "fashion-mnist"
    data_dir: str | None = None
    threads: int | None = None
    device: str | None = None
    seed: int = 0
    results: Path = ROOT / "reports/proxy_fidelity.json"
    presets: bool = True
    max_presets: int | None = None
    pool: int = 20

    def identity(self) -> dict[str, Any]:
        """What a results file must share with this run to be resumed."""
        return {"space": SPACE.name, "dataset": self.dataset, "budget": self.budget, "archs": self.archs,
                "fidelities": [list(f) for f in self.fidelities], "final_epochs": self.final_epochs,
                "val_size": self.val_size, "seed": self.seed, "presets": self.presets,
                "max_presets": self.max_presets}


def parse_fidelities(text: str) -> tuple[tuple[int, int], ...]:
    """``"1x2000,3x6000"`` -> ``((1, 2000), (3, 6000))``.

    Raises:
        NasError: for an entry that is not EPOCHSxIMAGES with both >= 1.
    """
    out = []
    for token in text.split(","):
        parts = token.strip().lower().split("x")
        if len(parts) != 2 or not all(p.isdigit() and int(p) >= 1 for p in parts):
            raise NasError(f"--fidelities: expected EPOCHSxIMAGES entries such as 1x2000,3x6000, got {text!r}")
        out.append((int(parts[0]), int(parts[1])))
    return tuple(dict.fromkeys(out))


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line.

    Raises:
        NasError: naming the first bad value.
    """
    d = Options()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archs", type=int, default=d.archs, help="sampled architectures, one per FLOPs bin")
    p.add_argument("--budget", default="5M", help="FLOPs budget, e.g. 5M, 2.5M, 800K")
    p.add_argument("--fidelities", default="1x2000,3x6000,9x18000", help="proxy fidelities, EPOCHSxIMAGES, comma list")
    p.add_argument("--final-epochs", type=int, default=d.final_epochs, help="epochs of the full recipe")
    p.add_argument("--val-size", type=int, default=d.val_size, help="validation images carved from the training set")
    p.add_argument("--dataset", default=d.dataset, help="data set (as for nas search)")
    p.add_argument("--data-dir", help="where the data set's files are")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: every core)")
    p.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--seed", type=int, default=d.seed, help="sampling, subsets, initialisation and training seed")
    p.add_argument("--results", type=Path, default=d.results, help="JSON file of results (resumed)")
    p.add_argument("--no-presets", action="store_true", help="leave the papers' presets out")
    p.add_argument("--quick", action="store_true", help="smoke test: 3 architectures, tiny fidelities, 1 final epoch")
    a = p.parse_args(argv)
    for name, low in (("archs", 1), ("final_epochs", 1), ("val_size", 1), ("seed", 0)):
        if getattr(a, name) < low:
            raise NasError(f"--{name.replace('_', '-')} must be >= {low}, got {getattr(a, name)}")
    if a.threads is not None and not 1 <= a.threads <= 256:
        raise NasError(f"--threads must be from 1 to 256, got {a.threads}")
    if a.results.is_dir():
        raise NasError(f"--results: {a.results} is a directory, expected a file path")
    opts = Options(
        archs=a.archs, budget=parse_count(a.budget, "--budget"), fidelities=parse_fidelities(a.fidelities),
        final_epochs=a.final_epochs, val_size=a.val_size, dataset=a.dataset, data_dir=a.data_dir,
        threads=a.threads, device=a.device, seed=a.seed, results=a.results, presets=not a.no_presets,
    )
    if a.quick:
        opts = replace(opts, archs=3, fidelities=((1, 64), (2, 128)), final_epochs=1, val_size=min(opts.val_size, 64),
                       max_presets=1, pool=4)
    return opts


# ---- choosing architectures --------------------------------------------------------------------


def spread_by_flops(candidates: Sequence[tuple[str, Any, int, int]], k: int) -> list[tuple[str, Any, int, int]]:
    """``k`` candidates ``(key, config, flops, params)``, one per equal-width FLOPs bin where it
    has one; bins left empty are filled with the candidates nearest their centre."""
    if len(candidates) <= k:
        return sorted(candidates, key=lambda c: c[2])
    low, high = min(c[2] for c in candidates), max(c[2] for c in candidates)
    width = (high - low) / k or 1.0
    picks: list[tuple[str, Any, int, int]] = []
    empty: list[float] = []
    for b in range(k):
        inside = [c for c in candidates if low + b * width <= c[2] < low + (b + 1) * width or (b == k - 1 and c[2] == high)]
        if inside:
            picks.append(inside[0])
        else:
            empty.append(low + (b + 0.5) * width)
    for centre in empty:
        rest = [c for c in candidates if c not in picks]
        picks.append(min(rest, key=lambda c: abs(c[2] - centre)))
    return sorted(picks, key=lambda c: c[2])


def choose(opts: Options, data: Any) -> list[dict[str, Any]]:
    """The architectures to measure: ``{"key", "name", "config", "flops", "params"}``."""
    import torch

    from nas.arch.shapes import validate
    from nas.blocks import build_model
    from nas.cost import count_flops, count_params
    from nas.errors import ConfigError
    from nas.space import SearchSpace

    space = SearchSpace.load(SPACE, data.input_shape, data.num_classes)
    found: list[tuple[str, Any, int, int]] = []
    seen: set[str] = set()
    for _, config in space.random(100 * opts.archs * opts.pool, seed=opts.seed):
        notation = config.notation()
        if notation in seen:
            continue
        seen.add(notation)
        with torch.random.fork_rng(devices=[]):
            model = build_model(config)
        flops = count_flops(model, config.input_shape).total
        if flops <= opts.budget:
            found.append((notation, config, flops, count_params(model)))
            if len(found) >= opts.pool * opts.archs:
                break
    if len(found) < opts.archs:
        raise NasError(f"only {len(found)} sampled architectures fit {format_count(opts.budget)} FLOPs; raise --budget")
    chosen = [{"key": n, "name": "", "config": c, "flops": f, "params": p}
              for n, c, f, p in spread_by_flops(found, opts.archs)]
    if opts.presets:
        from nas.presets import PRESETS

        c, h, _ = data.input_shape
        presets = []
        for name, make in PRESETS.items():
            config = make().with_input(c, h, data.num_classes)
            try:
                validate(config)
            except ConfigError:
                continue
            model = build_model(config)
            flops = count_flops(model, config.input_shape).total
            if flops <= opts.budget:
                presets.append({"key": f"preset:{name}", "name": name, "config": config, "flops": flops,
                                "params": count_params(model)})
        chosen += presets[: opts.max_presets]
    return chosen


# ---- measuring ---------------------------------------------------------------------------------


def load_results(opts: Options) -> dict[str, Any]:
    """The results file to resume (a fresh one when there is none).

    Raises:
        NasError: for a file written with other settings, or one that is not a results file.
    """
    fresh = {"settings": opts.identity(), "archs": {}}
    if not opts.results.exists():
        return fresh
    try:
        stored = json.loads(opts.results.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise NasError(f"--results: cannot read {opts.results} ({exc}); delete it or use another path") from None
    if not isinstance(stored, dict) or stored.get("settings") != opts.identity():
        raise NasError(f"--results: {opts.results} was written with other settings; use another path to start afresh")
    return stored


def save(results: dict[str, Any], path: Path) -> None:
    from nas.train.checkpoint import write_json_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(results, path)


def full_recipe(epochs: int) -> Any:
    """``nas train``'s recipe (its defaults) for ``epochs`` epochs."""
    from nas.cli.train import add_recipe_options, recipe_settings

    parser = argparse.ArgumentParser()
    add_recipe_options(parser)
    return recipe_settings(parser.parse_args(["--epochs", str(epochs)]))


def measure(opts: Options) -> dict[str, Any]:
    """Measure every architecture at every fidelity and with the full recipe (resuming)."""
    import torch

    from nas.arch.io import to_dict
    from nas.blocks import build_model
    from nas.data import load_dataset, split_train_val, subset
    from nas.train import TrainSettings, set_threads, train_proxy
    from nas.train.full import train_full

    set_threads(opts.threads)
    data = load_dataset(opts.dataset, opts.data_dir)
    results = load_results(opts)
    split = split_train_val(data, val_size=opts.val_size, seed=opts.seed)
    runs = opts.results.with_name(opts.results.stem + "_runs")
    chosen = choose(opts, data)
    for i, arch in enumerate(chosen, 1):
        row = results["archs"].setdefault(arch["key"], {
            "name": arch["name"], "flops": arch["flops"], "params": arch["params"], "arch": to_dict(arch["config"]),
            "fidelity": {}, "final": None})
        for epochs, images in opts.fidelities:
            label = f"{epochs}x{images}"
            if label in row["fidelity"]:
                continue
            torch.manual_seed(opts.seed)
            begin = time.perf_counter()
            result = train_proxy(build_model(arch["config"]), subset(split, images, seed=opts.seed),
                                 TrainSettings(epochs=epochs, seed=opts.seed), device=opts.device, progress=False)
            row["fidelity"][label] = {"val_accuracy": result.val_accuracy, "seconds": time.perf_counter() - begin}
            save(results, opts.results)
        if row["final"] is None:
            folder = runs / hashlib.sha256(arch["key"].encode()).hexdigest()[:16]
            result = train_full(arch["config"], data, full_recipe(opts.final_epochs), folder, device=opts.device,
                                progress=False)
            row["final"] = {"test_accuracy": result.test_accuracy, "seconds": result.wall_s}
            save(results, opts.results)
        shown = "  ".join(f"{k} {v['val_accuracy']:.4f}" for k, v in row["fidelity"].items())
        print(f"[{i}/{len(chosen)}] {format_count(arch['flops']):>6} FLOPs {arch['name'] or ''}  {shown}  "
              f"final test {row['final']['test_accuracy']:.4f}", file=sys.stderr, flush=True)
    return results


# ---- analysis ----------------------------------------------------------------------------------


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


def table(results: dict[str, Any], opts: Options) -> list[dict[str, Any]]:
    """Per fidelity (and the final training's cost): Spearman, Kendall, median and total seconds."""
    rows = [r for r in results["archs"].values() if r.get("final")]
    final = [r["final"]["test_accuracy"] for r in rows]
    out = []
    for epochs, images in opts.fidelities:
        label = f"{epochs}x{images}"
        have = [r for r in rows if label in r["fidelity"]]
        accs = [r["fidelity"][label]["val_accuracy"] for r in have]
        secs = [r["fidelity"][label]["seconds"] for r in have]
        finals = [r["final"]["test_accuracy"] for r in have]
        out.append({"fidelity": label, "spearman": spearman(accs, finals), "kendall": kendall(accs, finals),
                    "median_s": statistics.median(secs) if secs else math.nan, "total_s": sum(secs)})
    flops = [float(r["flops"]) for r in rows]
    out.append({"fidelity": "FLOPs alone", "spearman": spearman(flops, final), "kendall": kendall(flops, final),
                "median_s": 0.0, "total_s": 0.0})
    secs = [r["final"]["seconds"] for r in rows]
    out.append({"fidelity": f"final ({opts.final_epochs} epochs)", "spearman": 1.0, "kendall": 1.0,
                "median_s": statistics.median(secs) if secs else math.nan, "total_s": sum(secs)})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        start = time.time()
        results = measure(opts)
    except NasError as exc:
        print(f"proxy_fidelity: error: {exc}", file=sys.stderr)
        return 2
    rows = table(results, opts)
    n = sum(1 for r in results["archs"].values() if r.get("final"))
    print(f"\n{n} architectures of {SPACE.name} at <= {format_count(opts.budget)} FLOPs on {opts.dataset} "
          f"(validation {opts.val_size} images; final: {opts.final_epochs} epochs on the whole training set, "
          f"test accuracy); {time.time() - start:.0f} s this run")
    print(f"{'fidelity':<20} {'Spearman':>9} {'Kendall':>8} {'median s':>9} {'total s':>9}")
    for r in rows:
        print(f"{r['fidelity']:<20} {r['spearman']:9.3f} {r['kendall']:8.3f} {r['median_s']:9.2f} {r['total_s']:9.1f}")
    print(f"results: {opts.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
