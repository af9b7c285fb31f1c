"""Exporting a trained model to ONNX (opset 17) with the TorchScript exporter.

The TorchScript exporter (``dynamo=False``) is used because the newer one needs
``onnxscript``, an extra dependency. HetConv takes its trace-time branch (a plain dense 1x1
weight), so it exports as two convolutions; a deformable convolution exports as its offset
convolutions, ``GridSample`` and a 1x1 convolution (:func:`nas.ops.deform.deform_conv2d`).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import torch
from torch import nn

from nas.errors import NasError

OPSET = 17


def export_onnx(model: nn.Module, input_shape: tuple[int, int, int], path: str | Path) -> Path:
    """Write ``model`` in eval mode as an ONNX file with a dynamic batch dimension.

    The graph's input is ``images`` (float, ``N x C x H x W``, normalised as in training) and
    its output ``logits`` (``N x classes``).

    Args:
        model: the trained classifier (its train/eval mode is restored afterwards).
        input_shape: ``(channels, height, width)`` of one image.
        path: the ``.onnx`` file to write (parent folders are made).

    Returns:
        ``path``.

    Raises:
        NasError: when an op cannot be exported, naming it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    was_training = model.training
    model.eval()
    param = next(model.parameters(), None)
    example = torch.zeros(1, *input_shape, device=param.device if param is not None else "cpu")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
            torch.onnx.export(
                model, (example,), str(path), input_names=["images"], output_names=["logits"],
                dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, opset_version=OPSET, dynamo=False,
            )
    except Exception as exc:  # noqa: BLE001 -- the exporter raises many types; all mean "cannot export this model"
        text = str(exc)
        op = re.search(r"[\w.]+::\w+", text)
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise NasError(f"cannot export to ONNX{f' (operator {op.group(0)})' if op else ''}: {first}") from None
    finally:
        model.train(was_training)
    return path
