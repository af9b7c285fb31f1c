"""Full-fidelity training of one architecture, resumable, ending with its test-set accuracy.

Unlike the proxy trainer, this uses the whole training set and a real schedule, writes a
checkpoint after every epoch (atomically: an interrupted write never replaces a good one), and
evaluates the test split once, at the end. Re-running with the same output folder resumes
from the last finished epoch and ends with exactly the result an uninterrupted run gives.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from nas.arch.config import ArchConfig
from nas.arch.io import from_dict, to_dict
from nas.builder import build_model
from nas.cost import count_flops, count_params
from nas.data.dataset import ImageData, channel_stats
from nas.errors import NasError, TrainingDiverged
from nas.train.augment import crop_flip, pad_images
from nas.train.device import pick_device
from nas.train.proxy import TrainSettings, _evaluate, _lr_factor, _Normalize, _param_groups

CHECKPOINT = "checkpoint.pt"


@dataclass(frozen=True)
class FullResult:
    """What a full training run measured."""

    test_accuracy: float
    test_loss: float
    epochs: int
    train_loss: tuple[float, ...]
    wall_s: float
    metrics_path: Path


def _save_atomic(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def train_full(
    config: ArchConfig,
    data: ImageData,
    settings: TrainSettings,
    out_dir: str | Path,
    device: str | None = None,
    progress: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
) -> FullResult:
    """Train ``config`` on all of ``data``'s training split and report test accuracy.

    Args:
        config: the architecture (its input must match the data's).
        data: the data set; its test split is used only for the final evaluation.
        settings: epochs, batch size, learning rate, augmentation, seed.
        out_dir: where ``checkpoint.pt``, ``model.pt`` and ``metrics.json`` go.
        device: where to train (default: CUDA when available).
        progress: show a progress bar per epoch.
        on_epoch: called as ``on_epoch(epoch, train_loss)`` after each saved epoch.

    Raises:
        NasError: when the data does not fit the config, or ``out_dir`` holds another run.
        TrainingDiverged: when the loss becomes non-finite.
    """
    from tqdm.auto import tqdm

    if config.input_shape != data.input_shape or config.num_classes != data.num_classes:
        raise NasError(
            f"{config.name} expects {'x'.join(map(str, config.input_shape))} images and {config.num_classes} classes; "
            f"{data.name} has {'x'.join(map(str, data.input_shape))} and {data.num_classes} (use --adapt)"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = pick_device(device)
    torch.manual_seed(settings.seed)
    model = build_model(config).to(dev)
    opt = torch.optim.SGD(
        _param_groups(model, settings.weight_decay), lr=settings.lr, momentum=settings.momentum, nesterov=True,
    )
    gen = torch.Generator(device=dev).manual_seed(settings.seed)
    start_epoch, losses = 1, []
    ckpt_path = out / CHECKPOINT
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=dev, weights_only=False)
        if from_dict(ckpt["config"]) != config or ckpt["settings"] != asdict(settings):
            raise NasError(f"{out} holds a run of another architecture or settings; use another -o")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        gen.set_state(ckpt["generator"].to(gen.get_state().device))
        torch.set_rng_state(ckpt["torch_rng"])
        start_epoch, losses = ckpt["epoch"] + 1, list(ckpt["train_loss"])

    mean, std = channel_stats(data.train_x)
    normalize = _Normalize(mean, std, dev, False)
    pad = settings.pad if settings.augment else 0
    train_x, train_y = pad_images(data.train_x.to(dev), pad), data.train_y.to(dev)
    size = (data.resolution, int(data.train_x.shape[3]))
    n, bs = len(train_y), min(settings.batch_size, len(train_y))
    steps = n // bs
    total, warmup = steps * settings.epochs, max(1, round(settings.warmup_epochs * steps))
    lr = settings.lr * settings.batch_size / 128
    began = time.perf_counter()
    model.train()
    for epoch in range(start_epoch, settings.epochs + 1):
        order = torch.randperm(n, generator=gen, device=dev)
        running = torch.zeros((), device=dev)
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{settings.epochs}", unit="step", leave=False,
                   disable=None if progress else True)
        for i in bar:
            factor = _lr_factor((epoch - 1) * steps + i, warmup, total)
            for group in opt.param_groups:
                group["lr"] = lr * factor
            idx = order[i * bs : (i + 1) * bs]
            xb = crop_flip(train_x, idx, size, pad, settings.flip, gen) if settings.augment else train_x[idx]
            loss = F.cross_entropy(model(normalize(xb)), train_y[idx], label_smoothing=settings.label_smoothing)
            if not torch.isfinite(loss):
                raise TrainingDiverged(f"loss became {loss.item():.4g} at epoch {epoch} step {i + 1}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += loss.detach()
        losses.append(running.item() / max(1, steps))
        _save_atomic({
            "config": to_dict(config), "settings": asdict(settings), "epoch": epoch, "model": model.state_dict(),
            "optimizer": opt.state_dict(), "generator": gen.get_state(), "torch_rng": torch.get_rng_state(),
            "train_loss": losses,
        }, ckpt_path)
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
    test_acc, test_loss = _evaluate(model, data.test_x.to(dev), data.test_y.to(dev), normalize, settings.eval_batch_size)
    if not math.isfinite(test_loss):
        raise TrainingDiverged(f"test loss is {test_loss}")
    _save_atomic(model.state_dict(), out / "model.pt")
    counted = build_model(config)
    metrics = {
        "architecture": config.name, "notation": config.notation(), "dataset": data.name,
        "test_accuracy": test_acc, "test_loss": test_loss, "train_loss": losses, "epochs": settings.epochs,
        "train_images": n, "test_images": len(data.test_y), "flops": count_flops(counted, config.input_shape).total,
        "params": count_params(counted), "wall_s_this_run": time.perf_counter() - began,
        "resumed_from_epoch": start_epoch - 1, "settings": asdict(settings), "device": str(dev),
    }
    metrics_path = out / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=2))
    return FullResult(test_acc, test_loss, settings.epochs, tuple(losses), metrics["wall_s_this_run"], metrics_path)
