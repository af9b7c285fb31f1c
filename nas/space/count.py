"""How many architectures a space holds, counted by the sampling code itself.

A space's dimensions are conditional (a stem's kernel only for conv stems, a Ghost ratio only
when Ghost is on, HetConv's part only for families that take it) and some are shared by every
stage. Counting them with a formula beside the sampler drifts from what the sampler asks; here
the sampler is run on a counting chooser instead, so the count follows the sampler.

Only *gates* (dimensions whose value decides which dimensions are asked next: the stem kind,
a stage's family, Ghost on/off) are branched on; every other dimension is asked for its first
value and multiplies the count by its number of choices. Each piece of the network (width,
stem, each stage, head) is enumerated alone, and pieces are combined by a dynamic programme
over the shared dimensions (labels without a ``.``): a shared gate must take the same value in
every piece, a shared non-gate is counted once however many pieces ask it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from nas.space.spec import Dim, GhostSpec, SpaceSpec

#: One enumerated path of a piece: the shared gates' values, the shared non-gates asked
#: (label -> number of choices), and how many local choice combinations the path stands for.
_Path = tuple[frozenset[tuple[str, Any]], dict[str, int], int]


def _shared(label: str) -> bool:
    return "." not in label


class _PathChooser:
    """Asks gates by a forced index list (extended with 0s), every other dimension its first value."""

    def __init__(self, gates: set[str] | None, forced: list[int]) -> None:
        self.gates, self.forced = gates, forced
        self.asked: list[int] = []  # number of choices of each gate asked, in order
        self.values: dict[str, Any] = {}
        self.local = 1
        self.shared_dims: dict[str, int] = {}
        self.shared_gates: dict[str, Any] = {}

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        if name in self.values:
            return self.values[name]
        choices = list(choices)
        if self.gates is None or name in self.gates:
            i = len(self.asked)
            index = self.forced[i] if i < len(self.forced) else 0
            self.asked.append(len(choices))
            value = choices[index]
            if _shared(name):
                self.shared_gates[name] = value
        else:
            value = choices[0]
            if _shared(name):
                self.shared_dims[name] = len(choices)
            else:
                self.local *= len(choices)
        self.values[name] = value
        return value


def enumerate_paths(run: Callable[[Any], object], gates: set[str], exact: bool = False) -> list[_Path]:
    """Every gate path of ``run(chooser)``, with what each path asks.

    Args:
        run: calls the sampler on the chooser it is given and returns what it built.
        gates: labels whose value decides which labels are asked afterwards.
        exact: branch on every label and count each distinct result once (for pieces
            whose choices can give equal results, e.g. removing either of two equal blocks).

    Returns:
        One entry per distinct sequence of gate values (per distinct result with ``exact``).
    """
    paths: list[_Path] = []
    seen: set[object] = set()
    forced: list[int] = []
    while True:
        chooser = _PathChooser(None if exact else gates, forced)
        result = run(chooser)
        path_gates = frozenset(chooser.shared_gates.items())
        key = (result, path_gates)
        if not exact or key not in seen:
            seen.add(key)
            paths.append((path_gates, chooser.shared_dims, chooser.local))
        # Next gate path, odometer-style: bump the deepest gate that has choices left.
        indices = [forced[i] if i < len(forced) else 0 for i in range(len(chooser.asked))]
        while indices and indices[-1] + 1 >= chooser.asked[len(indices) - 1]:
            indices.pop()
        if not indices:
            return paths
        indices[-1] += 1
        forced = indices


def combine(pieces: list[list[_Path]]) -> int:
    """The number of distinct choice sets of the pieces together (see the module docstring)."""
    # State: (shared gate values fixed so far, shared non-gates asked so far) -> count.
    states: dict[tuple[frozenset[tuple[str, Any]], frozenset[tuple[str, int]]], int] = {
        (frozenset(), frozenset()): 1
    }
    for paths in pieces:
        nxt: dict[tuple[frozenset[tuple[str, Any]], frozenset[tuple[str, int]]], int] = {}
        for (gate_values, dims), count in states.items():
            fixed = dict(gate_values)
            for path_gates, path_dims, local in paths:
                if any(fixed.get(k, v) != v for k, v in path_gates):
                    continue  # this path needs a shared gate value another piece already fixed
                key = (gate_values | path_gates, dims | frozenset(path_dims.items()))
                nxt[key] = nxt.get(key, 0) + count * local
        states = nxt
    return sum(count * math.prod(n for _, n in dims) for (_, dims), count in states.items())


def gate_labels(spec: SpaceSpec) -> set[str]:
    """Labels whose value decides which other labels a sampler asks."""
    gates: set[str] = set()

    def add(value: object) -> None:
        if isinstance(value, Dim):
            gates.add(value.label)

    add(spec.stem.kind)
    add(spec.head.hidden)
    for stage in spec.stages:
        add(stage.family)
        if isinstance(stage.ghost, GhostSpec):
            add(stage.ghost.use)
    return gates
