"""The full training recipe of ``nas train`` and ``nas finalize``: its options, defaults and checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from nas import options as O
from nas.errors import NasError

if TYPE_CHECKING:
    from nas.training.settings import TrainSettings

#: The recipe's options (long names with underscores), how each is read, and its default.
RECIPE: dict[str, tuple[Callable[[object, str], Any], Any]] = {
    "epochs": (O.integer, 15), "batch_size": (O.integer, 128), "lr": (O.number, 0.1),
    "weight_decay": (O.number, 5e-4), "warmup": (O.number, 1.0), "seed": (O.integer, 0),
    "no_augment": (O.flag, False), "no_flip": (O.flag, False), "erase": (O.number, 0.0), "ema": (O.number, 0.0),
}

#: ``(option, test, what)``: each value must pass ``test``, else the message says it must be ``what``.
_RANGES: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("epochs", lambda v: 1 <= v <= 10_000, "a whole number from 1 to 10,000"),
    ("batch_size", lambda v: 1 <= v <= 1_000_000, "a whole number from 1 to 1,000,000"),
    ("lr", lambda v: 0 < v < math.inf, "a finite number > 0"),
    ("weight_decay", lambda v: 0 <= v < math.inf, "a finite number >= 0"),
    ("warmup", lambda v: 0 <= v < math.inf, "a finite number of epochs >= 0"),
    ("seed", lambda v: 0 <= v < 2**63, "a whole number from 0 to 2**63 - 1"),
    ("erase", lambda v: 0 <= v <= 1, "a probability from 0 to 1"),
    ("ema", lambda v: 0 <= v < 1, "a decay from 0 up to (not including) 1"),
)


def recipe_values(options: Mapping[str, Any]) -> dict[str, Any]:
    """The recipe's options typed and checked, defaults filled in (other keys are ignored).

    Raises:
        NasError: for the first bad value, naming its option.
    """
    values = {}
    for name, (read, default) in RECIPE.items():
        value = read(options.get(name), O.flag_name(name))
        values[name] = default if value is None else value
    for name, ok, what in _RANGES:
        if not ok(values[name]):
            raise NasError(f"{O.flag_name(name)} must be {what}, got {values[name]}")
    return values


def recipe_from(options: Mapping[str, Any]) -> TrainSettings:
    """The :class:`~nas.training.TrainSettings` the recipe's options ask for.

    Raises:
        NasError: for the first bad value, naming its option.
    """
    from nas.training.settings import TrainSettings

    v = recipe_values(options)
    return TrainSettings(epochs=v["epochs"], batch_size=v["batch_size"], lr=v["lr"],
                         weight_decay=v["weight_decay"], warmup_epochs=v["warmup"], seed=v["seed"],
                         augment=not v["no_augment"], flip=not v["no_flip"],
                         erase_prob=0.0 if v["no_augment"] else v["erase"], ema_decay=v["ema"])


__all__ = ["RECIPE", "recipe_from", "recipe_values"]
