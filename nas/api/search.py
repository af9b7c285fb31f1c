"""``nas.search``: the search of ``nas search``, from Python."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from nas import options as O

if TYPE_CHECKING:
    from nas.api.study import Study


def _counted(value: object, option: str) -> int | None:
    from nas.searching.budget import parse_count

    return None if value is None else parse_count(value if isinstance(value, (int, float, str)) else str(value),
                                                  option)


def _objectives(value: object, option: str) -> tuple[str, ...] | None:
    from nas.study.objectives import parse_objectives

    if value is None:
        return None
    if isinstance(value, str):
        return parse_objectives(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return parse_objectives(",".join(value))
    raise O.OptionError(f"{option}: expected a comma list such as 'accuracy,flops', got {value!r}")


def _prescreen(value: object, option: str) -> int | None:
    from nas.searching.prescreen import MAX_K

    return None if value is None else O.count(value, option, 0, MAX_K)


#: ``nas search``'s options (long names with underscores) and how each value is read.
OPTIONS: dict[str, Callable[[object, str], Any]] = {
    "max_params": _counted, "trials": O.integer, "timeout": O.number, "study": O.text, "storage": O.text,
    "dataset": O.text, "data_dir": O.text, "download": O.flag, "epochs": O.integer, "train_subset": O.integer,
    "fidelity": O.text, "eta": O.integer, "min_epochs": O.integer, "min_train_subset": O.integer,
    "val_size": O.integer, "batch_size": O.integer, "seed": O.integer, "jobs": O.integer, "threads": O.integer,
    "sampler": O.text, "objectives": _objectives, "with_presets": O.flag, "preset_max_flops": _counted,
    "heartbeat": O.integer, "grace": O.integer, "prescreen": _prescreen, "prescreen_proxy": O.text,
    "no_progress": O.flag,
}


def bars_wanted(no_progress: bool | None) -> bool:
    """Progress bars unless asked for none: on a terminal, and in a notebook (``tqdm.auto`` draws
    widgets there); elsewhere (a log file, CI) one line per step instead."""
    if no_progress:
        return False
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def search_settings(space: object, max_flops: object, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every search setting, typed, with those not given filled from a stored study of the same
    name (``None`` where neither gives one: the default).

    Raises:
        NasError: naming the first bad option.
    """
    from nas.searching.study import joined_settings

    O.check_known(options, ["space", "max_flops", *OPTIONS], "nas.search")
    given = {name: read(options.get(name), O.flag_name(name)) for name, read in OPTIONS.items()}
    bars = bars_wanted(given.pop("no_progress"))
    given.update(space=O.text(space, "SPACE"), max_flops=_counted(max_flops, "--max-flops"),
                 progress=bars, trial_lines=not bars)
    return joined_settings(given)


def search(space: object = None, *, max_flops: object = None, **options: Any) -> Study:
    """Run (or resume, or join) a search, as ``nas search`` does, and return its study.

    Args:
        space: a search-space YAML file; ``None`` to join a stored study (``study=`` and
            ``storage=`` name it) with its stored settings.
        max_flops: the hard FLOPs budget, e.g. ``"5M"`` or ``5_000_000`` (required for a new study).
        **options: ``nas search``'s options by their long names with underscores (``trials=24``,
            ``epochs=3``, ``dataset="fashion-mnist"``, ``storage=...``, ``jobs=2``,
            ``fidelity="asha"``, ``prescreen=4``, ``no_progress=True``, ...), with the same
            defaults; a study started here resumes from the command line and the other way round.

    Returns:
        The study, with the search's :class:`~nas.searching.summary.SearchSummary` as ``summary``.

    Raises:
        NasError: for a bad option or setting, with the one-line message ``nas search`` prints.
    """
    from nas.api.study import Study
    from nas.searching.run import run_search, settings_from

    settings = settings_from(**search_settings(space, max_flops, options))
    summary = run_search(settings)
    return Study.open(settings.study_name, settings.storage, summary=summary)


__all__ = ["OPTIONS", "search", "search_settings"]
