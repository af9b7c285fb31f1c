"""Exporting a trained model to ONNX."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from nas.errors import NasError


def export_onnx(model: nn.Module, input_shape: tuple[int, int, int], path: str | Path) -> Path:
    """Write ``model`` (in eval mode, batch dimension dynamic) as an ONNX file.

    Raises:
        NasError: when an op cannot be exported (e.g. a deformable conv), naming it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    was_training = model.training
    model.eval()
    example = torch.zeros(1, *input_shape, device=next(model.parameters()).device)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and in-place notes
            torch.onnx.export(
                model, (example,), str(path), input_names=["images"], output_names=["logits"],
                dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False,
            )
    except Exception as exc:  # the exporter raises many types; all mean "cannot export this"
        raise NasError(f"cannot export to ONNX: {str(exc).splitlines()[0]}") from None
    finally:
        model.train(was_training)
    return path
