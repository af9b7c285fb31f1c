"""Storage round trips per trial (SQLite vs journal file vs PostgreSQL), as a fraction of a trial.

Each backend runs the same trials through Optuna: a trial is asked for, the lightweight space is
sampled through it (one ``suggest_categorical`` per dimension), the attributes a search stores
are written (``arch``, ``notation``, costs, fidelity...), and the trial is told its values. No
training happens, so the time is Optuna plus the storage. It is then divided by the wall time
of one real proxy-trained trial of the default search (measured here on two architectures).

    python benchmarks/storage_overhead.py [--trials 30] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import optuna

from nas.arch.io import to_dict
from nas.blocks import build_model
from nas.cost import count_flops
from nas.data import load_dataset, split_train_val, subset
from nas.searching.run import SearchSettings
from nas.space import SearchSpace
from nas.study.storage import open_storage
from nas.training import TrainSettings, train_proxy

ROOT = Path(__file__).resolve().parents[1]


def storage_trials(storage: optuna.storages.BaseStorage, space: SearchSpace, n: int) -> float:
    """Median seconds of Optuna + storage work per trial."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=f"overhead-{uuid.uuid4().hex[:8]}", storage=storage,
                                directions=["maximize", "minimize"], sampler=optuna.samplers.RandomSampler(seed=0))
    study.set_metric_names(["accuracy", "flops"])
    times = []
    for _ in range(n):
        start = time.perf_counter()
        trial = study.ask()
        config = space.sample(trial)
        attrs = {"worker": "host:1", "arch": to_dict(config), "notation": config.notation(), "flops": 4_000_000,
                 "params": 100_000, "constraint": [-1.0], "training": True, "latency_ms": 1.2,
                 "peak_activation_bytes": 10**7, "accuracy": 0.8, "train_time_s": 20.0,
                 "fidelity": {"epochs": 2, "train_samples": 8000}}
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        study.tell(trial, [0.8, 4_000_000.0])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def trial_seconds(space: SearchSpace, defaults: SearchSettings) -> float:
    data = load_dataset(defaults.dataset)
    split = subset(split_train_val(data, val_size=defaults.val_size, seed=0), defaults.train_subset or 10**9)
    settings = TrainSettings(epochs=defaults.epochs, batch_size=defaults.batch_size)
    walls = []
    for _, config in space.random(20, seed=11):
        model = build_model(config)
        if count_flops(model, config.input_shape).total > 5_000_000:
            continue
        start = time.perf_counter()
        train_proxy(model, split, settings, progress=False)
        walls.append(time.perf_counter() - start)
        if len(walls) == 2:
            break
    return statistics.mean(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("NAS_TEST_POSTGRES_URL", "postgresql://nas:nas@127.0.0.1:5432/nas"))
    args = parser.parse_args()
    space = SearchSpace.load(ROOT / "search_spaces/lightweight.yaml", (1, 28, 28), 10)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        backends = {
            "sqlite": lambda: open_storage(f"sqlite:///{tmp}/o.db", heartbeat_interval=30, grace_period=120),
            "journal": lambda: optuna.storages.JournalStorage(
                optuna.storages.journal.JournalFileBackend(f"{tmp}/o.log")),
            "postgresql": lambda: open_storage(args.postgres, heartbeat_interval=30, grace_period=120),
        }
        for name, make in backends.items():
            try:
                storage = make()
            except Exception as exc:  # noqa: BLE001 - report a backend that is not available
                print(f"{name:<11} unavailable: {exc}")
                continue
            rows.append((name, storage_trials(storage, space, args.trials)))
            print(f"{name:<11} {rows[-1][1] * 1000:7.1f} ms per trial", flush=True)
    trial = trial_seconds(space, SearchSettings(space="", max_flops=5_000_000))
    print(f"\none proxy-trained trial of the default search: {trial:.1f} s")
    print("backend      ms/trial   fraction of a trial")
    for name, seconds in rows:
        print(f"{name:<11} {seconds * 1000:8.1f}   {seconds / trial:8.3%}")


if __name__ == "__main__":
    main()
