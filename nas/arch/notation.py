"""The one-line block notation, in the spirit of timm's ``ir_r1_k3_s2_e4_c24`` strings.

A block is its family name followed by ``_``-separated options::

    bneck_k5_s2_x96_c40_se_hs     MobileNetV3 bneck, 5x5, stride 2, 96 hidden, 40 out, SE, h-swish
    conv_k3_c128_p4                VGG conv, 128 out, HetConv with part P=4
    reshet_k3_s2_e2_c64_p4_g2_eca  HSNet ResHet block, Ghost pointwise (ratio 2), ECA
    cnx_k3_c96_f_r3                3 ConvNeXt blocks with 3x1+1x3 factorized depthwise kernels

Options: ``k`` kernel, ``s`` stride, ``e`` expansion ratio, ``x`` hidden channels, ``c`` out
channels, ``p`` HetConv part, ``g`` Ghost ratio, ``f`` factorized kernel, ``se``/``eca``
attention, ``re``/``hs``/``ge``/``si``/``id`` activation, ``dc``/``ldc`` deformable,
``r`` repeat (only in stage lists). A head is written ``head_x1024_hs_bn_d0.2`` (hidden
width, activation, norm, dropout). A whole architecture is ``stem | stage | ... | head``, with
a stage's blocks separated by spaces and ``ms:`` before a stage with a stage-level shortcut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.encode import (
    MULTILEVEL,
    encode_arch,
    encode_block,
    encode_blocks,
    encode_head,
    encode_stage,
)
from nas.arch.limits import MAX_BLOCKS
from nas.arch.vocab import ACT_TOKENS, ATTENTIONS, DEFORMS, FAMILIES, HEAD_NORMS
from nas.errors import ConfigError

_INT_OPTS = {"k": "kernel", "s": "stride", "x": "hidden", "c": "out", "p": "part", "g": "ghost"}
_TOKEN = re.compile(r"^([a-z]+?)(\d+(?:\.\d+)?)?$")

__all__ = [
    "decode_arch", "decode_block", "decode_blocks", "decode_head", "encode_arch", "encode_block", "encode_blocks",
    "encode_head", "encode_stage",
]


def decode_block(text: str, where: str = "") -> tuple[BlockConfig, int]:
    """Parse one block string; returns the block and its repeat count.

    Raises:
        ConfigError: naming ``where`` and the bad token.
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(where, f"expected a block string like 'conv_k3_c64', got {text!r}")
    kind, *tokens = text.strip().split("_")
    if kind not in FAMILIES:
        raise ConfigError(where, f"unknown block family {kind!r} in {text!r} (known: {', '.join(FAMILIES)})")
    fields: dict[str, object] = {"kind": kind}
    repeat = 1
    seen: set[str] = set()
    for token in tokens:
        match = _TOKEN.match(token)
        name, number = (match.group(1), match.group(2)) if match else (token, None)
        key = name if number is None else name + "#"
        if key in seen:
            raise ConfigError(where, f"token {token!r} repeats an option in {text!r}")
        seen.add(key)
        if number is not None and name in _INT_OPTS and "." not in number:
            fields[_INT_OPTS[name]] = int(number)
        elif number is not None and name == "e":
            fields["expand"] = float(number)
        elif number is not None and name == "r" and "." not in number:
            repeat = int(number)
        elif number is None and name == "f":
            fields["factorize"] = True
        elif number is None and name in ATTENTIONS[1:]:
            if "attn" in fields:
                raise ConfigError(where, f"two attention options in {text!r}")
            fields["attn"] = name
        elif number is None and name in ACT_TOKENS:
            if "act" in fields:
                raise ConfigError(where, f"two activations in {text!r}")
            fields["act"] = ACT_TOKENS[name]
        elif number is None and name in DEFORMS[1:]:
            fields["deform"] = name
        else:
            raise ConfigError(where, f"unknown token {token!r} in {text!r}")
    if not 1 <= repeat <= MAX_BLOCKS:
        raise ConfigError(where, f"repeat must be from 1 to {MAX_BLOCKS:,} in {text!r}")
    return BlockConfig(**fields), repeat  # type: ignore[arg-type]


def decode_blocks(texts: Iterable[str], where: str = "") -> tuple[BlockConfig, ...]:
    """Parse a list of block strings, expanding ``_rN`` repeats."""
    blocks: list[BlockConfig] = []
    for i, text in enumerate(texts):
        block, repeat = decode_block(text, f"{where}[{i}]")
        blocks.extend([block] * repeat)
    return tuple(blocks)


def decode_head(text: str, where: str = "head") -> HeadConfig:
    if not isinstance(text, str) or not text.startswith("head"):
        raise ConfigError(where, f"expected a head string like 'head_x1024_hs_d0.2', got {text!r}")
    fields: dict[str, object] = {}
    for token in text.split("_")[1:]:
        match = _TOKEN.match(token)
        name, number = (match.group(1), match.group(2)) if match else (token, None)
        if name == "x" and number is not None and "." not in number:
            fields["hidden"] = int(number)
        elif name == "d" and number is not None:
            fields["dropout"] = float(number)
        elif number is None and name in ACT_TOKENS:
            fields["act"] = ACT_TOKENS[name]
        elif number is None and name in HEAD_NORMS[1:]:
            fields["norm"] = name
        else:
            raise ConfigError(where, f"unknown token {token!r} in {text!r}")
    return HeadConfig(**fields)  # type: ignore[arg-type]


def decode_arch(
    text: str, in_channels: int = 3, resolution: int = 224, num_classes: int = 1000, name: str = "arch"
) -> ArchConfig:
    """Parse :func:`encode_arch`'s line back into a config for the given input."""
    pieces = [p.strip() for p in text.split("|")]
    if len(pieces) < 3:
        raise ConfigError("", f"expected 'stem | stage | ... | head', got {text!r}")
    stem, _ = decode_block(pieces[0], "stem")
    stages = []
    for i, piece in enumerate(pieces[1:-1]):
        shortcut = "block"
        if piece.startswith(MULTILEVEL):
            shortcut, piece = "stage", piece[len(MULTILEVEL):]
        stages.append(StageConfig(decode_blocks(piece.split(), f"stages[{i}].blocks"), shortcut))
    return ArchConfig(
        stem=stem,
        stages=tuple(stages),
        head=decode_head(pieces[-1]),
        in_channels=in_channels,
        resolution=resolution,
        num_classes=num_classes,
        name=name,
    )
