"""Calibrate the full training recipe: validation accuracy against the recipe's length and knobs.

Takes ``--archs`` architectures of ``search_spaces/lightweight.yaml`` spread over the FLOPs
range below ``--budget`` (of a seeded sample, the one nearest the centre of each of
``--archs`` equal-width FLOPs bins), and trains each with ``nas train``'s recipe (:func:`nas.training.full.train_full`) in
every variant of ``--plan``: a length in epochs (the warm-up and cosine schedule stretched to
it), optionally with knobs changed (``10:lr=0.2``, ``10:erase=0.25``, ``10:ema=0.999``,
``10:ls=0``). Selection uses only a validation split of ``--val-size`` images carved from the
training set; test accuracy is recorded beside it for the final report, never used to choose.

Every finished run is appended to ``--results`` (JSON lines, :class:`nas.ledger.Ledger`) the
moment it ends, and every epoch is checkpointed under ``--runs``, so a killed process resumes
its run and a later session skips what is stored. Several processes may share one results file
and runs folder (``--threads 1`` each, one per core): each claims a run before training it.

    python benchmarks/recipe_calibration.py [--plan 5,10,20,30] [--archs 3] [--budget 5M]
        [--val-size 10000] [--threads 1] [--results PATH] [--runs DIR] [--report-only]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nas.errors import NasError
from nas.ledger import Ledger, claim, commit_of, work_folder
from nas.searching.budget import format_count, parse_count

ROOT = Path(__file__).resolve().parents[1]
SPACE = ROOT / "search_spaces/lightweight.yaml"
DEFAULT_PLAN = "5,10,20,10:lr=0.2,10:erase=0.25,10:ema=0.999,10:ls=0,10:lr=0.05,30"
#: A variant's knob names and the TrainSettings field each sets.
KNOBS = {"lr": "lr", "ls": "label_smoothing", "erase": "erase_prob", "ema": "ema_decay", "wd": "weight_decay",
         "warmup": "warmup_epochs"}


@dataclass(frozen=True)
class Variant:
    """One recipe: a length and the knobs that differ from ``nas train``'s defaults."""

    epochs: int
    knobs: tuple[tuple[str, float], ...] = ()

    @property
    def label(self) -> str:
        return str(self.epochs) + "".join(f":{k}={v:g}" for k, v in self.knobs)


def parse_plan(text: str) -> tuple[Variant, ...]:
    """``"5,10,10:lr=0.2"`` -> the variants, in order, duplicates dropped.

    Raises:
        NasError: naming the first entry that is not ``EPOCHS[:KNOB=VALUE...]``.
    """
    out = []
    for token in text.split(","):
        head, *pairs = token.strip().split(":")
        if not head.isdigit() or not 1 <= int(head) <= 1000:
            raise NasError(f"--plan: {token.strip()!r} does not start with a number of epochs from 1 to 1000")
        knobs = []
        for pair in pairs:
            name, _, value = pair.partition("=")
            if name not in KNOBS:
                raise NasError(f"--plan: unknown knob {name!r} in {token.strip()!r} (known: {', '.join(KNOBS)})")
            try:
                number = float(value)
            except ValueError:
                raise NasError(f"--plan: {name}={value!r} in {token.strip()!r} is not a number") from None
            if not math.isfinite(number):
                raise NasError(f"--plan: {name}={value!r} in {token.strip()!r} is not finite")
            knobs.append((name, number))
        out.append(Variant(int(head), tuple(knobs)))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Options:
    plan: tuple[Variant, ...] = parse_plan(DEFAULT_PLAN)
    archs: int = 3
    budget: int = 5_000_000
    val_size: int = 10_000
    seed: int = 0
    threads: int | None = None
    dataset: str = "fashion-mnist"
    results: Path = ROOT / "benchmarks/results/recipe-calibration.jsonl"
    runs: Path = ROOT / "runs/calibration"
    report_only: bool = False
    pool: int = 400


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line.

    Raises:
        NasError: naming the first bad value.
    """
    d = Options()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--plan", default=DEFAULT_PLAN, help="recipes, EPOCHS[:KNOB=VALUE...] comma list, "
                   f"knobs {', '.join(KNOBS)} (default: {DEFAULT_PLAN})")
    p.add_argument("--archs", type=int, default=d.archs, help="architectures, spread over FLOPs (default: 3)")
    p.add_argument("--budget", default="5M", help="FLOPs budget they are sampled under (default: 5M)")
    p.add_argument("--val-size", type=int, default=d.val_size,
                   help="validation images carved from the training set (default: 10000)")
    p.add_argument("--seed", type=int, default=d.seed, help="sampling and training seed (default: 0)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: every core)")
    p.add_argument("--dataset", default=d.dataset, help="data set, as for nas train (default: fashion-mnist)")
    p.add_argument("--results", type=Path, default=d.results, help="JSON-lines results (appended, resumed)")
    p.add_argument("--runs", type=Path, default=d.runs, help="folder of the runs' checkpoints (resumed)")
    p.add_argument("--report-only", action="store_true", help="train nothing; print the table of stored results")
    a = p.parse_args(argv)
    if not 1 <= a.archs <= 50:
        raise NasError(f"--archs must be from 1 to 50, got {a.archs}")
    if not 1000 <= a.val_size <= 30_000:
        raise NasError(f"--val-size must be from 1000 to 30000, got {a.val_size}")
    if not 0 <= a.seed < 2**31:
        raise NasError(f"--seed must be from 0 to 2**31 - 1, got {a.seed}")
    if a.threads is not None and not 1 <= a.threads <= 256:
        raise NasError(f"--threads must be from 1 to 256, got {a.threads}")
    return Options(plan=parse_plan(a.plan), archs=a.archs, budget=parse_count(a.budget, "--budget"),
                   val_size=a.val_size, seed=a.seed, threads=a.threads, dataset=a.dataset, results=a.results,
                   runs=work_folder(a.runs, "--runs"), report_only=a.report_only)


def commit() -> str:
    """The commit the measuring code is at (``+dirty`` when tracked files have changes)."""
    return commit_of(ROOT)


def choose(opts: Options, data: Any) -> list[tuple[Any, int, int]]:
    """``opts.archs`` feasible ``(config, flops, params)`` of a seeded sample, cheapest first: for
    each of ``opts.archs`` equal-width bins of ``[0, budget]``, the one nearest the bin's centre."""
    from nas.cost import safe_cost
    from nas.space import SearchSpace

    space = SearchSpace.load(SPACE, data.input_shape, data.num_classes)
    found: dict[str, tuple[Any, int, int]] = {}
    for _, config in space.random(opts.pool, seed=opts.seed):
        cost = safe_cost(config)
        if cost.flops <= opts.budget:
            found.setdefault(config.notation(), (config, cost.flops, cost.params))
    ranked = sorted(found.values(), key=lambda c: c[1])
    if len(ranked) < opts.archs:
        raise NasError(f"only {len(ranked)} sampled architectures fit {format_count(opts.budget)} FLOPs")
    picks: list[tuple[Any, int, int]] = []
    for i in range(opts.archs):
        centre = opts.budget * (2 * i + 1) / (2 * opts.archs)
        picks.append(min((c for c in ranked if c not in picks), key=lambda c: abs(c[1] - centre)))
    return sorted(picks, key=lambda c: c[1])


def settings_for(variant: Variant, seed: int) -> Any:
    """``nas train``'s recipe (its defaults) at the variant's length, with its knobs."""
    from nas.cli.train import add_recipe_options, recipe_settings

    parser = argparse.ArgumentParser()
    add_recipe_options(parser)
    base = recipe_settings(parser.parse_args(["--epochs", str(variant.epochs), "--seed", str(seed)]))
    return replace(base, **{KNOBS[k]: v for k, v in variant.knobs})


def measure(opts: Options) -> None:
    """Train every (architecture, variant) not yet stored, lengths in the plan's order."""
    from nas.arch.io import to_dict
    from nas.data import load_dataset
    from nas.training import set_threads
    from nas.training.full import train_full

    set_threads(opts.threads)
    data = load_dataset(opts.dataset)
    ledger = Ledger(opts.results)
    archs = choose(opts, data)
    code = commit()
    for variant in opts.plan:
        for index, (config, flops, params) in enumerate(archs):
            notation = config.notation()
            key = f"{notation}/{variant.label}"
            if key in ledger.keys():
                continue
            folder = opts.runs / hashlib.sha256(key.encode()).hexdigest()[:16]
            if not claim(folder):
                continue
            began = time.time()
            tag = f"arch {index + 1} ({format_count(flops)} FLOPs) recipe {variant.label}"

            def line(stats: Any, tag: str = tag, began: float = began, total: int = variant.epochs) -> None:
                print(f"{tag}: epoch {stats.epoch}/{total} loss {stats.train_loss:.4f} validation "
                      f"{stats.val_accuracy:.4f} {time.time() - began:.0f} s", flush=True)

            settings = settings_for(variant, opts.seed)
            result = train_full(config, data, settings, folder, progress=False, val_size=opts.val_size, on_epoch=line)
            row = {
                "key": key, "notation": notation, "flops": flops, "params": params, "arch": to_dict(config),
                "recipe": variant.label, "epochs": variant.epochs, "knobs": dict(variant.knobs),
                "settings": {k: v for k, v in settings.__dict__.items()}, "dataset": data.name,
                "train_images": len(data.train_y) - opts.val_size, "val_images": opts.val_size,
                "val_accuracy": result.val_accuracy[-1], "val_history": list(result.val_accuracy),
                "test_accuracy": result.test_accuracy, "train_time_s": result.wall_s, "commit": code,
                "threads": opts.threads,
            }
            ledger.append(row)
            print(f"{tag}: validation {row['val_accuracy']:.4f} test {row['test_accuracy']:.4f} "
                  f"in {result.wall_s:.0f} s", flush=True)


def table(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The stored runs as text: validation accuracy per architecture and recipe, its mean, and
    its difference from the longest plain recipe's mean."""
    archs = sorted({(r["flops"], r["notation"]) for r in rows})
    recipes = sorted({r["recipe"] for r in rows}, key=lambda s: (bool(":" in s), int(s.split(":")[0]), s))
    by = {(r["notation"], r["recipe"]): r for r in rows}
    plain = [s for s in recipes if ":" not in s]

    def mean_val(recipe: str) -> float | None:
        got = [by[(n, recipe)]["val_accuracy"] for _, n in archs if (n, recipe) in by]
        return statistics.fmean(got) if len(got) == len(archs) else None

    longest = mean_val(plain[-1]) if plain else None
    head = f"{'recipe':<16}" + "".join(f"{format_count(f):>9}" for f, _ in archs) + f"{'mean':>9}{'vs long':>9}{'time s':>9}"
    out = [head]
    for recipe in recipes:
        cells = "".join(f"{by[(n, recipe)]['val_accuracy']:9.4f}" if (n, recipe) in by else f"{'-':>9}" for _, n in archs)
        mean = mean_val(recipe)
        delta = f"{(mean - longest) * 100:+9.2f}" if mean is not None and longest is not None else f"{'-':>9}"
        secs = [by[(n, recipe)]["train_time_s"] for _, n in archs if (n, recipe) in by]
        out.append(f"{recipe:<16}{cells}{mean if mean is not None else float('nan'):9.4f}{delta}"
                   f"{statistics.fmean(secs) if secs else float('nan'):9.0f}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        if not opts.report_only:
            measure(opts)
        rows = Ledger(opts.results).rows()
    except NasError as exc:
        print(f"recipe_calibration: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("recipe_calibration: interrupted; finished runs are stored, the current one resumes from its "
              "checkpoint when run again", file=sys.stderr)
        return 130
    print(f"validation accuracy ({opts.val_size} images carved from the training set), {len(rows)} runs:")
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
