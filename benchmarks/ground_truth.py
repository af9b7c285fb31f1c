"""The ground-truth table: each architecture's proxy scores beside its full-recipe test accuracy.

One JSON object per architecture in ``--results`` (default
``benchmarks/results/fashion-mnist-5M.jsonl``), appended by :class:`nas.ledger.Ledger` the
moment its last measurement ends and never rewritten; every later decision about fidelities,
zero-cost proxies and samplers (``benchmarks/proxy_fidelity.py``) is made from it. A row is
refused unless its FLOPs and params are what ``nas profile`` counts for its ``arch``.

Architectures, in this order (``--sources``):

* ``search``: the Pareto-optimal trials of ``--study`` (e.g. the README's default search);
* ``presets``: ``mobilenetv3-small`` and its LDC variant (``mobilenetv3-small-ldc0``), adapted
  to the data's input as ``nas search --with-presets`` adapts them (``--presets`` names others);
* ``random``: ``--per-bin`` architectures of ``search_spaces/lightweight.yaml`` in each of
  ``--bins`` equal-width FLOPs bins of ``[0, --budget]``, drawn with ``--seed``.

For each one: the four zero-cost proxies on the pre-screen's batch; the search's proxy training
(:func:`nas.training.train_proxy` on a class-balanced subset, scored on a ``--val-size`` split
carved from the training set, as ``nas search --seed S`` carves and trains it) at every
``--fidelities`` entry with seed 0, and at ``--default-fidelity`` also with every
``--seeds``; and ``nas train``'s recipe (``--final-epochs``, on the whole training set, test
accuracy). Everything measured so far for an architecture is kept in its run folder under
``--runs`` and its full training is checkpointed every epoch, so a killed process resumes.
Several processes may share the file and the folder (``--threads 1`` each): each claims an
architecture before measuring it.

    python benchmarks/ground_truth.py [--study NAME] [--sources search,presets,random] [--bins 5]
        [--per-bin 3] [--final-epochs N] [--threads 1] [--results PATH] [--runs DIR] [--list]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas.errors import NasError
from nas.ledger import Ledger, claim, commit_of, work_folder
from nas.searching.budget import format_count, parse_count

ROOT = Path(__file__).resolve().parents[1]
SPACE = ROOT / "search_spaces/lightweight.yaml"
SOURCES = ("search", "presets", "random")
DEFAULT_PRESETS = ("mobilenetv3-small", "mobilenetv3-small-ldc0")


@dataclass(frozen=True)
class Options:
    """The benchmark's settings (see the module's docstring)."""

    study: str | None = None
    storage: str | None = None
    sources: tuple[str, ...] = SOURCES
    presets: tuple[str, ...] = DEFAULT_PRESETS
    bins: int = 5
    per_bin: int = 3
    budget: int = 5_000_000
    fidelities: tuple[tuple[int, int], ...] = ((1, 2000), (3, 6000), (9, 18000))
    default_fidelity: tuple[int, int] = (3, 6000)
    seeds: tuple[int, ...] = (0, 1)
    val_size: int = 2000
    final_epochs: int | None = None
    dataset: str = "fashion-mnist"
    threads: int | None = None
    seed: int = 0
    results: Path = ROOT / "benchmarks/results/fashion-mnist-5M.jsonl"
    runs: Path = ROOT / "runs/ground-truth"
    list_only: bool = False
    pool: int = 600


def parse_fidelity(text: str, option: str) -> tuple[int, int]:
    parts = text.strip().lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise NasError(f"{option}: expected EPOCHSxIMAGES such as 3x6000, got {text.strip()!r}")
    return int(parts[0]), int(parts[1])


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line.

    Raises:
        NasError: naming the first bad value.
    """
    d = Options()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--study", help="a study whose Pareto-optimal trials are measured (source 'search')")
    p.add_argument("--storage", help="its storage URL (default: sqlite:///studies/STUDY.db)")
    p.add_argument("--sources", default=",".join(SOURCES), help="which architectures, in order (default: all)")
    p.add_argument("--presets", default=",".join(DEFAULT_PRESETS), help="presets of source 'presets'")
    p.add_argument("--bins", type=int, default=d.bins, help="equal-width FLOPs bins of source 'random' (default 5)")
    p.add_argument("--per-bin", type=int, default=d.per_bin, help="random architectures per bin (default 3)")
    p.add_argument("--budget", default="5M", help="FLOPs budget (default 5M)")
    p.add_argument("--fidelities", default="1x2000,3x6000,9x18000", help="proxy fidelities, EPOCHSxIMAGES list")
    p.add_argument("--default-fidelity", default="3x6000", help="the search's fidelity, measured at every --seeds")
    p.add_argument("--seeds", default="0,1", help="seeds of the default fidelity (default 0,1)")
    p.add_argument("--val-size", type=int, default=d.val_size, help="validation images, as nas search (default 2000)")
    p.add_argument("--final-epochs", type=int, help="epochs of the full recipe (default: nas train's)")
    p.add_argument("--dataset", default=d.dataset, help="data set, as for nas search (default fashion-mnist)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: every core)")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the random architectures (default 0)")
    p.add_argument("--results", type=Path, default=d.results, help="JSON-lines table (appended, resumed)")
    p.add_argument("--runs", type=Path, default=d.runs, help="folder of partial results and checkpoints")
    p.add_argument("--list", action="store_true", help="list the architectures and what is stored; measure nothing")
    a = p.parse_args(argv)
    sources = tuple(s.strip() for s in a.sources.split(",") if s.strip())
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise NasError(f"--sources: expected a list of {', '.join(SOURCES)}, got {a.sources!r}")
    if "search" in sources and not a.study:
        sources = tuple(s for s in sources if s != "search")
    fidelities = tuple(dict.fromkeys(parse_fidelity(t, "--fidelities") for t in a.fidelities.split(",")))
    default = parse_fidelity(a.default_fidelity, "--default-fidelity")
    try:
        seeds = tuple(dict.fromkeys(int(s) for s in a.seeds.split(",")))
    except ValueError:
        raise NasError(f"--seeds: expected whole numbers such as 0,1, got {a.seeds!r}") from None
    for name, value, low, high in (("--bins", a.bins, 1, 20), ("--per-bin", a.per_bin, 0, 50),
                                   ("--val-size", a.val_size, 1, 30_000), ("--seed", a.seed, 0, 2**31 - 1)):
        if not low <= value <= high:
            raise NasError(f"{name} must be from {low} to {high}, got {value}")
    if any(not 0 <= s < 2**31 for s in seeds):
        raise NasError(f"--seeds must be from 0 to 2**31 - 1, got {a.seeds!r}")
    if a.final_epochs is not None and not 1 <= a.final_epochs <= 1000:
        raise NasError(f"--final-epochs must be from 1 to 1000, got {a.final_epochs}")
    if a.threads is not None and not 1 <= a.threads <= 256:
        raise NasError(f"--threads must be from 1 to 256, got {a.threads}")
    from nas.presets import PRESETS

    presets = tuple(s.strip() for s in a.presets.split(",") if s.strip())
    for name in presets:
        if name not in PRESETS:
            raise NasError(f"--presets: unknown preset {name!r} (see nas presets)")
    return Options(study=a.study, storage=a.storage, sources=sources, presets=presets, bins=a.bins,
                   per_bin=a.per_bin, budget=parse_count(a.budget, "--budget"), fidelities=fidelities,
                   default_fidelity=default, seeds=seeds, val_size=a.val_size, final_epochs=a.final_epochs,
                   dataset=a.dataset, threads=a.threads, seed=a.seed, results=a.results,
                   runs=work_folder(a.runs, "--runs"), list_only=a.list)


def commit() -> str:
    """The commit the measuring code is at (``+dirty`` when tracked files have changes)."""
    return commit_of(ROOT)


# ---- what a row must hold ----------------------------------------------------------------------


def profiled_cost(arch: dict[str, Any]) -> tuple[int, int]:
    """FLOPs and params of ``arch`` as ``nas profile`` counts them."""
    from nas.arch.io import from_dict
    from nas.blocks import build_model
    from nas.cost import count_flops, count_params, safe_cost

    config = from_dict(arch)
    safe_cost(config)
    model = build_model(config)
    return count_flops(model, config.input_shape).total, count_params(model)


def check_row(row: dict[str, Any]) -> None:
    """Refuse a row that lacks a field or whose costs are not what ``nas profile`` counts.

    Raises:
        NasError: naming the row and what is wrong.
    """
    name = row.get("notation", "?")
    for key in ("notation", "flops", "params", "source", "arch", "final", "proxy", "zero_cost", "commit"):
        if key not in row:
            raise NasError(f"row {name}: no {key!r}")
    for key in ("epochs", "train_images", "seed", "test_accuracy", "train_time_s"):
        if key not in row["final"]:
            raise NasError(f"row {name}: final has no {key!r}")
    for entry in row["proxy"]:
        for key in ("epochs", "train_images", "seed", "val_accuracy", "time_s"):
            if key not in entry:
                raise NasError(f"row {name}: a proxy entry has no {key!r}")
    flops, params = profiled_cost(row["arch"])
    if (row["flops"], row["params"]) != (flops, params):
        raise NasError(f"row {name}: {row['flops']:,} FLOPs / {row['params']:,} params, but nas profile counts "
                       f"{flops:,} / {params:,}")


def table(path: Path) -> Ledger:
    """The ground-truth table at ``path`` (rows keyed by notation, checked as appended)."""
    return Ledger(path, key_field="notation", check=check_row)


# ---- which architectures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Arch:
    config: Any
    flops: int
    params: int
    source: str


def _cost(config: Any) -> tuple[int, int]:
    from nas.arch.io import to_dict

    return profiled_cost(to_dict(config))


def from_study(opts: Options) -> list[Arch]:
    from nas.arch.io import from_dict
    from nas.study.pareto import pareto_front
    from nas.study.record import read_records
    from nas.study.stored import load_study

    assert opts.study is not None
    records = read_records(load_study(opts.study, opts.storage))
    front = sorted((r for r in pareto_front(records) if r.arch is not None), key=lambda r: r.flops or 0)
    out = []
    for r in front:
        config = from_dict(r.arch)
        out.append(Arch(config, *_cost(config), "search"))
    return out


def from_presets(opts: Options, data: Any) -> list[Arch]:
    from nas.arch.shapes import validate
    from nas.errors import ConfigError
    from nas.presets import get_preset

    c, h, _ = data.input_shape
    out = []
    for name in opts.presets:
        config = get_preset(name).with_input(c, h, data.num_classes)
        try:
            validate(config)
        except ConfigError as exc:
            raise NasError(f"preset {name} does not fit {c}x{h}x{h}: {exc}") from None
        flops, params = _cost(config)
        if flops <= opts.budget:
            out.append(Arch(config, flops, params, f"preset:{name}"))
    return out


def from_space(opts: Options, data: Any) -> list[Arch]:
    """``opts.per_bin`` sampled architectures in each equal-width FLOPs bin, cheapest bin first."""
    from nas.cost import safe_cost
    from nas.space import SearchSpace

    space = SearchSpace.load(SPACE, data.input_shape, data.num_classes)
    width = opts.budget / opts.bins
    bins: list[list[Any]] = [[] for _ in range(opts.bins)]
    seen: set[str] = set()
    for _, config in space.random(opts.pool, seed=opts.seed):
        notation = config.notation()
        if notation in seen:
            continue
        seen.add(notation)
        flops = safe_cost(config).flops
        if flops <= opts.budget:
            b = min(opts.bins - 1, int(flops // width))
            if len(bins[b]) < opts.per_bin:
                bins[b].append(config)
        if all(len(b) >= opts.per_bin for b in bins):
            break
    out = []
    for i in range(opts.per_bin):  # round-robin over the bins: every bin is covered early
        for b in bins:
            if i < len(b):
                out.append(Arch(b[i], *_cost(b[i]), "random"))
    return out


def choose(opts: Options, data: Any) -> list[Arch]:
    """The architectures to measure, in order, each once (the first source that names it wins)."""
    found: dict[str, Arch] = {}
    for source in opts.sources:
        if source == "search":
            archs = from_study(opts)
        elif source == "presets":
            archs = from_presets(opts, data)
        else:
            archs = from_space(opts, data)
        for arch in archs:
            found.setdefault(arch.config.notation(), arch)
    return list(found.values())


# ---- measuring ---------------------------------------------------------------------------------


def final_settings(opts: Options) -> Any:
    """``nas train``'s recipe (its defaults; ``--final-epochs`` when given)."""
    from nas.cli.train import add_recipe_options, recipe_settings

    parser = argparse.ArgumentParser()
    add_recipe_options(parser)
    return recipe_settings(parser.parse_args([] if opts.final_epochs is None else
                                             ["--epochs", str(opts.final_epochs)]))


def proxy_plan(opts: Options) -> list[tuple[int, int, int]]:
    """``(epochs, images, seed)`` of every proxy run: each fidelity at seed 0, the default at every seed."""
    plan = [(e, n, 0) for e, n in opts.fidelities]
    plan += [(*opts.default_fidelity, s) for s in opts.seeds]
    return list(dict.fromkeys(plan))


def measure_proxy(config: Any, data: Any, epochs: int, images: int, seed: int, val_size: int) -> dict[str, Any]:
    """The search's proxy training of ``config``, as ``nas search --seed SEED --epochs E
    --train-subset N --val-size V`` runs it for a trial."""
    from nas.blocks import build_model
    from nas.data import split_train_val, subset
    from nas.training import TrainSettings, train_proxy

    split = subset(split_train_val(data, val_size=val_size, seed=seed), images, seed=seed)
    begin = time.perf_counter()
    result = train_proxy(build_model(config, seed=seed), split, TrainSettings(epochs=epochs, seed=seed),
                         progress=False)
    return {"epochs": epochs, "train_images": result.train_samples, "seed": seed, "val_images": val_size,
            "val_accuracy": result.val_accuracy, "time_s": time.perf_counter() - begin}


def measure_zero_cost(config: Any, data: Any, val_size: int) -> dict[str, Any]:
    """The four zero-cost proxies as the search's pre-screen scores them (its batch, seed 0)."""
    from nas.blocks import build_model
    from nas.data import split_train_val
    from nas.searching.prescreen import BATCH_IMAGES
    from nas.zero_cost import Batch, score

    split = split_train_val(data, val_size=val_size, seed=0)
    begin = time.perf_counter()
    scores = score(build_model(config, seed=0), Batch.from_split(split, size=BATCH_IMAGES, seed=0), seed=0)
    return {"scores": scores, "time_s": time.perf_counter() - begin}


def _load_partial(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}  # a torn write of a killed process: measure again


def measure_arch(arch: Arch, data: Any, opts: Options, folder: Path, code: str,
                 log: Any = print) -> dict[str, Any]:
    """Every measurement of one architecture (resuming from ``folder``), as a table row."""
    from nas.arch.io import to_dict
    from nas.training.checkpoint import write_json_atomic
    from nas.training.full import train_full

    folder.mkdir(parents=True, exist_ok=True)
    partial_path = folder / "partial.json"
    partial = _load_partial(partial_path)
    notation = arch.config.notation()
    tag = f"{format_count(arch.flops):>6} FLOPs {arch.source}"
    if "zero_cost" not in partial:
        partial["zero_cost"] = measure_zero_cost(arch.config, data, opts.val_size)
        write_json_atomic(partial, partial_path)
    proxies = partial.setdefault("proxy", {})
    for epochs, images, seed in proxy_plan(opts):
        label = f"{epochs}x{images}/s{seed}"
        if label not in proxies:
            proxies[label] = measure_proxy(arch.config, data, epochs, images, seed, opts.val_size)
            write_json_atomic(partial, partial_path)
            log(f"{tag}: proxy {label} validation {proxies[label]['val_accuracy']:.4f} "
                f"({proxies[label]['time_s']:.0f} s)")
    settings = final_settings(opts)
    began = time.time()

    def line(stats: Any) -> None:
        log(f"{tag}: final epoch {stats.epoch}/{settings.epochs} loss {stats.train_loss:.4f} "
            f"{time.time() - began:.0f} s")

    result = train_full(arch.config, data, settings, folder / "final", progress=False, on_epoch=line)
    log(f"{tag}: final test accuracy {result.test_accuracy:.4f} ({result.wall_s:.0f} s)")
    return {
        "notation": notation, "flops": arch.flops, "params": arch.params, "source": arch.source,
        "arch": to_dict(arch.config), "dataset": data.name,
        "final": {"epochs": settings.epochs, "train_images": len(data.train_y), "seed": settings.seed,
                  "test_accuracy": result.test_accuracy, "train_time_s": result.wall_s,
                  "recipe": dict(settings.__dict__)},
        "proxy": [proxies[k] for k in proxies],
        "zero_cost": partial["zero_cost"]["scores"], "zero_cost_time_s": partial["zero_cost"]["time_s"],
        "commit": code, "threads": opts.threads,
    }


def measure(opts: Options, log: Any = print) -> list[dict[str, Any]]:
    """Measure every chosen architecture not yet in the table (skipping ones another process holds)."""
    from nas.data import load_dataset
    from nas.training import set_threads

    set_threads(opts.threads)
    data = load_dataset(opts.dataset)
    ledger = table(opts.results)
    archs = choose(opts, data)
    code = commit()
    for i, arch in enumerate(archs, 1):
        notation = arch.config.notation()
        if ledger.get(notation) is not None:
            continue
        folder = opts.runs / hashlib.sha256(notation.encode()).hexdigest()[:16]
        if not claim(folder):
            continue
        log(f"[{i}/{len(archs)}] {arch.source} {format_count(arch.flops)} FLOPs: {notation}")
        ledger.append(measure_arch(arch, data, opts, folder, code, log))
    return ledger.rows()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        if opts.list_only:
            from nas.data import load_dataset

            stored = table(opts.results).keys()
            for arch in choose(opts, load_dataset(opts.dataset)):
                mark = "stored " if arch.config.notation() in stored else "pending"
                print(f"{mark} {arch.source:<30} {format_count(arch.flops):>6} {arch.config.notation()}")
            return 0
        rows = measure(opts, log=lambda text: print(text, flush=True))
    except NasError as exc:
        print(f"ground_truth: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ground_truth: interrupted; stored rows are kept and the architecture in progress resumes "
              "when run again", file=sys.stderr)
        return 130
    print(f"{len(rows)} architectures in {opts.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
