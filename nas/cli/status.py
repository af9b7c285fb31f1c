"""``nas status``: one screen on a study: trial states, best so far, workers seen recently."""

from __future__ import annotations

import argparse
import datetime as dt


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="show a study's progress: trial states, best so far, workers seen recently",
        description="Show a study's trials by state, its best trials so far and the workers seen recently.",
    )
    p.add_argument("study", metavar="STUDY", help="study name")
    p.add_argument("--storage", metavar="URL", help="Optuna storage URL (default: sqlite:///studies/STUDY.db)")
    p.add_argument("--recent", type=float, default=10.0, metavar="MIN",
                   help="a worker counts as recent if it ran a trial in the last MIN minutes (default 10)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import optuna

    from nas.search.budget import format_count
    from nas.search.run import count_states
    from nas.study_io import load_study

    study = load_study(args.study, args.storage)
    optuna.storages.fail_stale_trials(study)
    counts = count_states(study)
    settings = study.user_attrs.get("settings", {})
    target = study.user_attrs.get("target_trials")
    print(f"study {study.study_name}: {settings.get('space', '?')} on {settings.get('dataset', '?')}, "
          f"budget {format_count(settings['max_flops']) if 'max_flops' in settings else '?'} FLOPs")
    print(f"trials: {counts['complete']}{f'/{target}' if target else ''} complete, {counts['running']} running, "
          f"{counts['failed']} failed, {counts['infeasible']} over budget, {counts['pruned']} pruned (duplicates/surplus)")
    trials = study.get_trials(deepcopy=False)
    done = [t for t in trials if t.state.name == "COMPLETE" and not t.user_attrs.get("baseline")]
    if done:
        print("best so far:")
        best = sorted(study.best_trials, key=lambda t: -t.values[0])
        for t in [t for t in best if not t.user_attrs.get("baseline")][:5]:
            print(f"  trial {t.number:>4}  acc {t.values[0]:.2%}  FLOPs {format_count(t.user_attrs.get('flops', 0))}  "
                  f"{t.user_attrs.get('notation', '')}")
    now = dt.datetime.now()
    seen: dict[str, tuple[dt.datetime, int, bool]] = {}
    for t in trials:
        worker = t.user_attrs.get("worker")
        when = t.datetime_complete or t.datetime_start
        if not worker or when is None:
            continue
        last, n, running = seen.get(worker, (when, 0, False))
        seen[worker] = (max(last, when), n + 1, running or t.state.name == "RUNNING")
    recent = {w: v for w, v in seen.items() if v[2] or now - v[0] <= dt.timedelta(minutes=args.recent)}
    print(f"workers seen in the last {args.recent:g} min: {len(recent)}")
    for worker, (last, n, running) in sorted(recent.items()):
        state = "running a trial" if running else f"last trial {int((now - last).total_seconds())} s ago"
        print(f"  {worker:<28} {n:>4} trials  {state}")
    return 0
