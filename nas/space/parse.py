"""Reading a search-space YAML file into a validated :class:`SpaceSpec`.

Every problem is a :class:`SpaceError` whose one line names the file and the key path::

    search_spaces/mine.yaml: stages[2].hetconv_p: 16 does not divide 40 channels

The file format (see ``search_spaces/lightweight.yaml`` for a full example)::

    name: mine
    input: dataset              # or CxHxW; the data set's shape is used at search time
    classes: dataset            # or an integer
    width: [0.75, 1.0]          # optional global width multiplier
    shared: {hetconv_p: [1, 2, 4]}   # one choice shared by every generated stage
    stem: {kind: [conv, ldc], channels: [16, 24], stride: 1}
    stages:
      - {family: [bneck, reshet], depth: [1, 2], channels: [24, 32], stride: 2, attn: [none, eca]}
      - {blocks: [bneck_k5_s2_x96_c40_se_hs, bneck_k5_x240_c40_se_hs], removable: [1]}
    head: {hidden: [null, 128], dropout: 0.1}

A list is a choice; a scalar is fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nas.arch.families import FAMILY_TABLE
from nas.arch.io import parse_input
from nas.arch.limits import (
    MAX_CHANNELS,
    MAX_CLASSES,
    MAX_DEPTH,
    MAX_GHOST_RATIO,
    MAX_KERNEL,
    MAX_RATIO,
)
from nas.arch.notation import decode_block
from nas.arch.safe_yaml import YamlProblem, load_yaml, read_text
from nas.arch.vocab import (
    ACTIVATIONS,
    ATTENTIONS,
    SHORTCUTS,
    STAGE_FAMILIES,
    STEM_KINDS,
)
from nas.errors import ConfigError, SpaceError
from nas.space.checks import check_channels
from nas.space.problem import KeyProblem as _Fail
from nas.space.spec import (
    Dim,
    GhostSpec,
    HeadSpec,
    Scalar,
    SpaceSpec,
    StageSpec,
    StemSpec,
    Value,
    choices,
)

_TOP_KEYS = ("name", "description", "input", "classes", "width", "shared", "stem", "stages", "head")
_STEM_KEYS = ("kind", "channels", "kernel", "stride", "act")
_GEN_KEYS = (
    "family", "depth", "channels", "stride", "kernel", "expand", "factorize", "hetconv_p", "ghost", "attn",
    "act", "shortcut",
)
_FIXED_KEYS = ("blocks", "removable", "shortcut")
_SHAREABLE = ("kernel", "expand", "factorize", "hetconv_p", "ghost", "attn", "act", "shortcut", "depth")
_HEAD_KEYS = ("hidden", "act", "dropout")

#: Stage key -> the family option (``nas.arch.families``) it needs.
FAMILY_OPTION = {"hetconv_p": "part", "ghost": "ghost", "factorize": "factorize", "expand": "expand", "attn": "attn"}


def _check(kind: str, where: str, value: object) -> Scalar:
    ok: bool
    if kind == "pos_int":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_CHANNELS
        want = f"an integer from 1 to {MAX_CHANNELS:,}"
    elif kind == "depth":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_DEPTH
        want = f"an integer from 1 to {MAX_DEPTH}"
    elif kind == "odd_int":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_KERNEL and value % 2 == 1
        want = f"an odd integer from 1 to {MAX_KERNEL}"
    elif kind == "pos_float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= MAX_RATIO  # not NaN
        want = f"a number in (0, {MAX_RATIO:g}]"
        value = float(value) if ok else value  # type: ignore[arg-type]
    elif kind == "bool":
        ok, want = isinstance(value, bool), "true or false"
    elif kind == "ratio":
        ok = isinstance(value, int) and not isinstance(value, bool) and (value == 0 or 2 <= value <= MAX_GHOST_RATIO)
        want = f"0 (off) or a Ghost ratio from 2 to {MAX_GHOST_RATIO}"
    elif kind == "hidden":
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_CHANNELS)
        want = f"null or an integer from 1 to {MAX_CHANNELS:,}"
    elif kind == "dropout":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1
        want = "a number in [0, 1)"
    else:  # an enumeration, "enum:a,b,c"
        options = kind.split(":", 1)[1].split(",")
        ok, want = value in options, f"one of {', '.join(options)}"
    if not ok:
        raise _Fail(where, f"expected {want}, got {value!r}")
    return value  # type: ignore[return-value]


def _value(raw: object, where: str, label: str, kind: str) -> Value:
    """A fixed scalar, or a Dim when ``raw`` is a list of choices."""
    if isinstance(raw, list):
        if not raw:
            raise _Fail(where, "empty choice list")
        choices = tuple(_check(kind, f"{where}[{i}]", v) for i, v in enumerate(raw))
        if len(set(choices)) != len(choices):
            raise _Fail(where, f"repeated choice in {raw!r}")
        return choices[0] if len(choices) == 1 else Dim(label, choices, where)
    if isinstance(raw, dict):
        raise _Fail(where, "expected a value or a list of choices, got a mapping")
    return _check(kind, where, raw)


def _mapping(raw: object, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        if not where:
            raise _Fail("", f"expected a mapping of keys (name, stem, stages, ...) at the top level, got {raw!r:.40}")
        raise _Fail(where, f"expected a mapping, got {type(raw).__name__}")
    for key in raw:
        if key not in keys:
            raise _Fail(f"{where}.{key}" if where else str(key), f"unknown key (known: {', '.join(keys)})")
    return raw


def _ghost(raw: object, where: str, label: str) -> GhostSpec:
    if isinstance(raw, dict):
        spec = _mapping(raw, where, ("use", "ratio"))
        return GhostSpec(
            use=_value(spec.get("use", [False, True]), f"{where}.use", label, "bool"),
            ratio=_value(spec.get("ratio", 2), f"{where}.ratio", f"{label}_ratio", "ratio"),
        )
    return GhostSpec(use=None, ratio=_value(raw, where, label, "ratio"))


def _stem(raw: object) -> StemSpec:
    spec = _mapping(raw, "stem", _STEM_KEYS)
    if "channels" not in spec:
        raise _Fail("stem.channels", "missing")
    return StemSpec(
        kind=_value(spec.get("kind", "conv"), "stem.kind", "stem.kind", "enum:" + ",".join(STEM_KINDS)),
        channels=_value(spec["channels"], "stem.channels", "stem.channels", "pos_int"),
        kernel=_value(spec.get("kernel", 3), "stem.kernel", "stem.kernel", "odd_int"),
        stride=_value(spec.get("stride", 1), "stem.stride", "stem.stride", "pos_int"),
        act=_value(spec.get("act", "relu"), "stem.act", "stem.act", "enum:" + ",".join(ACTIVATIONS)),
    )


_STAGE_KINDS: dict[str, str] = {
    "family": "enum:" + ",".join(STAGE_FAMILIES),
    "depth": "depth",
    "channels": "pos_int",
    "kernel": "odd_int",
    "expand": "pos_float",
    "factorize": "bool",
    "hetconv_p": "pos_int",
    "attn": "enum:" + ",".join(ATTENTIONS),
    "act": "enum:" + ",".join(ACTIVATIONS),
    "shortcut": "enum:" + ",".join(SHORTCUTS),
}


def _stage(raw: object, index: int, shared: dict[str, Value | GhostSpec]) -> StageSpec:
    where, prefix = f"stages[{index}]", f"s{index + 1}"
    if not isinstance(raw, dict):
        raise _Fail(where, f"expected a mapping, got {type(raw).__name__}")
    if "blocks" in raw:
        return _fixed_stage(_mapping(raw, where, _FIXED_KEYS), index)
    spec = _mapping(raw, where, _GEN_KEYS)
    for key in ("family", "channels"):
        if key not in spec:
            raise _Fail(f"{where}.{key}", "missing")
    fields: dict[str, Any] = dict(shared)
    for key, kind in _STAGE_KINDS.items():
        if key in spec:
            fields[key] = _value(spec[key], f"{where}.{key}", f"{prefix}.{key}", kind)
    if "ghost" in spec:
        fields["ghost"] = _ghost(spec["ghost"], f"{where}.ghost", f"{prefix}.ghost")
    stride = spec.get("stride", 1)
    if stride not in (1, 2) or isinstance(stride, bool):
        raise _Fail(f"{where}.stride", f"expected 1 or 2 (a stage's stride is fixed), got {stride!r}")
    stage = StageSpec(index=index, stride=stride, **fields)
    _check_family_support(stage, where, spec)
    return stage


def _check_family_support(stage: StageSpec, where: str, spec: dict[str, Any]) -> None:
    families = choices(stage.family)
    for key, option in FAMILY_OPTION.items():
        value = getattr(stage, key)
        if key == "ghost":
            used = value is not None and (any(choices(value.use)) if value.use is not None else any(choices(value.ratio)))
        elif key == "expand":
            used = value is not None
        else:
            used = any(v not in (1, False, "none") for v in choices(value))
        if used and not any(option in FAMILY_TABLE[f].options for f in families):
            at = f"{where}.{key}" if key in spec else f"shared.{key}"
            names = ", ".join(str(f) for f in families)
            raise _Fail(at, f"block family {names} does not support {key}")


def _fixed_stage(spec: dict[str, Any], index: int) -> StageSpec:
    where = f"stages[{index}]"
    blocks = spec["blocks"]
    if not isinstance(blocks, list) or not blocks:
        raise _Fail(f"{where}.blocks", "expected a non-empty list of block strings")
    decoded = []
    for i, text in enumerate(blocks):
        try:
            block, repeat = decode_block(text, f"{where}.blocks[{i}]")
        except ConfigError as exc:
            raise _Fail(exc.where, exc.message) from None
        if repeat != 1:
            raise _Fail(f"{where}.blocks[{i}]", "write removable stages without _r repeats")
        decoded.append(block)
    removable = spec.get("removable", [])
    if not isinstance(removable, list):
        raise _Fail(f"{where}.removable", "expected a list of block indices")
    for i in removable:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(blocks):
            raise _Fail(f"{where}.removable", f"{i!r} is not a block index of this stage (0-{len(blocks) - 1})")
        block = decoded[i]
        prev_out = decoded[i - 1].out if i > 0 else None
        if i == 0 or block.stride != 1 or (block.out is not None and block.out != prev_out):
            raise _Fail(f"{where}.removable", f"block {i} ({blocks[i]}) changes the shape and cannot be removed")
    shortcut = _value(spec.get("shortcut", "block"), f"{where}.shortcut", f"s{index + 1}.shortcut", _STAGE_KINDS["shortcut"])
    return StageSpec(index=index, blocks=tuple(blocks), removable=tuple(sorted(set(removable))), shortcut=shortcut)


def _head(raw: object) -> HeadSpec:
    spec = _mapping(raw, "head", _HEAD_KEYS)
    return HeadSpec(
        hidden=_value(spec.get("hidden"), "head.hidden", "head.hidden", "hidden"),
        act=_value(spec.get("act", "relu"), "head.act", "head.act", "enum:" + ",".join(ACTIVATIONS)),
        dropout=_value(spec.get("dropout", 0.0), "head.dropout", "head.dropout", "dropout"),
    )


def _shared(raw: object) -> dict[str, Value | GhostSpec]:
    spec = _mapping(raw, "shared", _SHAREABLE)
    out: dict[str, Value | GhostSpec] = {}
    for key, value in spec.items():
        if key == "ghost":
            out[key] = _ghost(value, "shared.ghost", "ghost")
        else:
            out[key] = _value(value, f"shared.{key}", key, _STAGE_KINDS[key])
    return out


def _input(raw: object) -> tuple[int, int, int] | None:
    if raw in (None, "dataset"):
        return None
    try:
        return parse_input(raw)
    except ConfigError as exc:
        raise _Fail("input", exc.message + " or 'dataset'") from None


def parse_space(data: object, source: str = "<space>") -> SpaceSpec:
    """Validate a parsed YAML document as a search space.

    Raises:
        SpaceError: ``"<source>: <key path>: <problem>"``.
    """
    try:
        top = _mapping(data, "", _TOP_KEYS)
        if not top:
            raise _Fail("stages", "missing (an empty file is not a space)")
        if "stages" not in top or not isinstance(top["stages"], list) or not top["stages"]:
            raise _Fail("stages", "expected a non-empty list of stages")
        classes = top.get("classes", "dataset")
        if classes != "dataset" and not (
            isinstance(classes, int) and not isinstance(classes, bool) and 1 <= classes <= MAX_CLASSES
        ):
            raise _Fail("classes", f"expected 'dataset' or an integer from 1 to {MAX_CLASSES:,}, got {classes!r}")
        name = top.get("name", Path(source).stem)
        if not isinstance(name, str):
            raise _Fail("name", f"expected a string, got {name!r}")
        shared = _shared(top.get("shared"))
        spec = SpaceSpec(
            name=name,
            source=source,
            input=_input(top.get("input")),
            classes=None if classes == "dataset" else classes,
            width=_value(top.get("width", 1.0), "width", "width", "pos_float"),
            stem=_stem(top.get("stem")),
            stages=tuple(_stage(raw, i, shared) for i, raw in enumerate(top["stages"])),
            head=_head(top.get("head")),
            description=str(top.get("description", "")),
        )
        check_channels(spec)
    except _Fail as exc:
        raise SpaceError(f"{source}: {exc}") from None
    return spec


def load_space(path: str | Path) -> SpaceSpec:
    """Read and validate a space file.

    Raises:
        SpaceError: naming the file and key path of the first problem.
    """
    path = Path(path)
    try:
        data = load_yaml(read_text(path))
    except YamlProblem as exc:
        raise SpaceError(f"{path}: {exc}") from None
    return parse_space(data, str(path))
