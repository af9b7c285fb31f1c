"""``nas presets``: list the papers' networks available as presets."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "presets",
        help="list the papers' networks available as presets",
        description="List the presets: the papers' own networks, as configs in the search space.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.presets import list_presets

    rows = [p.to_dict() for p in list_presets()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows)
    print(f"{'preset':<{width}}  {'input':<9}  {'classes':>7}  {'blocks':>6}  paper")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['input']:<9}  {r['classes']:>7}  {r['blocks']:>6}  {r['paper']}")
    return 0
