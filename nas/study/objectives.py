"""What a search can optimise: objective names, their Optuna directions and the measurement each reads."""

from __future__ import annotations

from nas.errors import NasError

#: Objective name -> Optuna direction.
OBJECTIVES = {"accuracy": "maximize", "flops": "minimize", "params": "minimize", "latency": "minimize"}

#: Objective name -> the :class:`~nas.study.record.TrialRecord` field holding its value.
FIELD = {"accuracy": "accuracy", "flops": "flops", "params": "params", "latency": "latency_ms"}


def parse_objectives(text: str) -> tuple[str, ...]:
    """``"accuracy,flops"`` -> ``("accuracy", "flops")``, in any order, accuracy required.

    Raises:
        NasError: for an unknown, repeated or missing name.
    """
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in OBJECTIVES]
    if unknown or "accuracy" not in names or len(set(names)) != len(names):
        raise NasError(
            f"--objectives: expected a comma list of {', '.join(OBJECTIVES)} including accuracy, got {text!r}"
        )
    return names
