"""``nas finalize``: retrain a study's best architectures with the full recipe; record test accuracy."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from nas.cli.train import add_recipe_options

if TYPE_CHECKING:
    import optuna


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "finalize",
        help="retrain a study's best architectures with the full recipe and record their test accuracy",
        description=(
            "Pick trials of a study (by default a spread of the Pareto front of validation accuracy vs "
            "cost: the most accurate, the cheapest, and the rest spaced along FLOPs), train each on the "
            "whole training set of the study's data set with the full recipe of 'nas train' (checkpoint "
            "after every epoch in WEIGHTS-DIR/trial-N), evaluate it once on the test split and record the "
            "result in the study. Optuna cannot change a finished trial, so each finalisation is a trial of "
            "its own (PRUNED, user attrs finalizes=N, test_accuracy, recipe, train_time_s, weights), which "
            "'nas status', the report and any Optuna client can read. Re-running resumes: finalised trials "
            "are skipped and an interrupted one continues from its checkpoint. Several --jobs, or hosts on "
            "one PostgreSQL storage, share the work without training a trial twice; a finalisation whose "
            "worker went silent for longer than the study's grace period is taken over."
        ),
    )
    p.add_argument("study", metavar="STUDY", help="study name (as printed by 'nas search')")
    p.add_argument("--storage", metavar="URL", help="Optuna storage URL holding the study (default: "
                   "sqlite:///studies/STUDY.db, which must exist)")
    pick = p.add_mutually_exclusive_group()
    pick.add_argument("--top", metavar="K", default="3",
                      help="finalise K Pareto-optimal searched trials spread across the FLOPs range "
                           "(default: %(default)s)")
    pick.add_argument("--trials", metavar="LIST",
                      help="finalise these trials instead, e.g. 3,7,12 (searched or baseline trials that were "
                           "trained; over-budget baselines too)")
    p.add_argument("--with-presets", action="store_true",
                   help="also finalise the study's preset baselines that were trained and fit its budget "
                        "(name an over-budget one with --trials to finalise it)")
    add_recipe_options(p)
    p.add_argument("--jobs", metavar="J",
                   help="worker processes on this host, each training one trial at a time (default: as nas search, "
                        "two one-thread workers on a CPU with two or more cores, one on a GPU; never more than "
                        "the trials to finalise)")
    p.add_argument("--weights-dir", metavar="DIR",
                   help="folder of the runs: each trial trains in DIR/trial-N (default: runs/STUDY)")
    p.add_argument("--threads", metavar="N", help="torch CPU threads per job (default: cores / jobs)")
    p.add_argument("--data-dir", metavar="DIR", help="where the study's data set's files are (default: the "
                   "data set's usual place; the study stores the data set's name, not its folder)")
    p.add_argument("--device", metavar="DEV", help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bars (a line per epoch instead, as when the output is no terminal)")
    p.set_defaults(run=run)


def parse_trials(text: str) -> list[int]:
    """``"3,7,12"`` -> ``[3, 7, 12]`` (each once, in the order given).

    Raises:
        NasError: for an empty list or an entry that is not a trial number.
    """
    from nas.errors import NasError

    numbers: list[int] = []
    for token in text.split(","):
        token = token.strip()
        if not token.isdigit() or not token.isascii():
            raise NasError(f"--trials: expected trial numbers separated by commas, e.g. 3,7,12, got {text!r}")
        if int(token) not in numbers:
            numbers.append(int(token))
    return numbers


def run(args: argparse.Namespace) -> int:
    import os

    import optuna

    from nas.arch.io import from_dict
    from nas.cli.options import count
    from nas.cli.train import check_recipe, recipe_settings
    from nas.cpus import usable_cpus
    from nas.data import load_dataset
    from nas.errors import NasError, StorageError
    from nas.finalize.run import Plan, run_jobs, work
    from nas.finalize.select import select
    from nas.search import attrs as A
    from nas.search.record import read_records, study_objectives
    from nas.search.settings import default_jobs
    from nas.search.storage import check_sqlite_file, hide_password, sqlite_file
    from nas.search.study import nas_attrs
    from nas.study.files import study_files
    from nas.study_io import open_stored
    from nas.train.device import MAX_THREADS, pick_device
    from nas.train.full import adapt_config

    # Every check happens before the study is written to: a refused command leaves it as it was.
    check_recipe(args)
    jobs = count(args.jobs, "--jobs", 1, 256) if args.jobs is not None else None
    threads = count(args.threads, "--threads", 1, MAX_THREADS) if args.threads is not None else None
    top = count(args.top, "--top", 1) if args.trials is None else 0
    trials = parse_trials(args.trials) if args.trials is not None else None
    pick_device(args.device)
    study, _, url = open_stored(args.study, args.storage, sampler=optuna.samplers.RandomSampler())
    stored = nas_attrs(study, hide_password(url), wait_s=0)
    path = sqlite_file(url)
    if path is not None:
        try:
            check_sqlite_file(path, create=True)
        except StorageError as exc:
            raise NasError(str(exc).replace("this command writes to the study", "nas finalize records results "
                                            "in the study")) from None
    records = read_records(study)
    chosen = select(records, study_objectives(study), args.study, top=top, trials=trials,
                    with_presets=args.with_presets)
    settings = stored[A.STUDY_SETTINGS]
    dataset = str(settings.get("dataset") or "fashion-mnist")
    data = load_dataset(dataset, args.data_dir)
    for record in chosen:
        try:
            adapt_config(from_dict(record.arch or {}), data)
        except NasError as exc:
            raise NasError(f"trial {record.number}: {exc}") from None
    run_settings = stored.get(A.STUDY_RUN) or {}
    weights_dir = args.weights_dir or str(study_files(args.study).runs)
    if os.path.exists(weights_dir) and not os.path.isdir(weights_dir):
        raise NasError(f"--weights-dir: {weights_dir} is a file; give a folder")
    if jobs is None:
        jobs = max(1, min(default_jobs(), len(chosen)))
    cores = usable_cpus()
    bars = not args.no_progress and jobs == 1 and sys.stderr.isatty()
    plan = Plan(
        study=args.study, url=url, targets=tuple(r.number for r in chosen), recipe=recipe_settings(args),
        weights_dir=weights_dir, dataset=dataset, data_dir=args.data_dir,
        device=args.device, threads=threads or (max(1, cores // jobs) if jobs > 1 else None),
        heartbeat=float(run_settings.get("heartbeat", 30)), grace=float(run_settings.get("grace", 120)),
        bars=bars, epoch_lines=not bars,
    )
    print(f"nas finalize: {len(chosen)} trial(s) of {args.study}: {', '.join(str(n) for n in plan.targets)}; "
          f"{plan.recipe.epochs} epochs each on {data.name} ({len(data.train_y)} training images); "
          f"runs in {weights_dir}", file=sys.stderr, flush=True)
    if jobs == 1:
        work(plan, 0, data)
    else:
        run_jobs(plan, jobs)
    return _summary(study, plan.targets)


def _summary(study: optuna.Study, targets: tuple[int, ...]) -> int:
    """Print each chosen trial's result; 0 when every one is finalised, else 1."""
    from nas.search.record import read_records
    from nas.units import format_count

    by_number = {r.number: r for r in read_records(study)}
    missing = []
    for n in targets:
        r = by_number[n]
        label = r.baseline or r.notation
        if r.final is None:
            missing.append(n)
            print(f"trial {n:>4}  not finalised  val {r.accuracy or 0:.2%}  FLOPs {format_count(r.flops or 0)}  {label}")
            continue
        epochs = (r.final.recipe or {}).get("epochs", "?")
        print(f"trial {n:>4}  test {r.final.test_accuracy:.2%}  val {r.accuracy or 0:.2%}  "
              f"FLOPs {format_count(r.flops or 0)}  {epochs} epochs  {r.final.train_time_s or 0:.0f} s  "
              f"{r.final.weights}  {label}")
    if missing:
        print(f"nas finalize: {len(missing)} trial(s) not finalised ({', '.join(map(str, missing))}); see the lines "
              "above, and re-run the same command to retry", file=sys.stderr)
        return 1
    return 0
