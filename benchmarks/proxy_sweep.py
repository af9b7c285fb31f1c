"""More proxy fidelities for the architectures of the ground-truth table, in a table of their own.

The ground-truth table (``benchmarks/ground_truth.py``) stores each architecture's row once,
when its full training ends, and never rewrites it; a fidelity chosen later (a candidate
default for ``nas search``) is measured here instead. For every architecture of ``--table``
and every ``--fidelities`` entry, ``--seeds`` and ``--val-sizes`` value, the search's proxy
training (:func:`ground_truth.measure_proxy`, as ``nas search --seed S --epochs E
--train-subset N --val-size V`` trains a trial) is appended to ``--results`` the moment it
ends, one JSON object per measurement keyed by ``NOTATION @ ExN seed S val V``.
``benchmarks/proxy_fidelity.py --proxies`` reads the file beside the table.

Fidelities are measured one at a time over every architecture, so a cut run leaves whole
fidelities behind it. Several processes may share the file (``--threads 1`` each, one per
core): each claims a measurement before running it; a run of it again skips what is stored.

    python benchmarks/proxy_sweep.py [--fidelities 6x12000,3x18000] [--seeds 0] [--val-sizes 2000]
        [--threads 1] [--table PATH] [--results PATH] [--list]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ground_truth

from nas.errors import NasError
from nas.ledger import Ledger, claim, work_folder

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "benchmarks/results/fashion-mnist-5M.jsonl"
RESULTS = ROOT / "benchmarks/results/fashion-mnist-5M-proxies.jsonl"


@dataclass(frozen=True)
class Options:
    """The sweep's settings (see the module's docstring)."""

    fidelities: tuple[tuple[int, int], ...] = ((6, 12000), (3, 18000))
    seeds: tuple[int, ...] = (0,)
    val_sizes: tuple[int, ...] = (2000,)
    dataset: str = "fashion-mnist"
    threads: int | None = None
    table: Path = TABLE
    results: Path = RESULTS
    runs: Path = ROOT / "runs/proxy-sweep"
    list_only: bool = False


def _whole_numbers(text: str, option: str, low: int, high: int) -> tuple[int, ...]:
    try:
        values = tuple(dict.fromkeys(int(s) for s in text.split(",") if s.strip()))
    except ValueError:
        raise NasError(f"{option}: expected whole numbers such as 0,1, got {text!r}") from None
    if not values or any(not low <= v <= high for v in values):
        raise NasError(f"{option}: each value must be from {low:,} to {high:,}, got {text!r}")
    return values


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line.

    Raises:
        NasError: naming the first bad value.
    """
    d = Options()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fidelities", default="6x12000,3x18000",
                   help="proxy fidelities, EPOCHSxIMAGES list, measured in this order (default 6x12000,3x18000)")
    p.add_argument("--seeds", default="0", help="seeds of every fidelity (default 0)")
    p.add_argument("--val-sizes", default="2000", help="validation images carved from the training set, "
                   "a list (default 2000, as nas search)")
    p.add_argument("--dataset", default=d.dataset, help="data set, as for nas search (default fashion-mnist)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: every core)")
    p.add_argument("--table", type=Path, default=d.table, help="the ground-truth table whose architectures are measured")
    p.add_argument("--results", type=Path, default=d.results, help="JSON-lines results (appended, resumed)")
    p.add_argument("--runs", type=Path, default=d.runs, help="folder of the measurements' claims")
    p.add_argument("--list", action="store_true", help="list what is stored and pending; measure nothing")
    a = p.parse_args(argv)
    fidelities = tuple(dict.fromkeys(ground_truth.parse_fidelity(t, "--fidelities")
                                     for t in a.fidelities.split(",") if t.strip()))
    if not fidelities:
        raise NasError("--fidelities: expected EPOCHSxIMAGES such as 6x12000")
    if a.threads is not None and not 1 <= a.threads <= 256:
        raise NasError(f"--threads must be from 1 to 256, got {a.threads}")
    if not a.table.is_file():
        raise NasError(f"--table: no table at {a.table} (benchmarks/ground_truth.py writes it)")
    return Options(fidelities=fidelities, seeds=_whole_numbers(a.seeds, "--seeds", 0, 2**31 - 1),
                   val_sizes=_whole_numbers(a.val_sizes, "--val-sizes", 1, 30_000), dataset=a.dataset,
                   threads=a.threads, table=a.table, results=a.results, runs=work_folder(a.runs, "--runs"),
                   list_only=a.list)


def key(notation: str, epochs: int, images: int, seed: int, val_size: int) -> str:
    """The name of one measurement in the results."""
    return f"{notation} @ {epochs}x{images} seed {seed} val {val_size}"


def check_row(row: dict[str, Any]) -> None:
    """Refuse a measurement that lacks a field.

    Raises:
        NasError: naming the row and the field.
    """
    for field in ("key", "notation", "flops", "epochs", "train_images", "seed", "val_images", "val_accuracy",
                  "time_s", "commit"):
        if field not in row:
            raise NasError(f"row {row.get('key', '?')}: no {field!r}")


def results(path: Path) -> Ledger:
    """The sweep's results at ``path`` (keyed by :func:`key`, checked as appended)."""
    return Ledger(path, key_field="key", check=check_row)


def plan(opts: Options, rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], int, int, int, int]]:
    """Every ``(row, epochs, images, seed, val_size)`` to measure: fidelity by fidelity, cheapest
    architecture first within each."""
    archs = sorted(rows, key=lambda r: r["flops"])
    return [(r, e, n, s, v) for e, n in opts.fidelities for s in opts.seeds for v in opts.val_sizes for r in archs]


def measure(opts: Options, log: Any = print) -> list[dict[str, Any]]:
    """Measure everything of :func:`plan` not yet stored (skipping what another process holds)."""
    from nas.arch.io import from_dict
    from nas.data import load_dataset
    from nas.training import set_threads

    rows = ground_truth.table(opts.table).rows()
    if not rows:
        raise NasError(f"{opts.table} holds no architectures")
    ledger = results(opts.results)
    stored = ledger.keys()
    todo = [item for item in plan(opts, rows) if key(item[0]["notation"], *item[1:]) not in stored]
    if not todo:
        return ledger.rows()
    set_threads(opts.threads)
    data = load_dataset(opts.dataset)
    code = ground_truth.commit()
    for i, (row, epochs, images, seed, val_size) in enumerate(todo, 1):
        name = key(row["notation"], epochs, images, seed, val_size)
        if ledger.get(name) is not None:
            continue
        if not claim(opts.runs / hashlib.sha256(name.encode()).hexdigest()[:16]):
            continue
        got = ground_truth.measure_proxy(from_dict(row["arch"]), data, epochs, images, seed, val_size)
        ledger.append({"key": name, "notation": row["notation"], "flops": row["flops"], **got, "commit": code,
                       "threads": opts.threads})
        log(f"[{i}/{len(todo)}] {ground_truth.format_count(row['flops']):>6} FLOPs {epochs}x{images} seed {seed} "
            f"val {val_size}: {got['val_accuracy']:.4f} ({got['time_s']:.0f} s)")
    return ledger.rows()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        if opts.list_only:
            stored = results(opts.results).keys()
            items = plan(opts, ground_truth.table(opts.table).rows())
            for row, epochs, images, seed, val_size in items:
                mark = "stored " if key(row["notation"], epochs, images, seed, val_size) in stored else "pending"
                print(f"{mark} {ground_truth.format_count(row['flops']):>6} {epochs}x{images} seed {seed} "
                      f"val {val_size} {row['notation']}")
            return 0
        stored = measure(opts, log=lambda text: print(text, flush=True))
    except NasError as exc:
        print(f"proxy_sweep: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("proxy_sweep: interrupted; stored measurements are kept", file=sys.stderr)
        return 130
    print(f"{len(stored)} measurements in {opts.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
