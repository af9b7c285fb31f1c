"""What each block family accepts: its options, defaults and shape rule.

This table is the contract between configs and the block implementations in ``nas.blocks``:
validation (``shapes.py``) and the search space both read it, so a choice a family does not
support is refused before anything is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from nas.arch.vocab import ACTIVATIONS, OPTIONS

__all__ = ["ACTIVATIONS", "FAMILY_TABLE", "OPTION_FIELDS", "Family", "family", "supports"]


@dataclass(frozen=True)
class Family:
    """Rules of one block family.

    Attributes:
        name: the family (``BlockConfig.kind``).
        title: what it is, for help texts.
        options: the optional fields it accepts beyond ``kernel``/``stride``/``out``.
        default_act: activation when ``act`` is None.
        padded: True when spatial size is ``ceil(H / stride)`` (``kernel // 2`` padding);
            False for unpadded ops (``floor((H - kernel) / stride) + 1``).
        needs_out: whether ``out`` (``c``) is required.
        keeps_channels: whether the output width must equal the input width.
        stride_one: whether only stride 1 is allowed.
    """

    name: str
    title: str
    options: frozenset[str]
    default_act: str = "relu"
    padded: bool = True
    needs_out: bool = True
    keeps_channels: bool = False
    stride_one: bool = False


def _family(name: str, title: str, options: str, **kw: object) -> Family:
    return Family(name, title, frozenset(options.split()), **kw)  # type: ignore[arg-type]


FAMILY_TABLE: dict[str, Family] = {
    f.name: f
    for f in (
        _family("conv", "conv-BN-act (VGG); HetConv P, Ghost, deformable (DC/LDC) stem", "part ghost attn act deform"),
        _family("pool", "max pooling (VGG stage transition)", "", padded=False, needs_out=False),
        _family("basic", "CIFAR ResNet basic block, parameter-free shortcut", "part ghost attn act"),
        _family("bneck", "MobileNetV3 inverted residual (bneck)", "expand hidden ghost factorize attn act"),
        _family("ghost", "GhostNet bottleneck", "expand hidden ghost factorize attn act"),
        _family("reshet", "HSNet ResHet block (A: stride 1, B: downsampling)", "expand hidden part ghost attn act"),
        _family(
            "cnx", "ConvNeXt block (depthwise kxk, LN, MLP x4, layer scale)", "expand factorize attn act",
            default_act="gelu", keeps_channels=True, stride_one=True,
        ),
        _family("down", "ConvNeXt downsampling (LN + kxk/stride conv)", "", padded=False),
        _family("patch", "ConvNeXt patchify stem (kxk/stride conv + LN)", "", padded=False),
        _family("hsstem", "HSNet stem (conv, then depthwise-separable conv beside max pool)", "act"),
    )
}

#: BlockConfig field -> the option name used in the table above (the same names).
OPTION_FIELDS = {name: name for name in OPTIONS}


def family(name: str) -> Family:
    return FAMILY_TABLE[name]


def supports(kind: str, option: str) -> bool:
    """Whether block family ``kind`` accepts ``option`` (a BlockConfig field name)."""
    return option in FAMILY_TABLE[kind].options
