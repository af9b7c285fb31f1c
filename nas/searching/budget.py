"""Cost budgets: parsing ``5M`` / ``1.5G`` / ``300000`` and the hard feasibility check."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nas.errors import NasError
from nas.units import format_count

_SUFFIX = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
#: The largest count accepted (a quintillion FLOPs or params: beyond any network, so a typo).
MAX_COUNT = 10**18
_COUNT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)\s*$", re.IGNORECASE)


def parse_count(text: str | int | float, what: str = "count") -> int:
    """``"5M"`` -> 5_000_000, ``"1.5G"`` -> 1_500_000_000, ``"300000"`` -> 300000.

    Raises:
        NasError: for anything else, naming ``what``.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        match = _COUNT.match(str(text))
        if not match:
            raise NasError(f"{what}: expected a number like 5M, 1.5G or 300000, got {text!r}")
        value = float(match.group(1)) * _SUFFIX[match.group(2).upper()]
    if value <= 0:
        raise NasError(f"{what}: must be positive, got {text!r}")
    if not value <= MAX_COUNT:  # also NaN and infinity
        shown = str(text) if len(str(text)) <= 24 else str(text)[:20] + "..."
        raise NasError(f"{what}: expected a number up to 1e18 (a million T), got {shown!r}")
    return int(round(value))


@dataclass(frozen=True)
class Budget:
    """Hard limits an architecture must meet before it gets any training time."""

    max_flops: int
    max_params: int | None = None

    def violations(self, flops: int, params: int) -> tuple[float, ...]:
        """Optuna constraint values: each <= 0 when met, > 0 by how much it is exceeded."""
        values = [float(flops - self.max_flops)]
        if self.max_params is not None:
            values.append(float(params - self.max_params))
        return tuple(values)

    def feasible(self, flops: int, params: int) -> bool:
        return all(v <= 0 for v in self.violations(flops, params))

    def describe(self, flops: int, params: int) -> str:
        """Why an architecture is over budget, in words."""
        reasons = []
        if flops > self.max_flops:
            reasons.append(f"{format_count(flops)} FLOPs > {format_count(self.max_flops)}")
        if self.max_params is not None and params > self.max_params:
            reasons.append(f"{format_count(params)} params > {format_count(self.max_params)}")
        return "; ".join(reasons) or "within budget"
