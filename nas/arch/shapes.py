"""Shape inference and validation of architecture configs.

``infer_shapes`` walks the network once, block by block, and is the single place that knows
each block's input and output shape; the builder uses it to wire blocks, and ``validate``
uses it to refuse impossible configs with an error that names the field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from nas.arch.config import ArchConfig, BlockConfig
from nas.arch.families import FAMILY_TABLE, OPTION_FIELDS
from nas.arch.limits import (
    MAX_BLOCKS,
    MAX_CHANNELS,
    MAX_CLASSES,
    MAX_GHOST_RATIO,
    MAX_IN_CHANNELS,
    MAX_KERNEL,
    MAX_RATIO,
    MAX_RESOLUTION,
    MAX_STRIDE,
)
from nas.arch.vocab import (
    ACTIVATIONS,
    ATTENTIONS,
    DEFORMS,
    FAMILIES,
    HEAD_NORMS,
    SHORTCUTS,
)
from nas.errors import ConfigError


@dataclass(frozen=True)
class BlockShape:
    """Where a block sits and what it maps: ``(in_channels, in_size) -> (out_channels, out_size)``."""

    where: str
    block: BlockConfig
    in_channels: int
    in_size: int
    out_channels: int
    out_size: int


def out_size(block: BlockConfig, size: int) -> int:
    """Spatial output size of a block for a square input of side ``size``."""
    if FAMILY_TABLE[block.kind].padded:
        return -(-size // block.stride)
    return (size - block.kernel) // block.stride + 1


def check_block(block: BlockConfig, in_channels: int, size: int, where: str) -> tuple[int, int]:
    """Validate one block at its input; returns ``(out_channels, out_size)``.

    Raises:
        ConfigError: naming ``where`` and the field.
    """
    if block.kind not in FAMILIES:
        raise ConfigError(f"{where}.kind", f"unknown block family {block.kind!r}")
    fam = FAMILY_TABLE[block.kind]
    defaults = {f.name: f.default for f in fields(BlockConfig)}
    for field_name, option in OPTION_FIELDS.items():
        value = getattr(block, field_name)
        if value != defaults[field_name] and option not in fam.options:
            raise ConfigError(f"{where}.{field_name}", f"block family {block.kind!r} does not support {field_name}={value!r}")
    for name, most in (("kernel", MAX_KERNEL), ("stride", MAX_STRIDE), ("part", MAX_CHANNELS)):
        value = getattr(block, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
            raise ConfigError(f"{where}.{name}", f"expected an integer from 1 to {most:,}, got {value!r}")
    if fam.padded and block.kernel % 2 == 0:
        raise ConfigError(f"{where}.kernel", f"{block.kind} needs an odd kernel, got {block.kernel}")
    if fam.stride_one and block.stride != 1:
        raise ConfigError(f"{where}.stride", f"{block.kind} blocks keep their resolution (stride 1), got {block.stride}")
    if fam.needs_out and block.out is None:
        raise ConfigError(f"{where}.out", f"{block.kind} needs its output channels (c<N>)")
    if block.out is not None and (not isinstance(block.out, int) or not 1 <= block.out <= MAX_CHANNELS):
        raise ConfigError(f"{where}.out", f"expected an integer from 1 to {MAX_CHANNELS:,}, got {block.out!r}")
    out_channels = block.out_width(in_channels)
    if fam.keeps_channels and out_channels != in_channels:
        raise ConfigError(f"{where}.out", f"{block.kind} keeps its width: {out_channels} != input {in_channels}")
    if block.ghost and (not isinstance(block.ghost, int) or not 2 <= block.ghost <= MAX_GHOST_RATIO):
        raise ConfigError(f"{where}.ghost", f"Ghost ratio must be from 2 to {MAX_GHOST_RATIO}, got {block.ghost!r}")
    if block.attn not in ATTENTIONS:
        raise ConfigError(f"{where}.attn", f"expected one of {ATTENTIONS}, got {block.attn!r}")
    if block.deform not in DEFORMS:
        raise ConfigError(f"{where}.deform", f"expected one of {DEFORMS}, got {block.deform!r}")
    if block.deform != "none" and (block.part != 1 or block.ghost):
        raise ConfigError(f"{where}.deform", "a deformable conv cannot also be HetConv or Ghost")
    if block.act is not None and block.act not in ACTIVATIONS:
        raise ConfigError(f"{where}.act", f"expected one of {ACTIVATIONS}, got {block.act!r}")
    if block.expand is not None and not 0 < block.expand <= MAX_RATIO:  # NaN fails too
        raise ConfigError(f"{where}.expand", f"expected a ratio in (0, {MAX_RATIO:g}], got {block.expand!r}")
    if block.expand is not None and block.hidden is None and block.hidden_width(in_channels) > MAX_CHANNELS:
        raise ConfigError(f"{where}.expand", f"gives {block.hidden_width(in_channels):,} hidden channels (at most {MAX_CHANNELS:,})")
    if block.hidden is not None and (not isinstance(block.hidden, int) or not 1 <= block.hidden <= MAX_CHANNELS):
        raise ConfigError(f"{where}.hidden", f"expected an integer from 1 to {MAX_CHANNELS:,}, got {block.hidden!r}")
    if block.part > 1:
        _check_part(block, in_channels, out_channels, where)
    new_size = out_size(block, size)
    if new_size < 1:
        raise ConfigError(
            f"{where}.stride",
            f"{block.kind} with kernel {block.kernel} stride {block.stride} leaves nothing of a {size}x{size} input",
        )
    return out_channels, new_size


def _check_part(block: BlockConfig, in_channels: int, out_channels: int, where: str) -> None:
    # The channel counts a HetConv of this block sees, per family.
    if block.kind == "reshet":  # its HetConv maps hidden -> hidden
        widths = {"hidden": block.hidden_width(in_channels)}
    else:
        widths = {"input": in_channels, "output": out_channels}
    for label, width in widths.items():
        if width % block.part:
            raise ConfigError(f"{where}.part", f"{block.part} does not divide {width} {label} channels")


def infer_shapes(config: ArchConfig) -> list[BlockShape]:
    """Every block's input and output shape, stem first; validates as it goes."""
    shapes: list[BlockShape] = []
    channels, size = config.in_channels, config.resolution
    walk = [("stem", config.stem)]
    for i, stage in enumerate(config.stages):
        walk += [(f"stages[{i}].blocks[{j}]", b) for j, b in enumerate(stage.blocks)]
    for where, block in walk:
        out_c, out_s = check_block(block, channels, size, where)
        shapes.append(BlockShape(where, block, channels, size, out_c, out_s))
        channels, size = out_c, out_s
    return shapes


def validate(config: ArchConfig) -> None:
    """Raise :class:`ConfigError` naming the field if ``config`` cannot be built."""
    for name, most in (("in_channels", MAX_IN_CHANNELS), ("resolution", MAX_RESOLUTION), ("num_classes", MAX_CLASSES)):
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
            raise ConfigError(name, f"expected an integer from 1 to {most:,}, got {value!r}")
    if not config.stages:
        raise ConfigError("stages", "a network needs at least one stage")
    if len(config.blocks) > MAX_BLOCKS:
        raise ConfigError("stages", f"{len(config.blocks):,} blocks; a network may have at most {MAX_BLOCKS:,}")
    for i, stage in enumerate(config.stages):
        if not stage.blocks:
            raise ConfigError(f"stages[{i}].blocks", "a stage needs at least one block")
        if stage.shortcut not in SHORTCUTS:
            raise ConfigError(f"stages[{i}].shortcut", f"expected one of {SHORTCUTS}, got {stage.shortcut!r}")
    head = config.head
    if head.hidden is not None and (not isinstance(head.hidden, int) or not 1 <= head.hidden <= MAX_CHANNELS):
        raise ConfigError("head.hidden", f"expected an integer from 1 to {MAX_CHANNELS:,}, got {head.hidden!r}")
    if head.act not in ACTIVATIONS:
        raise ConfigError("head.act", f"expected one of {ACTIVATIONS}, got {head.act!r}")
    if head.norm not in HEAD_NORMS:
        raise ConfigError("head.norm", f"expected one of {HEAD_NORMS}, got {head.norm!r}")
    if not 0.0 <= head.dropout < 1.0:
        raise ConfigError("head.dropout", f"expected a value in [0, 1), got {head.dropout!r}")
    infer_shapes(config)
