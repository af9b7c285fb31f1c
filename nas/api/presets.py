"""``nas.list_presets``: the papers' networks available as presets, as ``nas presets`` lists them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nas.arch.config import ArchConfig


@dataclass(frozen=True)
class PresetInfo:
    """One preset: a paper's network as a config in the search space.

    Attributes:
        name: the preset's name (what ``nas profile`` / ``nas.profile`` take).
        paper: the paper it comes from ("" if none is recorded).
        input: its input shape ``(C, H, W)``.
        classes: its number of classes.
        blocks: its blocks, the stem included.
        config: the architecture itself (``nas.build_model(info.config)`` builds it).
    """

    name: str
    paper: str
    input: tuple[int, ...]
    classes: int
    blocks: int
    config: ArchConfig = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """As ``nas presets --json`` prints it (the input as ``CxHxW``)."""
        return {"name": self.name, "paper": self.paper, "input": "x".join(map(str, self.input)),
                "classes": self.classes, "blocks": self.blocks}


def list_presets() -> tuple[PresetInfo, ...]:
    """Every preset, in the order ``nas presets`` lists them."""
    from nas.presets import PRESETS

    return tuple(_info(name, make()) for name, make in PRESETS.items())


def _info(name: str, config: ArchConfig) -> PresetInfo:
    """What ``nas presets`` shows of the preset ``name`` built as ``config``."""
    from nas.presets import paper_of

    return PresetInfo(name, paper_of(name), tuple(config.input_shape), config.num_classes, len(config.blocks) + 1,
                      config)


__all__ = ["PresetInfo", "list_presets"]
