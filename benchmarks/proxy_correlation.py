"""Zero-cost proxies against trained accuracy: do they say anything FLOPs and params do not?

Samples ``--archs`` distinct architectures of ``search_spaces/lightweight.yaml`` within a FLOPs
budget (``--budget``, counted by ``nas.cost.count_flops``), scores each with every zero-cost
proxy on one batch of Fashion-MNIST training images (``--batch`` images, drawn with ``--seed``),
then trains it as the search does (``train_proxy`` for ``--epochs`` epochs on a
``--train-subset`` image subset, accuracy on a ``--val-size`` validation split carved from the
training set, as ``nas search`` prepares it). Prints, for each proxy, FLOPs and params:

* Spearman rank correlation with validation accuracy over all architectures;
* the mean of the Spearman correlations within FLOPs quintiles (signal beyond FLOPs);
* the partial Spearman given FLOPs and params (ranks regressed on both, residuals correlated);
* the median and maximum seconds a proxy takes per architecture.

Proxies are scored on one torch thread (``--threads`` applies to training): a proxy is a few
small passes, which a second thread barely speeds up on a quiet machine and slows down up to
10x while other processes load the CPU (measured here: median snip 0.47 s at 1 thread vs
1.84 s at 2 threads, load average 5 on 2 cores).

Every architecture's results are appended to a JSON-lines cache (``--results``) as soon as they
are measured, so an interrupted run resumes where it stopped; rows made with other settings
are ignored. ``--no-train`` scores the proxies only and prints the timing table. Scatter plots
go to ``--html`` (plotly, self-contained).

    python benchmarks/proxy_correlation.py [--archs 100] [--budget 5M] [--epochs 3]
        [--train-subset 6000] [--val-size 2000] [--batch 64] [--threads 2] [--seed 0]
        [--results PATH] [--html PATH] [--no-train]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas.errors import NasError
from nas.searching.budget import format_count, parse_count

ROOT = Path(__file__).resolve().parents[1]
SPACE = ROOT / "search_spaces/lightweight.yaml"
COST = ("flops", "params")


@dataclass(frozen=True)
class Options:
    """The benchmark's settings (see the module's docstring)."""

    archs: int = 100
    budget: int = 5_000_000
    epochs: int = 3
    train_subset: int = 6000
    val_size: int = 2000
    batch: int = 64
    threads: int = 2
    seed: int = 0
    results: Path = ROOT / "reports/proxy_correlation.jsonl"
    html: Path = ROOT / "reports/proxy_correlation.html"
    train: bool = True

    def identity(self) -> dict[str, Any]:
        """What a cached row must share with this run to be reused."""
        return {"space": SPACE.name, "dataset": "fashion-mnist", "budget": self.budget, "epochs": self.epochs,
                "train_subset": self.train_subset, "val_size": self.val_size, "batch": self.batch, "seed": self.seed}


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line.

    Raises:
        NasError: naming the first bad value.
    """
    d = Options()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archs", type=int, default=d.archs, help="architectures to measure")
    p.add_argument("--budget", default="5M", help="FLOPs budget, e.g. 5M, 2.5M, 800K")
    p.add_argument("--epochs", type=int, default=d.epochs, help="proxy-training epochs")
    p.add_argument("--train-subset", type=int, default=d.train_subset, help="training images")
    p.add_argument("--val-size", type=int, default=d.val_size, help="validation images carved from the training set")
    p.add_argument("--batch", type=int, default=d.batch, help="images in the proxies' batch")
    p.add_argument("--threads", type=int, default=d.threads, help="torch threads")
    p.add_argument("--seed", type=int, default=d.seed, help="sampling, batch, initialisation and training seed")
    p.add_argument("--results", type=Path, default=d.results, help="JSON-lines cache of measured architectures")
    p.add_argument("--html", type=Path, default=d.html, help="where to write the scatter plots")
    p.add_argument("--no-train", action="store_true", help="score proxies only; print the timing table")
    a = p.parse_args(argv)
    for name, low in (("archs", 1), ("epochs", 1), ("train_subset", 1), ("val_size", 1), ("batch", 2),
                      ("threads", 1), ("seed", 0)):
        if getattr(a, name) < low:
            raise NasError(f"--{name.replace('_', '-')} must be >= {low}, got {getattr(a, name)}")
    if a.threads > 256:
        raise NasError(f"--threads must be <= 256, got {a.threads}")
    for name in ("results", "html"):
        path: Path = getattr(a, name)
        if path.exists() and path.is_dir():
            raise NasError(f"--{name}: {path} is a directory, expected a file path")
    return Options(
        archs=a.archs, budget=parse_count(a.budget, "--budget"), epochs=a.epochs, train_subset=a.train_subset,
        val_size=a.val_size, batch=a.batch, threads=a.threads, seed=a.seed, results=a.results, html=a.html,
        train=not a.no_train,
    )


# ---- measuring ---------------------------------------------------------------------------------


def load_cache(path: Path, identity: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Rows cached with the same settings, by notation (the last row of a notation wins)."""
    rows: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return rows
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by an interruption
            print(f"proxy_correlation: skipping unreadable line {number} of {path}", file=sys.stderr)
            continue
        if row.get("settings") == identity:
            rows[row["notation"]] = row
    return rows


def append_row(path: Path, row: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps(row) + "\n")
        f.flush()


def sample(opts: Options, space: Any) -> list[tuple[str, Any, int, int]]:
    """``opts.archs`` distinct feasible architectures: ``(notation, config, flops, params)``."""
    import torch

    from nas import build_model
    from nas.cost import count_flops, count_params

    found: list[tuple[str, Any, int, int]] = []
    seen: set[str] = set()
    tries = 50 * opts.archs + 200
    for _, config in space.random(tries, seed=opts.seed):
        notation = config.notation()
        if notation in seen:
            continue
        seen.add(notation)
        with torch.random.fork_rng(devices=[]):
            model = build_model(config)
        flops = count_flops(model, config.input_shape).total
        if flops <= opts.budget:
            found.append((notation, config, flops, count_params(model)))
            if len(found) == opts.archs:
                return found
    raise NasError(f"only {len(found)} of {tries} sampled architectures fit {format_count(opts.budget)} FLOPs; "
                   "raise --budget or lower --archs")


def measure(opts: Options) -> pd.DataFrame:
    """Score (and train) every architecture not cached yet; one row per architecture."""
    import torch

    from nas import build_model
    from nas.data import load_dataset, split_train_val, subset
    from nas.space import SearchSpace
    from nas.training import TrainSettings, set_threads, train_proxy
    from nas.zero_cost import PROXIES, Batch, score

    set_threads(opts.threads)
    data = load_dataset("fashion-mnist")
    space = SearchSpace.load(SPACE, data.input_shape, data.num_classes)
    split = subset(split_train_val(data, val_size=opts.val_size, seed=opts.seed), opts.train_subset, seed=opts.seed)
    batch = Batch.from_split(split, size=opts.batch, seed=opts.seed)
    identity = opts.identity()
    cached = load_cache(opts.results, identity)
    rows = []
    for i, (notation, config, flops, params) in enumerate(sample(opts, space), 1):
        row = cached.get(notation)
        fresh = row is None
        if row is None:
            torch.manual_seed(opts.seed)
            model = build_model(config)
            proxies, times = {}, {}
            torch.set_num_threads(1)
            try:
                for name in PROXIES:
                    start = time.perf_counter()
                    proxies[name] = score(model, batch, [name], seed=opts.seed)[name]
                    times[name] = time.perf_counter() - start
            finally:
                set_threads(opts.threads)
            row = {"settings": identity, "notation": notation, "flops": flops, "params": params,
                   "proxies": proxies, "seconds": times, "proxy_threads": 1, "accuracy": None}
        if opts.train and row.get("accuracy") is None:
            torch.manual_seed(opts.seed)
            model = build_model(config)
            result = train_proxy(model, split, TrainSettings(epochs=opts.epochs, seed=opts.seed), progress=False)
            row = {**row, "accuracy": result.val_accuracy, "train_s": result.train_time_s}
            fresh = True
        if fresh:
            append_row(opts.results, row)
        acc = "-" if row.get("accuracy") is None else f"{row['accuracy']:.4f}"
        print(f"[{i}/{opts.archs}] {format_count(flops):>6} FLOPs  acc {acc}  "
              + "  ".join(f"{k} {v:.4g} ({row['seconds'][k]:.2f}s)" for k, v in row["proxies"].items())
              + ("" if fresh else "  (cached)"), file=sys.stderr, flush=True)
        rows.append(row)
    return pd.DataFrame([
        {"notation": r["notation"], "flops": r["flops"], "params": r["params"], "accuracy": r.get("accuracy"),
         "proxy_threads": r.get("proxy_threads", r.get("threads")),
         **r["proxies"], **{f"{k}_s": v for k, v in r["seconds"].items()}}
        for r in rows
    ])


# ---- analysis ----------------------------------------------------------------------------------


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation (nan when fewer than 3 pairs or a side is constant)."""
    a, b = a.astype(float), b.astype(float)
    if len(a) < 3 or a.nunique() < 2 or b.nunique() < 2:
        return math.nan
    try:
        from scipy.stats import spearmanr
    except ImportError:
        return float(a.rank().corr(b.rank()))
    return float(spearmanr(a, b).statistic)


def partial_spearman(x: pd.Series, y: pd.Series, controls: pd.DataFrame) -> float:
    """Spearman of ``x`` and ``y`` with the ranks of ``controls`` regressed out of both."""
    if len(x) < controls.shape[1] + 3 or x.nunique() < 2 or y.nunique() < 2:
        return math.nan
    design = np.column_stack([np.ones(len(x))] + [controls[c].rank().to_numpy() for c in controls])

    def residual(s: pd.Series) -> np.ndarray:
        r = s.rank().to_numpy()
        return r - design @ np.linalg.lstsq(design, r, rcond=None)[0]

    rx, ry = residual(x), residual(y)
    if rx.std() == 0 or ry.std() == 0:
        return math.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def quintiles(flops: pd.Series) -> pd.Series:
    """The FLOPs quintile (0-4) of each architecture."""
    return pd.qcut(flops.rank(method="first"), 5, labels=False)


def correlations(df: pd.DataFrame, proxies: Sequence[str]) -> pd.DataFrame:
    """Per signal: ``overall``, ``within_quintiles`` (mean over quintiles that have a value),
    ``beyond_cost`` (partial given FLOPs and params), ``median_s``, ``max_s``."""
    q = quintiles(df["flops"])
    rows = []
    for name in (*proxies, *COST):
        per_q = [spearman(g[name], g["accuracy"]) for _, g in df.groupby(q)]
        per_q = [v for v in per_q if not math.isnan(v)]
        controls = df[[c for c in COST if c != name]]
        rows.append({
            "signal": name,
            "overall": spearman(df[name], df["accuracy"]),
            "within_quintiles": float(np.mean(per_q)) if per_q else math.nan,
            "beyond_cost": partial_spearman(df[name], df["accuracy"], controls) if name in proxies else math.nan,
            "median_s": float(df[f"{name}_s"].median()) if f"{name}_s" in df else math.nan,
            "max_s": float(df[f"{name}_s"].max()) if f"{name}_s" in df else math.nan,
        })
    return pd.DataFrame(rows).set_index("signal")


def timing_table(df: pd.DataFrame, proxies: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({
        name: {"median_s": df[f"{name}_s"].median(), "max_s": df[f"{name}_s"].max(),
               "archs_over_1s": int((df[f"{name}_s"] > 1.0).sum())}
        for name in proxies
    }).T


# ---- drawing -----------------------------------------------------------------------------------


def write_html(df: pd.DataFrame, table: pd.DataFrame, opts: Options, path: Path) -> None:
    """One scatter per signal (x) against validation accuracy (y), coloured by FLOPs quintile."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(table.index)
    cols = 3
    titles = [f"{n}: ρ={table.loc[n, 'overall']:.2f}, in quintiles {table.loc[n, 'within_quintiles']:.2f}"
              for n in names]
    fig = make_subplots(rows=math.ceil(len(names) / cols), cols=cols, subplot_titles=titles,
                        horizontal_spacing=0.06, vertical_spacing=0.12)
    q = quintiles(df["flops"])
    for i, name in enumerate(names):
        r, c = divmod(i, cols)
        fig.add_trace(go.Scatter(
            x=df[name], y=df["accuracy"], mode="markers", text=df["notation"], showlegend=False,
            marker={"color": q, "colorscale": "Viridis", "size": 7, "cmin": 0, "cmax": 4,
                    "colorbar": {"title": "FLOPs quintile"} if i == 0 else None, "showscale": i == 0},
            hovertemplate=f"{name} %{{x:.4g}}<br>accuracy %{{y:.4f}}<br>%{{text}}<extra></extra>",
        ), row=r + 1, col=c + 1)
        fig.update_xaxes(title_text=name, type="log" if name in COST else "linear", row=r + 1, col=c + 1)
        fig.update_yaxes(title_text="val accuracy" if c == 0 else None, row=r + 1, col=c + 1)
    fig.update_layout(
        title=f"Zero-cost proxies vs validation accuracy: {len(df)} architectures of {SPACE.name} at "
              f"<= {format_count(opts.budget)} FLOPs, Fashion-MNIST, {opts.epochs} epochs x {opts.train_subset} images",
        height=380 * math.ceil(len(names) / cols), template="plotly_white",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True, full_html=True)


def _fmt(v: float) -> str:
    return "   n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:6.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        from nas.zero_cost import PROXIES

        start = time.time()
        df = measure(opts)
    except NasError as exc:
        print(f"proxy_correlation: error: {exc}", file=sys.stderr)
        return 2
    proxies = list(PROXIES)
    print(f"\n{len(df)} architectures of {SPACE.name} at <= {format_count(opts.budget)} FLOPs "
          f"(FLOPs {format_count(df['flops'].min())}-{format_count(df['flops'].max())}), batch {opts.batch}, "
          f"proxies timed on {'/'.join(str(t) for t in sorted(df['proxy_threads'].unique()))} thread(s), "
          f"training on {opts.threads}, seed {opts.seed}; {time.time() - start:.0f} s this run")
    print("\nseconds per architecture (one proxy, one batch; includes copying the model)")
    timing = timing_table(df, proxies)
    print(f"{'proxy':<10} {'median':>8} {'max':>8} {'over 1 s':>9}")
    for name, r in timing.iterrows():
        print(f"{name:<10} {r['median_s']:8.3f} {r['max_s']:8.3f} {int(r['archs_over_1s']):9d}")
    if not opts.train or df["accuracy"].isna().any():
        return 0
    table = correlations(df, proxies)
    print(f"\nSpearman against validation accuracy ({opts.epochs} epochs x {opts.train_subset} images, "
          f"{opts.val_size} validation images; accuracy {df['accuracy'].min():.4f}-{df['accuracy'].max():.4f})")
    print(f"{'signal':<10} {'overall':>8} {'in FLOPs quintiles':>19} {'beyond FLOPs+params':>20} {'median s':>9}")
    for name, r in table.iterrows():
        print(f"{name:<10} {_fmt(r['overall']):>8} {_fmt(r['within_quintiles']):>19} "
              f"{_fmt(r['beyond_cost']):>20} {_fmt(r['median_s']):>9}")
    write_html(df, table, opts, opts.html)
    print(f"\nscatter plots: {opts.html}\ncache: {opts.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
