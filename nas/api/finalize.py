"""``nas.finalize``: retrain a study's chosen trials with the full recipe, as ``nas finalize``."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from nas import options as O
from nas.api.recipe import RECIPE, recipe_from
from nas.errors import NasError

if TYPE_CHECKING:
    from nas.data import ImageData
    from nas.finalizing.run import Plan
    from nas.study.record import TrialRecord

#: ``nas finalize``'s options besides the recipe's (:data:`nas.api.recipe.RECIPE`).
OPTIONS = ("storage", "top", "trials", "with_presets", "retrain", "jobs", "weights_dir", "threads", "data_dir",
           "device", "no_progress")


def parse_trials(value: object) -> list[int]:
    """``"3,7,12"`` or ``[3, 7, 12]`` -> ``[3, 7, 12]`` (each once, in the order given).

    Raises:
        NasError: for an empty list or an entry that is not a trial number.
    """
    tokens = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else None
    if tokens is None:
        raise NasError(f"--trials: expected trial numbers separated by commas, e.g. 3,7,12, got {value!r}")
    numbers: list[int] = []
    for token in tokens:
        token = str(token).strip() if not isinstance(token, bool) else ""
        if not token.isdigit() or not token.isascii():
            raise NasError(f"--trials: expected trial numbers separated by commas, e.g. 3,7,12, got {value!r}")
        if int(token) not in numbers:
            numbers.append(int(token))
    if not numbers:
        raise NasError(f"--trials: expected trial numbers separated by commas, e.g. 3,7,12, got {value!r}")
    return numbers


def plan_finalize(study: Any, **options: Any) -> tuple[Plan, ImageData, int]:
    """Check every option and the study, choose the trials and plan their training; nothing is
    written to the study (a refused call leaves it as it was).

    Returns:
        The plan, the loaded data set and the number of worker processes.

    Raises:
        NasError: naming the first problem.
    """
    import optuna

    from nas.api.study import Study
    from nas.arch.io import from_dict
    from nas.cpus import usable_cpus
    from nas.data import load_dataset
    from nas.errors import StorageError
    from nas.finalizing.folders import unit_folders
    from nas.finalizing.run import Plan
    from nas.finalizing.select import select
    from nas.searching.settings import default_jobs
    from nas.study import attrs as A
    from nas.study.files import study_files
    from nas.study.record import read_records, study_objectives
    from nas.study.storage import check_sqlite_file, hide_password, sqlite_file
    from nas.study.stored import nas_attrs, open_stored
    from nas.training.device import MAX_THREADS, pick_device
    from nas.training.full import adapt_config

    O.check_known(options, [*OPTIONS, *RECIPE], "nas.finalize")
    recipe = recipe_from(options)
    jobs = None if options.get("jobs") is None else O.count(options["jobs"], "--jobs", 1, 256)
    threads = None if options.get("threads") is None else O.count(options["threads"], "--threads", 1, MAX_THREADS)
    if options.get("trials") is not None and options.get("top") is not None:
        raise NasError("--top and --trials: give one of them (a number of front members, or the trials)")
    trials = None if options.get("trials") is None else parse_trials(options["trials"])
    top = 0 if trials is not None else O.count(3 if options.get("top") is None else options["top"], "--top", 1)
    with_presets = bool(O.flag(options.get("with_presets"), "--with-presets"))
    retrain = bool(O.flag(options.get("retrain"), "--retrain"))
    device = O.text(options.get("device"), "--device")
    data_dir = O.text(options.get("data_dir"), "--data-dir")
    no_progress = bool(O.flag(options.get("no_progress"), "--no-progress"))
    pick_device(device)
    if isinstance(study, Study):
        name, storage = study.name, study.storage
    else:
        name, storage = O.text(study, "STUDY") or "", O.text(options.get("storage"), "--storage")
    stored_study, _, url = open_stored(name, storage, sampler=optuna.samplers.RandomSampler())
    stored = nas_attrs(stored_study, hide_password(url), wait_s=0)
    path = sqlite_file(url)
    if path is not None:
        try:
            check_sqlite_file(path, create=True)
        except StorageError as exc:
            raise NasError(str(exc).replace("this command writes to the study", "nas finalize records results "
                                            "in the study")) from None
    records = read_records(stored_study)
    chosen = select(records, study_objectives(stored_study), name, top=top, trials=trials, with_presets=with_presets)
    settings = stored[A.STUDY_SETTINGS]
    dataset = str(settings.get("dataset") or "fashion-mnist")
    data = load_dataset(dataset, data_dir)
    configs = []
    for record in chosen:
        try:
            configs.append((record, adapt_config(from_dict(record.arch or {}), data)))
        except NasError as exc:
            raise NasError(f"trial {record.number}: {exc}") from None
    run_settings = stored.get(A.STUDY_RUN) or {}
    grace = float(run_settings.get("grace", 120))
    weights_dir = O.text(options.get("weights_dir"), "--weights-dir") or str(study_files(name).runs)
    if os.path.exists(weights_dir) and not os.path.isdir(weights_dir):
        raise NasError(f"--weights-dir: {weights_dir} is a file; give a folder")
    folders = unit_folders(configs, records, data, recipe, weights_dir, grace, retrain)
    if jobs is None:
        jobs = max(1, min(default_jobs(), len(chosen)))
    cores = usable_cpus()
    bars = not no_progress and jobs == 1 and (sys.stderr.isatty() or "ipykernel" in sys.modules)
    plan = Plan(
        study=name, url=url, targets=tuple(r.number for r in chosen), recipe=recipe,
        weights_dir=weights_dir, dataset=dataset, data_dir=data_dir,
        device=device, threads=threads or (max(1, cores // jobs) if jobs > 1 else None),
        heartbeat=float(run_settings.get("heartbeat", 30)), grace=grace,
        bars=bars, epoch_lines=not bars, folders=folders,
    )
    return plan, data, jobs


def finalize(study: Any, **options: Any) -> tuple[TrialRecord, ...]:
    """Train a study's chosen trials with the full recipe and record their test accuracy in the
    study, as ``nas finalize`` does (re-running resumes; several jobs share the work).

    A trial finalised with another recipe is refused unless ``retrain=True``, which trains it with
    this recipe too and keeps both results (each a finalisation trial of its own).

    Args:
        study: a :class:`~nas.Study` or a study name (then ``storage=`` names its storage).
        **options: ``nas finalize``'s options by their long names with underscores: ``top=3`` or
            ``trials=[3, 7]``, ``with_presets=True``, ``retrain=True``, ``jobs=``, ``weights_dir=``,
            ``threads=``, ``data_dir=``, ``device=``, ``no_progress=True``, ``storage=`` and the
            recipe's (``epochs=15``, ``lr=0.1``, ...; see :func:`nas.train`).

    Returns:
        The chosen trials' records as stored afterwards, in the order chosen; ``record.final``
        holds the result with this recipe (``None`` for one that did not finish).

    Raises:
        NasError: for a bad option or study, with the one-line message ``nas finalize`` prints,
            and when a worker process ended badly and trials are left undone.
    """
    from dataclasses import replace

    from nas.finalizing.claims import unit_state
    from nas.finalizing.run import judge_jobs, run_jobs, work
    from nas.study.record import read_records
    from nas.study.stored import load_study

    plan, data, jobs = plan_finalize(study, **options)
    print(f"nas finalize: {len(plan.targets)} trial(s) of {plan.study}: {', '.join(str(n) for n in plan.targets)}; "
          f"{plan.recipe.epochs} epochs each on {data.name} ({len(data.train_y)} training images); "
          f"runs in {plan.weights_dir}", file=sys.stderr, flush=True)
    codes: list[int | None] = []
    if jobs == 1:
        work(plan, 0, data)
    else:
        codes = run_jobs(plan, jobs)
    records = read_records(load_study(plan.study, plan.url))
    by_number = {r.number: r for r in records}
    done = {n: unit_state(records, n, plan.grace, settings=plan.recipe).done for n in plan.targets}
    note = judge_jobs(codes, [n for n in plan.targets if done[n] is None])
    if note is not None:
        print(f"nas finalize: note: {note}", file=sys.stderr, flush=True)
    return tuple(replace(by_number[n], final=None if done[n] is None else done[n].final) for n in plan.targets)


__all__ = ["OPTIONS", "finalize", "parse_trials", "plan_finalize"]
