"""Checkpoint files: atomic writes, reads that fail with one line, and random-number state.

A checkpoint is a plain dict of tensors, numbers and strings, read back with
``torch.load(weights_only=True)`` so that a foreign or tampered file can never run code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from nas.errors import NasError


def save_atomic(obj: Any, path: str | Path) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename: a reader (or an
    interrupted write) never sees half a file, and a failed write leaves no temporary file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(obj, tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(obj: dict[str, Any], path: str | Path) -> None:
    """Write ``obj`` as indented JSON, atomically (see :func:`save_atomic`)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(obj, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | Path, keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """A checkpoint written by :func:`save_atomic`, on the CPU.

    Args:
        path: the file.
        keys: entries it must have.

    Returns:
        The checkpoint dict.

    Raises:
        NasError: (one line) when the file cannot be read, is not a checkpoint or lacks ``keys``.
    """
    path = Path(path)
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, foreign or random bytes: the unpickler raises many kinds (IndexError too)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise NasError(f"cannot read checkpoint {path}: {first} (delete it or use another output folder)") from None
    missing = [k for k in keys if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise NasError(f"{path} is not a nas training checkpoint (no {missing[0]!r}); "
                       "delete it or use another output folder")
    return ckpt


def rng_state(generator: torch.Generator) -> dict[str, Any]:
    """The state of ``generator`` and of torch's global generators (CPU, and CUDA when present)."""
    state = {"generator": generator.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(generator: torch.Generator, state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    generator.set_state(state["generator"].cpu())
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
