"""Every architecture of a small space, listed by running the sampler on each choice set."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from nas.arch.config import ArchConfig

#: The largest space :func:`every_architecture` lists (beyond it a sample says more per second).
MAX_LISTED = 2_000


class _OdometerChooser:
    """Asks every dimension by a forced index list (extended with 0s), recording how many
    choices each one asked had."""

    def __init__(self, forced: list[int]) -> None:
        self.forced = forced
        self.asked: list[int] = []
        self.params: dict[str, Any] = {}

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        if name not in self.params:
            i = len(self.asked)
            options = list(choices)
            self.asked.append(len(options))
            self.params[name] = options[self.forced[i] if i < len(self.forced) else 0]
        return self.params[name]


def every_architecture(space: Any) -> Iterator[ArchConfig]:
    """Each distinct architecture of ``space`` (a :class:`~nas.space.SearchSpace`) once, in the
    order of its choice sets; a space with more than :data:`MAX_LISTED` is the caller's to refuse."""
    seen: set[str] = set()
    forced: list[int] = []
    while True:
        chooser = _OdometerChooser(forced)
        config = space.sample(chooser)
        if config.notation() not in seen:
            seen.add(config.notation())
            yield config
        indices = [forced[i] if i < len(forced) else 0 for i in range(len(chooser.asked))]
        while indices and indices[-1] + 1 >= chooser.asked[len(indices) - 1]:
            indices.pop()
        if not indices:
            return
        indices[-1] += 1
        forced = indices


__all__ = ["MAX_LISTED", "every_architecture"]
