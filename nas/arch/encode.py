"""Writing configs in the one-line block notation (the grammar is in ``notation.py``).

This module reads configs by their attributes only, so ``config.py`` can use it without an
import cycle; decoding, which builds configs, lives in ``notation.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from nas.arch.vocab import ACT_NAMES

if TYPE_CHECKING:
    from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig

MULTILEVEL = "ms:"


def _fmt_float(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def encode_block(block: BlockConfig, repeat: int = 1) -> str:
    """Write a block (optionally repeated) in the one-line notation."""
    parts = [block.kind]
    if block.kind != "hsstem":
        parts.append(f"k{block.kernel}")
    if block.stride != 1:
        parts.append(f"s{block.stride}")
    if block.hidden is not None:
        parts.append(f"x{block.hidden}")
    elif block.expand is not None:
        parts.append(f"e{_fmt_float(block.expand)}")
    if block.out is not None:
        parts.append(f"c{block.out}")
    if block.part != 1:
        parts.append(f"p{block.part}")
    if block.ghost:
        parts.append(f"g{block.ghost}")
    if block.factorize:
        parts.append("f")
    if block.attn != "none":
        parts.append(block.attn)
    if block.act is not None:
        parts.append(ACT_NAMES.get(block.act, block.act))
    if block.deform != "none":
        parts.append(block.deform)
    if repeat != 1:
        parts.append(f"r{repeat}")
    return "_".join(parts)


def encode_blocks(blocks: Sequence[BlockConfig]) -> list[str]:
    """Write a run of blocks, folding consecutive equal blocks into ``_rN``."""
    out: list[str] = []
    i = 0
    while i < len(blocks):
        j = i
        while j + 1 < len(blocks) and blocks[j + 1] == blocks[i]:
            j += 1
        out.append(encode_block(blocks[i], repeat=j - i + 1))
        i = j + 1
    return out


def encode_head(head: HeadConfig) -> str:
    parts = ["head"]
    if head.hidden is not None:
        parts.append(f"x{head.hidden}")
    parts.append(ACT_NAMES.get(head.act, head.act))
    if head.norm != "none":
        parts.append(head.norm)
    if head.dropout:
        parts.append(f"d{_fmt_float(head.dropout)}")
    return "_".join(parts)


def encode_stage(stage: StageConfig) -> str:
    text = " ".join(encode_blocks(stage.blocks))
    return f"{MULTILEVEL} {text}" if stage.shortcut == "stage" else text


def encode_arch(config: ArchConfig) -> str:
    """The whole architecture on one line (input and classes are not part of it)."""
    pieces = [encode_block(config.stem)]
    pieces += [encode_stage(s) for s in config.stages]
    pieces.append(encode_head(config.head))
    return " | ".join(pieces)
