"""Checkpoint files: atomic writes, reads that fail with one line, and random-number state.

A checkpoint is a plain dict of tensors, numbers and strings, read back with
``torch.load(weights_only=True)`` so that a foreign or tampered file can never run code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from nas.atomic import write_atomic, write_bytes_atomic
from nas.errors import NasError


def save_atomic(obj: Any, path: str | Path) -> None:
    """``torch.save`` ``obj`` to ``path`` atomically (:func:`nas.atomic.write_atomic`): a reader, an
    interrupted write or another process writing the same file never leaves half a file."""
    write_atomic(path, lambda handle: torch.save(obj, handle))


def write_json_atomic(obj: dict[str, Any], path: str | Path) -> None:
    """Write ``obj`` as indented JSON, atomically (see :func:`save_atomic`)."""
    write_bytes_atomic(path, (json.dumps(obj, indent=2) + "\n").encode("utf-8"))


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
