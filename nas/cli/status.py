"""``nas status``: one screen on a study: trial states, best so far, workers seen recently."""

from __future__ import annotations

import argparse
import datetime as dt

#: The longest ``--recent`` window (a year, in minutes); more is a typo.
MAX_RECENT_MIN = 366 * 24 * 60


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
    from nas.errors import NasError
    from nas.searching.pareto import pareto_front
    from nas.searching.record import TrialKind as K
    from nas.searching.record import count_kinds, read_records, study_objectives
    from nas.searching.rungs import RungPlan
    from nas.searching.study import fail_stale
    from nas.searching.summary import count_finalized
    from nas.study_io import load_study, study_storage_url
    from nas.units import format_count

    if not 0 <= args.recent <= MAX_RECENT_MIN:
        raise NasError(f"--recent must be a number of minutes from 0 to {MAX_RECENT_MIN:,} (a year), got {args.recent}")
    study = load_study(args.study, args.storage)
    # Trials whose worker went silent for longer than the study's grace period are failed first.
    failed_now = fail_stale(args.study, study_storage_url(args.study, args.storage))
    records = read_records(study)
    searched = [r for r in records if not r.baseline]
    counts = count_kinds(searched)
    settings = study.user_attrs.get("settings", {})
    target = study.user_attrs.get("target_trials")
    print(f"study {study.study_name}: {settings.get('space', '?')} on {settings.get('dataset', '?')}, "
          f"budget {format_count(settings['max_flops']) if 'max_flops' in settings else '?'} FLOPs")
    plan = RungPlan.from_stored(settings.get("fidelity"))
    of = f"/{target}" if target else ""
    trained = (f"{counts[K.SEARCHED]}{of} complete" if plan is None else
               f"{counts[K.SEARCHED] + counts[K.STOPPED]}{of} screened, {counts[K.SEARCHED]} trained to the top "
               f"rung, {counts[K.STOPPED]} stopped at a lower rung")
    print(f"trials: {trained}, {counts[K.RUNNING]} running, "
          f"{counts[K.FAILED]} failed, {counts[K.OVER_BUDGET]} over budget, "
          f"{counts[K.DUPLICATE] + counts[K.SURPLUS]} pruned (duplicates/surplus)"
          + (f", {counts[K.SCREENED_OUT]} screened out by the zero-cost pre-screen "
             f"({settings.get('prescreen_proxy')}, 1 in {settings.get('prescreen')} trained)"
             if counts[K.SCREENED_OUT] else ""))
    grace = (study.user_attrs.get("run") or {}).get("grace")
    final = count_finalized(records, grace)
    if final["finalized"] or final["running"] or final["failed"]:
        silent = f" ({final['silent']} silent)" if final["silent"] else ""
        print(f"finalised (nas finalize): {final['finalized']} trials, {final['running']} being trained{silent}, "
              f"{final['failed']} finalisation jobs failed or withdrawn")
    if plan is not None:
        reached = [sum(1 for r in searched if r.kind != K.FAILED and len(r.rungs) > k) for k in range(len(plan.rungs))]
        print(f"trials that reached each rung (epochs x images, eta {plan.eta}): " + ", ".join(
            f"{r.epochs}x{'all' if r.images is None else r.images}: {n}" for r, n in zip(plan.rungs, reached)))
    best = pareto_front(records, study_objectives(study))
    if best:
        print("best so far:")
        for r in best[:5]:
            test = f"  test {r.final.test_accuracy:.2%}" if r.final is not None else ""
            print(f"  trial {r.number:>4}  acc {r.accuracy:.2%}{test}  FLOPs {format_count(r.flops or 0)}  {r.notation}")
    now = dt.datetime.now()
    seen: dict[str, tuple[dt.datetime, int, str]] = {}
    for r in records:
        when = r.finished or r.started
        if not r.worker or when is None:
            continue
        last, n, state = seen.get(r.worker, (when, 0, ""))
        if r.kind == K.RUNNING or (r.kind == K.FINAL and r.state == "RUNNING"):
            state = "running"
        elif r.number in failed_now and state != "running":
            state = "silent"
        seen[r.worker] = (max(last, when), n + 1, state)
    recent = {w: v for w, v in seen.items() if v[2] or now - v[0] <= dt.timedelta(minutes=args.recent)}
    print(f"workers seen in the last {args.recent:g} min: {len(recent)}")
    for worker, (last, n, state) in sorted(recent.items()):
        ago = int((now - last).total_seconds())
        text = ("running a trial" if state == "running" else
                f"silent: no heartbeat from its trial for longer than the grace period (trial failed), "
                f"last seen {ago} s ago" if state == "silent" else f"last trial {ago} s ago")
        print(f"  {worker:<28} {n:>4} trials  {text}")
    return 0
