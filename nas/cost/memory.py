"""Peak activation memory of one training step.

Method:

* CUDA: a copy of the model sits on the GPU with gradients cleared;
  the baseline is ``torch.cuda.memory_allocated()`` before the input exists. One forward +
  backward runs with the peak statistics reset; the result is
  ``max_memory_allocated() - baseline - bytes(parameter gradients)``, i.e. what the step
  needed beyond weights and their gradients.
* CPU (deterministic, no allocator statistics): one forward runs with gradients enabled,
  and every tensor autograd saves for backward is recorded through
  ``torch.autograd.graph.saved_tensors_hooks``. The result is the byte size of the distinct
  storages saved (deduplicated by storage ``data_ptr``; parameters and buffers skipped) plus
  the output's storage if it was not saved already: the activations held when the backward
  starts, which is a training step's activation peak up to transient buffers. The input
  counts when autograd saves it (it does for a first conv on trainable weights).

In both cases the model runs in training mode except normalization layers, which run in
eval mode so that running statistics are left untouched and batch size 1 works; what they
save for backward (their input) is the same in either mode. Parameter ``.grad`` fields of
the caller's model are not touched on CPU (no backward is needed there).
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from nas.cost._device import model_on, resolve_device
from nas.cost._modes import modes_restored

__all__ = ["peak_activation_bytes"]

_NORM_TYPES = (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm)


def _storage_bytes(t: torch.Tensor) -> tuple[int, int]:
    storage = t.untyped_storage()
    return storage.data_ptr(), storage.nbytes()


def _train_mode(model: nn.Module) -> None:
    """Put ``model`` in training mode with its normalization layers in eval mode."""
    model.train()
    for m in model.modules():
        if isinstance(m, _NORM_TYPES):
            m.eval()


def _cpu_saved_bytes(model: nn.Module, x: torch.Tensor) -> int:
    skip = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    seen: dict[int, int] = {}
    # The graph is handed an index, never the tensor, and only the storages are held: a saved
    # tensor kept alive from Python (by the graph or by a list) ties its autograd graph in a
    # cycle no garbage collection frees, which leaked about 200 MB a call, so every trial of a
    # search. Held until the end, the storages stay alive together as in a training step, so no
    # address is reused while counting.
    held: list[torch.UntypedStorage] = []

    def pack(t: torch.Tensor) -> int:
        storage = t.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in skip and ptr != 0:
            seen[ptr] = storage.nbytes()
        held.append(storage)
        return len(held) - 1

    def unpack(index: int) -> None:
        raise RuntimeError("peak_activation_bytes runs no backward")

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        out = model(x)
    for t in out if isinstance(out, (tuple, list)) else (out,):
        ptr, nbytes = _storage_bytes(t)
        seen.setdefault(ptr, nbytes)
    del out
    held.clear()
    return sum(seen.values())


def _cuda_peak_bytes(model: nn.Module, x: torch.Tensor, device: torch.device) -> int:
    for p in model.parameters():
        p.grad = None
    torch.cuda.synchronize(device)
    torch.cuda.empty_cache()
    baseline = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    x = x.to(device)
    out = model(x)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    torch.stack([o.float().sum() for o in outs]).sum().backward()
    torch.cuda.synchronize(device)
    peak = torch.cuda.max_memory_allocated(device)
    grads = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    for p in model.parameters():
        p.grad = None
    return max(0, int(peak - baseline - grads))


def peak_activation_bytes(
    model: nn.Module,
    input_shape: tuple[int, int, int],
    batch_size: int = 1,
    device: str | torch.device | None = None,
) -> int:
    """Peak activation memory of one training step (forward + backward); see module docs.

    Args:
        model: The network to measure; its modes are restored afterwards.
        input_shape: ``(C, H, W)`` of one image.
        batch_size: Images per step.
        device: Where to measure; ``None`` picks CUDA when available, else CPU.

    Returns:
        Bytes of activation memory.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    dev = resolve_device(device)
    # On CUDA always a copy: the backward writes gradients the caller's model must not get.
    net = copy.deepcopy(model).to(dev) if dev.type == "cuda" else model_on(model, dev)
    with modes_restored(net):
        _train_mode(net)
        x = torch.randn(batch_size, *input_shape)  # moved to CUDA after the baseline
        if dev.type == "cuda":
            return _cuda_peak_bytes(net, x, dev)
        return _cpu_saved_bytes(net, x)
