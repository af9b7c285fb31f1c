"""``nas.profile``: the costs ``nas profile`` prints, as a record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nas import options as O

if TYPE_CHECKING:
    from nas.arch.config import ArchConfig
    from nas.cost.profile import Profile

#: ``nas profile``'s options (those that change what is measured).
OPTIONS = ("input", "classes", "no_latency", "no_memory", "repeats", "threads")


def profile_config(arch: Any, **options: Any) -> tuple[ArchConfig, Profile]:
    """The architecture ``arch`` names (re-targeted as asked) and its costs (see :func:`profile`)."""
    from nas.api.arch import resolve_arch
    from nas.blocks import build_model
    from nas.cost import profile_model, safe_cost

    O.check_known(options, OPTIONS, "nas.profile")
    repeats = O.count(30 if options.get("repeats") is None else options["repeats"], "--repeats", maximum=100_000)
    threads = O.count(1 if options.get("threads") is None else options["threads"], "--threads", maximum=1024)
    no_latency = O.flag(options.get("no_latency"), "--no-latency")
    no_memory = O.flag(options.get("no_memory"), "--no-memory")
    config = resolve_arch(arch, options.get("input"), options.get("classes"))
    safe_cost(config)  # refuses, in one line, an architecture too large to build
    cost = profile_model(build_model(config), config.input_shape, latency=not no_latency, memory=not no_memory,
                         latency_repeats=repeats, threads=threads)
    return config, cost


def profile(arch: Any, **options: Any) -> Profile:
    """FLOPs, params, batch-1 CPU latency and training-step activation memory, as ``nas profile``
    measures them (its counting conventions are in ``nas profile --help``).

    Args:
        arch: an :class:`~nas.ArchConfig`, a preset name or a config YAML file.
        **options: ``input="3x32x32"``, ``classes=100``, ``no_latency=True``, ``no_memory=True``,
            ``repeats=30`` (timed forwards), ``threads=1`` (latency threads).

    Returns:
        The :class:`~nas.cost.profile.Profile` (``flops``, ``params``, ``latency``, ``stages``, ...).

    Raises:
        NasError: for a bad option or architecture, with ``nas profile``'s one-line message.
    """
    return profile_config(arch, **options)[1]


__all__ = ["OPTIONS", "profile", "profile_config"]
