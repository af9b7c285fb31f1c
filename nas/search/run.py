"""``run_search``: the whole search, from a space file and a budget to a stored study.

A study keeps its settings (space, budget, objectives, data, fidelity) as study user attrs,
so re-running the same command resumes it and a different command cannot silently mix
incompatible trials into it. Workers (in-process, ``--jobs`` processes, or other hosts on the
same storage) each take trials until the study holds ``trials`` COMPLETE ones.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from nas.data import ImageData, Split, load_dataset, split_train_val, subset
from nas.errors import NasError, SpaceError
from nas.search.budget import Budget, format_count
from nas.search.objective import OBJECTIVES, Objective
from nas.search.sampler import make_sampler
from nas.search.storage import default_storage, open_storage
from nas.space import SearchSpace
from nas.train import TrainSettings, set_threads

log = logging.getLogger("nas.search")


@dataclass(frozen=True)
class SearchSettings:
    """Everything ``nas search`` takes (see its ``--help``)."""

    space: str
    max_flops: int
    max_params: int | None = None
    trials: int = 24
    timeout: float | None = None
    study: str | None = None
    storage: str | None = None
    dataset: str = "fashion-mnist"
    data_dir: str | None = None
    download: bool = False
    epochs: int = 3
    train_subset: int | None = 6000
    val_size: int = 2000
    batch_size: int = 128
    seed: int = 0
    jobs: int | None = None
    threads: int | None = None
    sampler: str = "tpe"
    objectives: tuple[str, ...] = ("accuracy", "flops")
    with_presets: bool = False
    preset_max_flops: int | None = None
    heartbeat: int = 30
    grace: int = 120
    progress: bool = True

    @property
    def study_name(self) -> str:
        if self.study:
            return self.study
        return f"{Path(self.space).stem}-{format_count(self.max_flops)}-{self.dataset.replace(':', '_').replace('/', '_')}"

    @property
    def storage_url(self) -> str:
        return self.storage or default_storage(self.study_name)

    def train_settings(self) -> TrainSettings:
        """How every architecture of the study (and the linear baseline) is proxy-trained."""
        return TrainSettings(epochs=self.epochs, batch_size=self.batch_size, seed=self.seed)

    def identity(self) -> dict[str, Any]:
        """The settings a resumed study must share with the one stored."""
        return {
            "space": str(Path(self.space).name), "max_flops": self.max_flops, "max_params": self.max_params,
            "dataset": self.dataset, "objectives": list(self.objectives), "epochs": self.epochs,
            "train_subset": self.train_subset, "val_size": self.val_size, "batch_size": self.batch_size,
            "seed": self.seed,
        }


@dataclass
class SearchSummary:
    """What a search did, for the CLI's closing lines and for benchmarks."""

    study: str
    storage: str
    complete: int
    infeasible: int
    failed: int
    sampled: int
    wall_s: float
    best: list[dict[str, Any]] = field(default_factory=list)
    linear_accuracy: float | None = None

    @property
    def feasible_fraction(self) -> float:
        return 1.0 - self.infeasible / self.sampled if self.sampled else 0.0


def _quiet_optuna() -> None:
    # Optuna logs each failed trial with a traceback; nas records the reason in the trial's
    # ``fail_reason`` attr and reports failures in its own lines instead.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=".*constraints_func.*")
    warnings.filterwarnings("ignore", message=".*multivariate.*")
    warnings.filterwarnings("ignore", message=".*group.*")


@dataclass(frozen=True)
class Prepared:
    """The space bound to the data's input, the data, and the split architectures are scored on."""

    space: SearchSpace
    data: ImageData
    split: Split


def prepare(settings: SearchSettings) -> Prepared:
    """Load the data, bind the space to it and carve the validation split."""
    data = load_dataset(settings.dataset, settings.data_dir, download=settings.download)
    space = SearchSpace.load(settings.space, data.input_shape, data.num_classes)
    split = split_train_val(data, val_size=settings.val_size, seed=settings.seed)
    if settings.train_subset:
        split = subset(split, settings.train_subset, seed=settings.seed)
    return Prepared(space, data, split)


def check_budget_possible(space: SearchSpace, budget: Budget, samples: int = 48) -> None:
    """Refuse a budget that no architecture of the space can meet (judged on the space's
    smallest corner and random samples), before any study is created."""
    from nas.blocks import build_model
    from nas.cost import count_flops, count_params
    from nas.space.sample import EdgeChooser

    cheapest: tuple[int, int] | None = None
    configs = [space.sample(EdgeChooser(0))] + [c for _, c in space.random(samples, seed=7)]
    for config in configs:
        model = build_model(config)
        flops, params = count_flops(model, config.input_shape).total, count_params(model)
        if budget.feasible(flops, params):
            return
        if cheapest is None or flops < cheapest[0]:
            cheapest = (flops, params)
    assert cheapest is not None
    raise NasError(
        f"impossible budget: none of {len(configs)} architectures tried from {space.name} fits "
        f"({budget.describe(*cheapest)} for the cheapest); raise --max-flops/--max-params or use a smaller space"
    )


def open_study(settings: SearchSettings, heartbeat: bool = True) -> optuna.Study:
    """Create or resume the study, refusing one stored with other settings."""
    _quiet_optuna()
    storage = open_storage(
        settings.storage_url,
        heartbeat_interval=settings.heartbeat if heartbeat else None,
        grace_period=settings.grace if heartbeat else None,
    )
    directions = [OBJECTIVES[name] for name in settings.objectives]
    study = optuna.create_study(
        study_name=settings.study_name, storage=storage, directions=directions, load_if_exists=True,
        sampler=make_sampler(settings.sampler, settings.seed),
    )
    stored = study.user_attrs.get("settings")
    if stored is None:
        study.set_metric_names(list(settings.objectives))
        study.set_user_attr("settings", settings.identity())
        study.set_user_attr("target_trials", settings.trials)
        study.set_user_attr("created", time.strftime("%Y-%m-%d %H:%M:%S"))
    elif stored != settings.identity():
        diff = [k for k in stored if stored.get(k) != settings.identity().get(k)]
        raise NasError(
            f"study {settings.study_name!r} in {settings.storage_url} was made with other settings "
            f"({', '.join(diff)} differ); use another --study or the same options"
        )
    return study


def count_states(study: optuna.Study) -> dict[str, int]:
    """COMPLETE (non-baseline) / RUNNING / FAIL / infeasible / other-PRUNED counts."""
    counts = {"complete": 0, "running": 0, "failed": 0, "infeasible": 0, "pruned": 0, "sampled": 0}
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("baseline"):
            continue
        if t.state == TrialState.COMPLETE:
            counts["complete"] += 1
        elif t.state == TrialState.RUNNING:
            counts["running"] += 1
        elif t.state == TrialState.FAIL:
            counts["failed"] += 1
        elif t.user_attrs.get("infeasible"):
            counts["infeasible"] += 1
        elif t.state == TrialState.PRUNED:
            counts["pruned"] += 1
        if "flops" in t.user_attrs:
            counts["sampled"] += 1
    return counts


def worker(
    settings: SearchSettings,
    worker_id: int = 0,
    deadline: float | None = None,
    on_trial: Callable[[optuna.Study], None] | None = None,
    prepared: Prepared | None = None,
) -> None:
    """Take trials until the study holds ``settings.trials`` COMPLETE trials (across workers)."""
    _quiet_optuna()
    set_threads(settings.threads)
    prepared = prepared or prepare(settings)
    space, split = prepared.space, prepared.split
    study = open_study(settings)
    train = settings.train_settings()
    objective = Objective(
        space, split, Budget(settings.max_flops, settings.max_params), train, settings.objectives,
        target=settings.trials, progress=settings.progress and settings.jobs == 1,
    )
    fruitless, limit = 0, max(200, 10 * settings.trials)
    while True:
        if deadline is not None and time.time() >= deadline:
            return
        optuna.storages.fail_stale_trials(study)
        counts = count_states(study)
        if counts["complete"] >= settings.trials:
            return
        if counts["complete"] + _training(study) >= settings.trials:
            # Every remaining slot is being trained elsewhere: wait, in case a worker dies.
            time.sleep(min(5.0, settings.heartbeat))
            continue
        before = counts["complete"]
        study.optimize(
            objective, n_trials=1, catch=(Exception,), gc_after_trial=True, callbacks=[_report_failure],
            timeout=None if deadline is None else max(1.0, deadline - time.time()),
        )
        fruitless = 0 if count_states(study)["complete"] > before else fruitless + 1
        if on_trial is not None:
            on_trial(study)
        if fruitless >= limit:
            raise NasError(
                f"{limit} trials in a row were over budget, duplicates or failed; the space may be "
                "exhausted or the budget too tight"
            )


def _report_failure(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    if trial.state == TrialState.FAIL:
        reason = trial.user_attrs.get("fail_reason") or trial.system_attrs.get("fail_reason", "unknown error")
        print(f"nas search: trial {trial.number} failed: {str(reason).splitlines()[0]}", file=sys.stderr, flush=True)


def _training(study: optuna.Study) -> int:
    return sum(
        1 for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if t.user_attrs.get("training")
    )


def _worker_process(settings: SearchSettings, worker_id: int, deadline: float | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the parent's was ignored
    try:
        worker(settings, worker_id, deadline)
    except KeyboardInterrupt:
        pass
    except NasError as exc:
        print(f"nas search (worker {worker_id}): error: {exc}", flush=True)
        raise SystemExit(2) from None


def run_baselines(settings: SearchSettings, prepared: Prepared) -> None:
    """Evaluate the papers' presets (adapted to the data's input) in the study, as baselines."""
    from nas.arch.shapes import validate
    from nas.blocks import build_model
    from nas.cost import count_flops
    from nas.errors import ConfigError
    from nas.presets import PRESETS

    space, data, split = prepared.space, prepared.data, prepared.split
    study = open_study(settings, heartbeat=False)  # asked and told here, not run by optimize
    done = {t.user_attrs.get("baseline") for t in study.get_trials(deepcopy=False) if t.state.is_finished()}
    train = settings.train_settings()
    budget = Budget(settings.max_flops, settings.max_params)
    objective = Objective(space, split, budget, train, settings.objectives, settings.trials, settings.progress)
    cap = settings.preset_max_flops or 4 * settings.max_flops
    for name, make in PRESETS.items():
        if name in done:
            continue
        config = make().with_input(*data.input_shape[:2], data.num_classes)
        try:
            validate(config)
        except ConfigError as exc:
            log.info("preset %s does not fit %s: %s", name, data.input_shape, exc)
            continue
        if count_flops(build_model(config), config.input_shape).total > cap:
            continue
        trial = study.ask()
        try:
            values = objective.evaluate(trial, config, baseline=name)
        except optuna.TrialPruned:
            study.tell(trial, state=TrialState.PRUNED)
        except Exception as exc:  # a baseline that fails is recorded, not fatal
            trial.set_user_attr("fail_reason", f"{type(exc).__name__}: {exc}")
            study.tell(trial, state=TrialState.FAIL)
        except KeyboardInterrupt:
            trial.set_user_attr("fail_reason", "interrupted")
            study.tell(trial, state=TrialState.FAIL)
            raise
        else:
            study.tell(trial, values)


def linear_baseline(settings: SearchSettings, study: optuna.Study, prepared: Prepared) -> float:
    """Validation accuracy of a linear classifier under the same proxy training (cached in the study)."""
    if "linear_accuracy" in study.user_attrs:
        return float(study.user_attrs["linear_accuracy"])
    import torch
    from torch import nn

    from nas.train import train_proxy

    data, split = prepared.data, prepared.split
    c, h, w = data.input_shape
    model = nn.Sequential(nn.Flatten(1), nn.Linear(c * h * w, data.num_classes))
    torch.manual_seed(settings.seed)
    train = settings.train_settings()
    result = train_proxy(model, split, train, progress=False)
    study.set_user_attr("linear_accuracy", result.val_accuracy)
    return result.val_accuracy


def run_search(settings: SearchSettings) -> SearchSummary:
    """Run (or resume) a search and summarise the study."""
    start = time.time()
    deadline = None if settings.timeout is None else start + settings.timeout
    prepared = prepare(settings)
    budget = Budget(settings.max_flops, settings.max_params)
    check_budget_possible(prepared.space, budget)
    study = open_study(settings)
    set_threads(settings.threads)
    linear = linear_baseline(settings, study, prepared)
    if settings.with_presets:
        run_baselines(settings, prepared)
    if settings.jobs <= 1:
        with _StudyBar(settings, study) as bar:
            worker(settings, 0, deadline, on_trial=bar.refresh_from, prepared=prepared)
    else:
        _run_processes(settings, study, deadline)
    return summarize(settings, study, time.time() - start, linear)


def _run_processes(settings: SearchSettings, study: optuna.Study, deadline: float | None) -> None:
    per_worker = replace(settings, threads=settings.threads or max(1, (os.cpu_count() or 1) // settings.jobs))
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_worker_process, args=(per_worker, i, deadline)) for i in range(settings.jobs)]
    for p in procs:
        p.start()
    try:
        with _StudyBar(settings, study) as bar:
            while any(p.is_alive() for p in procs):
                time.sleep(1.0)
                bar.refresh_from(study)
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reaches every worker; a signal sent to this process alone is
        # passed on, so each worker records its interrupted trial as FAIL before exiting.
        for p in procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signal.SIGINT)
        for p in procs:
            p.join(timeout=30)
        raise
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()
    if any(p.exitcode == 2 for p in procs):
        raise NasError("a worker stopped on an error (see above)")


class _StudyBar:
    def __init__(self, settings: SearchSettings, study: optuna.Study) -> None:
        from tqdm.auto import tqdm

        self.study = study
        self.bar = tqdm(
            total=settings.trials, desc=f"study {settings.study_name}", unit="trial",
            disable=not settings.progress, position=0, dynamic_ncols=True,
        )
        self.refresh_from(study)

    def refresh_from(self, study: optuna.Study) -> None:
        counts = count_states(study)
        self.bar.n = min(counts["complete"], self.bar.total)
        self.bar.set_postfix(infeasible=counts["infeasible"], failed=counts["failed"], refresh=False)
        self.bar.refresh()

    def __enter__(self) -> _StudyBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.refresh_from(self.study)
        self.bar.close()


def summarize(settings: SearchSettings, study: optuna.Study, wall_s: float, linear: float | None) -> SearchSummary:
    counts = count_states(study)
    best = []
    feasible = [t for t in study.best_trials if not t.user_attrs.get("baseline")]
    for t in sorted(feasible, key=lambda t: -t.values[0]):
        best.append({
            "trial": t.number, "accuracy": t.values[0], "flops": t.user_attrs.get("flops"),
            "params": t.user_attrs.get("params"), "latency_ms": t.user_attrs.get("latency_ms"),
            "notation": t.user_attrs.get("notation"),
        })
    return SearchSummary(
        study=settings.study_name, storage=settings.storage_url, complete=counts["complete"],
        infeasible=counts["infeasible"], failed=counts["failed"], sampled=counts["sampled"], wall_s=wall_s,
        best=best, linear_accuracy=linear,
    )


def default_jobs() -> int:
    """Worker processes when ``--jobs`` is not given: two one-thread workers on a CPU with two or
    more cores (measured faster than one two-thread worker, benchmarks/search_throughput.py),
    one worker on a GPU."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 1 if torch.cuda.is_available() or cores < 2 else 2


def settings_from(**kwargs: Any) -> SearchSettings:
    """Build settings, checking the values a user gives."""
    if kwargs.get("jobs") is None:
        kwargs["jobs"] = default_jobs()
    settings = SearchSettings(**kwargs)
    if settings.trials < 1:
        raise NasError(f"--trials must be >= 1, got {settings.trials}")
    if settings.jobs < 1:
        raise NasError(f"--jobs must be >= 1, got {settings.jobs}")
    if settings.epochs < 1:
        raise NasError(f"--epochs must be >= 1, got {settings.epochs}")
    if not Path(settings.space).exists():
        raise SpaceError(f"{settings.space}: no such space file (see search_spaces/)")
    return settings


__all__ = ["SearchSettings", "SearchSummary", "run_search", "settings_from", "worker"]
