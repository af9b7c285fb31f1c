"""Static checks of a space that need more than one key: channel widths vs HetConv parts."""

from __future__ import annotations

from nas.arch.families import FAMILY_TABLE
from nas.arch.notation import decode_block
from nas.space.problem import KeyProblem
from nas.space.spec import Dim, SpaceSpec, choices
from nas.space.widths import round_channels


def _where(value: object, fallback: str) -> str:
    return value.where if isinstance(value, Dim) else fallback


def check_channels(spec: SpaceSpec) -> None:
    """Every HetConv part must divide every width its convs can see (input and output).

    Raises:
        KeyProblem: e.g. ``stages[2].hetconv_p: 16 does not divide 40 channels``.
    """
    widths = choices(spec.width)
    previous = {round_channels(c * w) for c in choices(spec.stem.channels) for w in widths}  # type: ignore[operator]
    for stage in spec.stages:
        if stage.blocks:
            outs = [decode_block(t)[0].out for t in stage.blocks]
            last = next((o for o in reversed(outs) if o is not None), None)
            previous = {last} if last is not None else previous
            continue
        current = {round_channels(c * w) for c in choices(stage.channels) for w in widths}  # type: ignore[operator]
        families = choices(stage.family)
        # ResHet's HetConv runs on its hidden width, which sampling rounds to a multiple of P.
        if any(f in ("conv", "basic") and "part" in FAMILY_TABLE[f].options for f in families):  # type: ignore[index]
            for part in choices(stage.hetconv_p):
                for width in sorted(previous | current):
                    if part > 1 and width % part:  # type: ignore[operator]
                        where = _where(stage.hetconv_p, f"stages[{stage.index}].hetconv_p")
                        raise KeyProblem(where, f"{part} does not divide {width} channels")
        previous = current
