"""Is a budget possible? A search for the space's cheapest architecture, counting cost without training.

Random samples rarely hit the cheap corner of a large space (every dimension must be at its
cheap end at once), so the check descends coordinate by coordinate: from several starts, it
tries each choice of each dimension and keeps any that lowers the cost, until no single change
helps. It stops as soon as an architecture fits the budget.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from nas.arch.config import ArchConfig
from nas.cost.safe import ArchTooLarge
from nas.errors import ConfigError, NasError
from nas.searching.budget import Budget
from nas.space import SearchSpace


class _Fixed:
    """A chooser that takes each labelled choice from ``params`` (the first choice when absent)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        value = self.params.get(name)
        return value if value in list(choices) else list(choices)[0]


def _cost(config: ArchConfig) -> tuple[int, int]:
    """FLOPs and params; an architecture too large to build is refused without allocating."""
    from nas.cost import safe_cost

    cost = safe_cost(config)
    return cost.flops, cost.params


def _excess(budget: Budget, flops: int, params: int) -> tuple[float, int]:
    """How far over the budget (relative, summed over limits; 0 when it fits), then FLOPs."""
    over = max(0.0, flops / budget.max_flops - 1)
    if budget.max_params is not None:
        over += max(0.0, params / budget.max_params - 1)
    return over, flops


def cheapest(space: SearchSpace, budget: Budget, starts: int = 4, max_evals: int = 2000, seed: int = 0
             ) -> tuple[ArchConfig, int, int, int]:
    """The cheapest architecture found for ``budget`` (the first that fits, if one does).

    Returns:
        ``(config, flops, params, evaluations)``.
    """
    dims = space.dimensions()
    rng = random.Random(seed)
    numeric = {d.label: sorted(d.choices, key=lambda v: (not isinstance(v, (int, float)), v if isinstance(
        v, (int, float)) else 0)) for d in dims}
    first: list[dict[str, Any]] = [
        {d.label: numeric[d.label][0] for d in dims},  # every number at its smallest
        {d.label: d.choices[0] for d in dims},
        {d.label: d.choices[-1] for d in dims},
    ]
    first += [{d.label: rng.choice(d.choices) for d in dims} for _ in range(max(0, starts - 3))]
    seen: dict[str, tuple[tuple[float, int], int, int]] = {}
    too_large: dict[str, str] = {}
    best: tuple[tuple[float, int], ArchConfig, int, int] | None = None

    def score(params: dict[str, Any]) -> tuple[float, int] | None:
        nonlocal best
        try:
            config = space.sample(_Fixed(params))
        except ConfigError:
            return None
        key = config.notation()
        if key in too_large:
            return None
        if key not in seen:
            try:
                flops, n_params = _cost(config)
            except ArchTooLarge as exc:
                too_large[key] = str(exc)
                return None
            seen[key] = (_excess(budget, flops, n_params), flops, n_params)
            if best is None or seen[key][0] < best[0]:
                best = (seen[key][0], config, flops, n_params)
        return seen[key][0]

    def finished() -> bool:
        return best is not None and (best[0][0] == 0 or len(seen) >= max_evals)

    for params in first:
        current = score(params)
        improved = current is not None
        while improved and not finished():
            improved = False
            for d in dims:
                for choice in d.choices:
                    if finished():
                        break
                    if choice == params.get(d.label):
                        continue
                    value = score({**params, d.label: choice})
                    if value is not None and current is not None and value < current:
                        params, current, improved = {**params, d.label: choice}, value, True
        if finished():
            break
    if best is None:
        why = f": {next(iter(too_large.values()))}" if too_large else ""
        raise NasError(f"no architecture of {space.name} could be built{why}")
    return best[1], best[2], best[3], len(seen)


def check_budget_possible(space: SearchSpace, budget: Budget) -> None:
    """Refuse a budget that no architecture of the space meets, before any study is created.

    Raises:
        NasError: naming the cheapest architecture found and its cost.
    """
    config, flops, params, evaluations = cheapest(space, budget)
    if budget.feasible(flops, params):
        return
    raise NasError(
        f"impossible budget: the cheapest of {evaluations} architectures searched in {space.name} has "
        f"{budget.describe(flops, params)} ({config.notation()}); raise --max-flops/--max-params or use a "
        "smaller space"
    )
