"""Full-fidelity training of one architecture, resumable, ending with its test-set accuracy.

Unlike a proxy run, this trains on the whole training set (less an optional validation split
carved from it, for monitoring only) with the proxy's schedule — SGD with Nesterov momentum,
a linear warm-up then a cosine decay — over every epoch asked for. A checkpoint is written
after every epoch, atomically (an interrupted write never replaces a good one); re-running
with the same output folder resumes from the last finished epoch and ends with exactly the
result of an uninterrupted run. The test split is evaluated once, at the end.
"""

from __future__ import annotations

import json
import math
import pickle
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from nas.arch.config import ArchConfig
from nas.arch.io import from_dict, to_dict
from nas.blocks import build_model
from nas.cost import count_flops, count_params
from nas.data.dataset import ImageData, channel_stats, split_train_val
from nas.errors import ConfigError, NasError, TrainingDiverged
from nas.train.augment import pad_images
from nas.train.device import pick_device
from nas.train.step import train_step
from nas.train.proxy import (
    TrainSettings,
    _evaluate,
    _lr_factor,
    _Normalize,
    _param_groups,
)

CHECKPOINT = "checkpoint.pt"
MODEL = "model.pt"
METRICS = "metrics.json"


@dataclass(frozen=True)
class FullResult:
    """What a full training run measured.

    Attributes:
        test_accuracy: accuracy on the data set's test split after the last epoch.
        test_loss: mean cross-entropy (without smoothing) there.
        epochs: epochs trained in all (across resumed runs).
        train_loss: mean training loss of each epoch (with smoothing).
        val_accuracy: validation accuracy after each epoch (empty without a validation split).
        wall_s: seconds of training and evaluation, summed over resumed runs.
        resumed_from_epoch: the last finished epoch found in the checkpoint (0: a fresh run).
        out_dir: the run folder (``checkpoint.pt``, ``model.pt``, ``metrics.json``).
    """

    test_accuracy: float
    test_loss: float
    epochs: int
    train_loss: tuple[float, ...]
    val_accuracy: tuple[float, ...]
    wall_s: float
    resumed_from_epoch: int
    out_dir: Path

    @property
    def metrics_path(self) -> Path:
        """``out_dir / "metrics.json"``."""
        return self.out_dir / METRICS

    @property
    def model_path(self) -> Path:
        """``out_dir / "model.pt"``: the final weights (a state dict)."""
        return self.out_dir / MODEL


def adapt_config(config: ArchConfig, data: ImageData, adapt: bool = False) -> ArchConfig:
    """``config`` checked against (or, with ``adapt``, re-targeted to) the data's input and classes.

    Args:
        config: the architecture.
        data: the data set it is to be trained on.
        adapt: re-target a mismatching config instead of refusing it.

    Returns:
        ``config`` itself when it fits, else its re-targeted copy (validated).

    Raises:
        NasError: on a mismatch without ``adapt``; ConfigError if the adapted config cannot be built.
    """
    if config.input_shape == data.input_shape and config.num_classes == data.num_classes:
        return config
    c, h, w = data.input_shape
    if not adapt:
        raise NasError(
            f"{config.name} expects {'x'.join(map(str, config.input_shape))} images and {config.num_classes} "
            f"classes but {data.name} has {c}x{h}x{w} and {data.num_classes} (use --adapt to re-target it)"
        )
    if h != w:
        raise NasError(f"{data.name} has {h}x{w} images; architectures take square inputs")
    from nas.arch.shapes import validate

    adapted = config.with_input(c, h, data.num_classes)
    try:
        validate(adapted)
    except ConfigError as exc:
        raise ConfigError(exc.where, f"{exc.message} (after adapting to {c}x{h}x{w}, {data.num_classes} classes)") from None
    return adapted


def _save_atomic(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def _rng_state(gen: torch.Generator) -> dict[str, Any]:
    state = {"generator": gen.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(gen: torch.Generator, state: dict[str, Any]) -> None:
    gen.set_state(state["generator"].cpu())
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _identity(config: ArchConfig, data: ImageData, settings: TrainSettings, val_size: int) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed."""
    return {"config": to_dict(config), "settings": asdict(settings), "dataset": data.name,
            "train_images": len(data.train_y), "val_size": val_size}


def _check_resumable(ckpt: dict[str, Any], identity: dict[str, Any], path: Path) -> None:
    if from_dict(ckpt["config"]) != from_dict(identity["config"]):
        raise NasError(f"{path} is a checkpoint of another architecture ({ckpt['config'].get('name')!r}); "
                       "use another output folder")
    for key, what in (("settings", "training settings"), ("dataset", "data set"), ("train_images", "data set"),
                      ("val_size", "validation size")):
        if ckpt.get(key) != identity[key]:
            raise NasError(f"{path} was written with other {what} ({ckpt.get(key)!r}, now {identity[key]!r}); "
                           "re-run with the same options or use another output folder")


def train_full(
    config: ArchConfig,
    data: ImageData,
    settings: TrainSettings,
    out_dir: str | Path,
    device: str | torch.device | None = None,
    progress: bool = True,
    resume: bool = True,
    val_size: int = 0,
    on_epoch: Callable[[int, float], None] | None = None,
) -> FullResult:
    """Train ``config`` on all of ``data``'s training split, then measure it on the test split.

    Args:
        config: the architecture; its input and classes must match the data's (see
            :func:`adapt_config`).
        data: the data set; its test split is used only for the final evaluation.
        settings: epochs, batch size, learning rate, augmentation, seed (``max_train_samples``
            is ignored: every training image is used).
        out_dir: where ``checkpoint.pt``, ``model.pt`` and ``metrics.json`` go.
        device: where to train (default: CUDA when available, else the CPU).
        progress: show a progress bar per epoch (only when the output is a terminal).
        resume: continue from ``out_dir``'s checkpoint when there is one (else start afresh).
        val_size: carve this many training images off as a validation split, scored after
            every epoch for monitoring (0: train on every training image).
        on_epoch: called as ``on_epoch(epoch, train_loss)`` once an epoch's checkpoint is
            written; an exception it raises stops training, the checkpoint kept.

    Returns:
        The test score, the per-epoch history and where the files are.

    Raises:
        NasError: when the data does not fit the config, or ``out_dir``'s checkpoint belongs
            to another architecture, data set or settings.
        TrainingDiverged: when the loss becomes non-finite.
    """
    from tqdm.auto import tqdm

    began = time.perf_counter()
    adapt_config(config, data)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = pick_device(str(device) if device is not None else None)
    if val_size:
        split = split_train_val(data, val_size=val_size, seed=settings.seed)
        train_x, train_y, mean, std = split.train_x, split.train_y, split.mean, split.std
        val_x, val_y = split.val_x.to(dev), split.val_y.to(dev)
    else:
        train_x, train_y = data.train_x, data.train_y
        mean, std = channel_stats(train_x)
    channels_last = settings.channels_last if settings.channels_last is not None else dev.type == "cuda"
    fmt = torch.channels_last if channels_last else torch.contiguous_format

    torch.manual_seed(settings.seed)
    model = build_model(config).to(dev, memory_format=fmt)
    opt = torch.optim.SGD(_param_groups(model, settings.weight_decay), lr=settings.lr, momentum=settings.momentum,
                          nesterov=True, foreach=True)
    gen = torch.Generator(device=dev).manual_seed(settings.seed)
    identity = _identity(config, data, settings, val_size)
    history: dict[str, list[float]] = {"train_loss": [], "val_accuracy": [], "val_loss": []}
    start_epoch, wall_before = 1, 0.0
    ckpt_path = out / CHECKPOINT
    if resume and ckpt_path.exists():
        try:
            ckpt = torch.load(ckpt_path, map_location=dev, weights_only=False)
        except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:  # a truncated or foreign file
            raise NasError(f"cannot read checkpoint {ckpt_path}: {exc}") from None
        _check_resumable(ckpt, identity, ckpt_path)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        _set_rng_state(gen, ckpt["rng"])
        history = {k: list(v) for k, v in ckpt["history"].items()}
        start_epoch, wall_before = ckpt["epoch"] + 1, ckpt["wall_s"]

    normalize = _Normalize(mean, std, dev, channels_last)
    pad = settings.pad if settings.augment else 0
    padded, labels = pad_images(train_x.to(dev), pad), train_y.to(dev)
    size = (int(train_x.shape[2]), int(train_x.shape[3]))
    n, bs = len(labels), min(settings.batch_size, len(labels))
    steps = n // bs  # the last partial batch is dropped, as in the proxy
    total, warmup = steps * settings.epochs, max(1, round(settings.warmup_epochs * steps))
    lr = settings.lr * settings.batch_size / 128
    check_every = 1 if dev.type == "cpu" else 25  # a finiteness check stalls a GPU's queue
    model.train()
    for epoch in range(start_epoch, settings.epochs + 1):
        order = torch.randperm(n, generator=gen, device=dev)
        running = torch.zeros((), device=dev)
        bar = tqdm(range(steps), desc=f"epoch {epoch}/{settings.epochs}", unit="step", leave=False,
                   disable=None if progress else True)
        for i in bar:
            step = (epoch - 1) * steps + i
            for group in opt.param_groups:
                group["lr"] = lr * _lr_factor(step, warmup, total)
            idx = order[i * bs : (i + 1) * bs]
            running += train_step(
                model, opt, normalize, padded, labels, idx, size, pad, settings.augment, settings.flip,
                settings.label_smoothing, gen, (i + 1) % check_every == 0, f"epoch {epoch} step {i + 1}",
            )
        bar.close()
        history["train_loss"].append(running.item() / max(1, steps))
        if not math.isfinite(history["train_loss"][-1]):
            raise TrainingDiverged(f"loss became {history['train_loss'][-1]:.4g} during epoch {epoch}")
        if val_size:
            acc, vloss = _evaluate(model, val_x, val_y, normalize, settings.eval_batch_size)
            history["val_accuracy"].append(acc)
            history["val_loss"].append(vloss)
        _save_atomic({
            **identity, "epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": {"step": epoch * steps, "warmup": warmup, "total": total, "peak_lr": lr},
            "rng": _rng_state(gen), "history": history, "wall_s": wall_before + time.perf_counter() - began,
        }, ckpt_path)
        if on_epoch is not None:
            on_epoch(epoch, history["train_loss"][-1])

    test_acc, test_loss = _evaluate(model, data.test_x.to(dev), data.test_y.to(dev), normalize,
                                    settings.eval_batch_size)
    if not math.isfinite(test_loss):
        raise TrainingDiverged(f"test loss is {test_loss}")
    _save_atomic({k: v.cpu() for k, v in model.state_dict().items()}, out / MODEL)
    wall = wall_before + time.perf_counter() - began
    counted = build_model(config)
    metrics = {
        "architecture": config.name, "notation": config.notation(), "dataset": data.name,
        "input_shape": list(config.input_shape), "num_classes": config.num_classes,
        "test_accuracy": test_acc, "test_loss": test_loss, **history, "epochs": settings.epochs,
        "train_images": n, "val_images": val_size, "test_images": len(data.test_y),
        "flops": count_flops(counted, config.input_shape).total, "params": count_params(counted),
        "wall_s": wall, "wall_s_this_run": time.perf_counter() - began, "resumed_from_epoch": start_epoch - 1,
        "settings": asdict(settings), "device": str(dev), "torch": torch.__version__,
    }
    _write_json_atomic(metrics, out / METRICS)
    return FullResult(test_acc, test_loss, settings.epochs, tuple(history["train_loss"]),
                      tuple(history["val_accuracy"]), wall, start_epoch - 1, out)


def _write_json_atomic(obj: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2) + "\n")
    tmp.replace(path)


def load_trained(out_dir: str | Path, config: ArchConfig) -> torch.nn.Module:
    """The model ``train_full`` left in ``out_dir``, built from ``config``, on the CPU, in eval mode.

    Raises:
        NasError: when ``model.pt`` is missing or does not fit ``config``.
    """
    path = Path(out_dir) / MODEL
    model = build_model(config)
    try:
        state: dict[str, Tensor] = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except (OSError, RuntimeError) as exc:
        raise NasError(f"cannot load {path}: {str(exc).splitlines()[0]}") from None
    return model.eval()
