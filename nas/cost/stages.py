"""Which submodules make up a network's per-stage cost breakdown."""

from __future__ import annotations

from torch import nn

__all__ = ["WHOLE_MODEL", "stage_modules"]

#: Breakdown label used for a model that is not shaped ``stem -> stages -> head``.
WHOLE_MODEL = "model"


def stage_modules(model: nn.Module) -> dict[str, str]:
    """Map breakdown labels to the qualified names of the modules they cover.

    A network with ``stem``, ``stages`` (an ``nn.ModuleList``) and ``head`` attributes is
    split into ``stem``, ``stage1``, ``stage2``, ..., ``head``; any other module is one entry
    labelled ``model`` covering the whole module (qualified name ``""``).

    Args:
        model: The network to split.

    Returns:
        Ordered mapping ``label -> qualified module name`` (as in ``model.named_modules()``).
    """
    stem = getattr(model, "stem", None)
    stages = getattr(model, "stages", None)
    head = getattr(model, "head", None)
    if not (
        isinstance(stem, nn.Module) and isinstance(stages, nn.ModuleList) and isinstance(head, nn.Module)
    ):
        return {WHOLE_MODEL: ""}
    names = {"stem": "stem"}
    names.update({f"stage{i + 1}": f"stages.{i}" for i in range(len(stages))})
    names["head"] = "head"
    return names
