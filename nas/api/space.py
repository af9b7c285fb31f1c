"""``nas.describe_space``: a search-space file validated and summarised, as ``nas space`` shows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nas.searching.budget import Budget
    from nas.space import SearchSpace
    from nas.space.space import DimInfo

#: The most random architectures ``samples=`` may ask to cost.
MAX_SAMPLES = 10_000


@dataclass(frozen=True)
class SampleRange:
    """The FLOPs and parameters of a random sample of a space's architectures.

    Attributes:
        n: architectures in the sample.
        flops_min, flops_median, flops_max: their FLOPs.
        params_min, params_max: their parameter counts.
    """

    n: int
    flops_min: int
    flops_median: int
    flops_max: int
    params_min: int
    params_max: int

    def to_dict(self) -> dict[str, int]:
        """As ``nas space --json`` prints it under ``sample`` (no median)."""
        return {"n": self.n, "flops_min": self.flops_min, "flops_max": self.flops_max,
                "params_min": self.params_min, "params_max": self.params_max}


@dataclass(frozen=True)
class BudgetFit:
    """How many of a space's architectures meet a budget.

    Attributes:
        max_flops: the FLOPs budget.
        max_params: the parameter budget (``None``: none).
        limit: the largest space counted architecture by architecture.
        count: the architectures within the budget.
        of: the architectures looked at: every one (``exact``), else the random sample.
        exact: whether every architecture of the space was counted.
    """

    max_flops: int
    max_params: int | None
    limit: int
    count: int
    of: int
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        """As ``nas space --json`` prints it under ``fit``."""
        return {"max_flops": self.max_flops, "max_params": self.max_params, "limit": self.limit,
                "count": self.count, "of": self.of, "exact": self.exact}


@dataclass(frozen=True)
class SpaceSummary:
    """A valid search space at an input: what ``nas space`` prints.

    Attributes:
        name: the space's name.
        file: the file as given.
        description: the file's description ("" if none).
        input: the input shape ``(C, H, W)``.
        classes: the number of classes.
        size: the number of architectures the space holds.
        dimensions: its labelled dimensions, in sampling order, each with its condition.
        sample: the cost range of a random sample.
        fit: how many architectures meet the budget (``None`` without ``max_flops``).
    """

    name: str
    file: str
    description: str
    input: tuple[int, ...]
    classes: int
    size: int
    dimensions: tuple[DimInfo, ...]
    sample: SampleRange
    fit: BudgetFit | None = None

    def to_dict(self) -> dict[str, Any]:
        """The object ``nas space --json`` prints."""
        return {
            "name": self.name, "file": self.file, "input": list(self.input), "classes": self.classes,
            "size": self.size,
            "dimensions": [{"label": d.label, "choices": list(d.choices), "condition": d.condition}
                           for d in self.dimensions],
            "sample": self.sample.to_dict(),
            **({} if self.fit is None else {"fit": self.fit.to_dict()}),
        }


def describe_space(file: str | Path, *, input: Any = None, classes: Any = None, samples: Any = 32, seed: Any = 0,
                   max_flops: Any = None, max_params: Any = None) -> SpaceSummary:
    """Validate a search-space file and summarise it, as ``nas space`` does.

    Args:
        file: the space's YAML file.
        input: the input shape, ``"CxHxW"`` (default: the file's, else ``1x28x28``).
        classes: the number of classes (default: the file's, else 10).
        samples: random architectures to cost (1 to 10,000).
        seed: the seed of that random sample.
        max_flops: also count the architectures within this FLOPs budget, e.g. ``"5M"``: all of
            them when the space holds at most 2,000, else those of the sample.
        max_params: with ``max_flops``, a parameter budget too, e.g. ``"500K"``.

    Returns:
        The summary.

    Raises:
        NasError: for a bad option, or a file that is no valid space (naming the file and key),
            as one line.
    """
    from nas.arch.io import parse_input
    from nas.options import count, text
    from nas.space import SearchSpace, load_space

    n = count(samples, "--samples", maximum=MAX_SAMPLES)
    budget = _budget(max_flops, max_params)
    first = count(seed, "--seed", minimum=0, maximum=2**31 - 1)
    n_classes = None if classes is None else count(classes, "--classes")
    shape = parse_input(input, "--input") if input else None
    path = text(file, "FILE") or ""
    spec = load_space(path)
    space = SearchSpace(spec, shape or spec.input or (1, 28, 28), n_classes or spec.classes or 10)
    space.check_samples()
    flops, params = _sample_costs(space, n, first)
    return SpaceSummary(
        name=space.name, file=path, description=spec.description or "", input=tuple(space.input_shape),
        classes=space.num_classes, size=space.size(), dimensions=tuple(space.dimensions()),
        sample=SampleRange(len(flops), min(flops), sorted(flops)[len(flops) // 2], max(flops), min(params),
                           max(params)),
        fit=None if budget is None else _fitting(space, budget, flops, params),
    )


def _budget(max_flops: Any, max_params: Any) -> Budget | None:
    """The budget to count architectures within (``None`` without ``max_flops``).

    Raises:
        NasError: for a parameter budget alone, or a count that does not parse.
    """
    from nas.errors import NasError
    from nas.searching.budget import Budget, parse_count

    if max_params is not None and max_flops is None:
        raise NasError("--max-params needs --max-flops (the budget to count architectures within)")
    if max_flops is None:
        return None
    return Budget(parse_count(max_flops, "--max-flops"),
                  None if max_params is None else parse_count(max_params, "--max-params"))


def _sample_costs(space: SearchSpace, n: int, seed: int) -> tuple[list[int], list[int]]:
    """The FLOPs and parameters of ``n`` random architectures of ``space``."""
    from nas.cost import safe_cost

    flops, params = [], []
    for _, config in space.random(n, seed):
        cost = safe_cost(config)  # refuses, in one line, an architecture too large to build
        flops.append(cost.flops)
        params.append(cost.params)
    return flops, params


def _fitting(space: SearchSpace, budget: Budget, flops: list[int], params: list[int]) -> BudgetFit:
    """How many architectures meet ``budget``: all of them counted when the space is small
    enough to list, else those of the random sample already costed."""
    from nas.cost import safe_cost
    from nas.space.every import MAX_LISTED, every_architecture

    if space.size() <= MAX_LISTED:
        costs = [safe_cost(c, budget.max_flops) for c in every_architecture(space)]
        fits = sum(1 for c in costs if c.exact and budget.feasible(c.flops, c.params))
        return BudgetFit(budget.max_flops, budget.max_params, MAX_LISTED, fits, len(costs), True)
    fits = sum(1 for f, p in zip(flops, params) if budget.feasible(f, p))
    return BudgetFit(budget.max_flops, budget.max_params, MAX_LISTED, fits, len(flops), False)


__all__ = ["BudgetFit", "SampleRange", "SpaceSummary", "describe_space"]
