"""Full-fidelity training of one architecture, resumable, ending with its test-set accuracy.

Unlike a proxy run, this trains on the whole training set (less an optional validation split
carved from it, for monitoring only) with the proxy's loop (:class:`nas.training.loop.Trainer`:
SGD with Nesterov momentum, a linear warm-up then a cosine decay) over every epoch asked for. A checkpoint is written
after every epoch, atomically (an interrupted write never replaces a good one); re-running
with the same output folder resumes from the last finished epoch and ends with exactly the
result of an uninterrupted run. The test split is evaluated once, at the end.
"""

from __future__ import annotations

import math
import os
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
from nas.training.checkpoint import load_checkpoint, save_atomic, write_json_atomic
from nas.training.device import pick_device
from nas.training.loop import EpochStats, Trainer
from nas.training.memory import check_fits, is_out_of_memory
from nas.training.settings import TrainSettings

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


class OtherSettings(NasError):
    """A run folder's checkpoint was written with other training settings (the same architecture
    and data set): ``differences`` names each setting that differs."""

    def __init__(self, message: str, differences: str) -> None:
        super().__init__(message)
        self.differences = differences


def _identity(config: ArchConfig, data: ImageData, settings: TrainSettings, val_size: int) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed."""
    return {"config": to_dict(config), "settings": asdict(settings), "dataset": data.name,
            "train_images": len(data.train_y), "val_size": val_size}


def differences(stored: Any, now: Any) -> str:
    """``key stored, now value`` for each key that differs (the values themselves if not dicts)."""
    if not (isinstance(stored, dict) and isinstance(now, dict)):
        return f"{stored!r}, now {now!r}"
    keys = [k for k in dict.fromkeys([*stored, *now]) if stored.get(k) != now.get(k)]
    return "; ".join(f"{k} {stored.get(k)!r}, now {now.get(k)!r}" for k in keys)


def check_resumable(ckpt: dict[str, Any], identity: dict[str, Any], path: Path) -> None:
    """Refuse a checkpoint that another run wrote: another architecture, data set, validation size
    or other training settings than ``identity`` (:func:`_identity`) describes.

    Raises:
        OtherSettings: for other training settings only.
        NasError: for anything else that differs.
    """
    stored, now = from_dict(ckpt["config"]), from_dict(identity["config"])
    if stored != now:
        what = (f"it holds {stored.notation()}, not {now.notation()}" if stored.notation() != now.notation()
                else f"input or classes: {differences(ckpt['config'], identity['config'])}")
        raise NasError(f"{path} is a checkpoint of another architecture ({what}); use another output folder")
    for key, what in (("dataset", "data set"), ("train_images", "data set"), ("val_size", "validation size")):
        if ckpt.get(key) != identity[key]:
            raise NasError(f"{path} was written with other {what} ({differences(ckpt.get(key), identity[key])}); "
                           "re-run with the same options or use another output folder")
    if ckpt.get("settings") != identity["settings"]:
        differ = differences(ckpt.get("settings"), identity["settings"])
        raise OtherSettings(f"{path} was written with other training settings ({differ}); re-run with the same "
                            "options or use another output folder", differ)


def read_resumable(out_dir: str | Path, config: ArchConfig, data: ImageData, settings: TrainSettings,
                   val_size: int = 0) -> dict[str, Any] | None:
    """The checkpoint in ``out_dir`` that :func:`train_full` would resume, checked; ``None`` when
    there is none. Reads only: nothing is created.

    Raises:
        OtherSettings: when it was written with other training settings.
        NasError: when it is unreadable or belongs to another architecture, data set or validation size.
    """
    path = Path(out_dir) / CHECKPOINT
    if not path.exists():
        return None
    ckpt = load_checkpoint(path, keys=("config", "epoch", "trainer", "wall_s"))
    check_resumable(ckpt, _identity(config, data, settings, val_size), path)
    return ckpt


def check_output_folder(out_dir: str | Path, what: str = "output folder") -> None:
    """Refuse (one line) a folder that cannot hold a run's files, creating nothing: ``out_dir`` or
    its nearest existing parent is a file, or cannot be written.

    Args:
        out_dir: the folder (it need not exist).
        what: how messages name it.

    Raises:
        NasError: naming the file or the folder that cannot be written.
    """
    out = Path(out_dir)
    existing = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    if existing == out and not out.is_dir():
        raise NasError(f"{what} {out} is a file; choose a folder")
    if not existing.is_dir():
        raise NasError(f"cannot write to {what} {out}: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise NasError(f"cannot write to {what} {out}: {existing} is not writable")


def train_full(
    config: ArchConfig,
    data: ImageData,
    settings: TrainSettings,
    out_dir: str | Path,
    device: str | torch.device | None = None,
    progress: bool = True,
    resume: bool = True,
    val_size: int = 0,
    on_epoch: Callable[[EpochStats], None] | None = None,
    before_write: Callable[[], None] | None = None,
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
        on_epoch: called with the epoch's :class:`~nas.training.loop.EpochStats` (its number, training
            loss, seconds, and validation accuracy with a validation split) once its checkpoint is
            written; an exception it raises stops training, the checkpoint kept.
        before_write: called before every write to ``out_dir`` (each checkpoint, the weights,
            the metrics); an exception it raises stops training before that write.

    Returns:
        The test score, the per-epoch history and where the files are.

    Raises:
        NasError: when the data does not fit the config, ``out_dir``'s checkpoint is unreadable
            or belongs to another architecture, data set or settings, ``out_dir`` cannot be
            written, the device does not exist or the model does not fit in its memory.
        TrainingDiverged: when the loss becomes non-finite.
    """
    began = time.perf_counter()
    adapt_config(config, data)
    dev = pick_device(str(device) if device is not None else None)
    check_fits(config, dev)
    out = _run_folder(out_dir)
    if val_size:
        split = split_train_val(data, val_size=val_size, seed=settings.seed)
        train_x, train_y, mean, std = split.train_x, split.train_y, split.mean, split.std
        val: tuple[Tensor, Tensor] | None = (split.val_x, split.val_y)
    else:
        train_x, train_y, val = data.train_x, data.train_y, None
        mean, std = channel_stats(train_x)
    try:
        return _train(config, data, settings, out, dev, progress, resume, val_size, on_epoch, began,
                      (train_x, train_y, mean, std, val), before_write or _write_freely)
    except (MemoryError, RuntimeError) as exc:
        if not is_out_of_memory(exc):
            raise
        raise NasError(f"{config.name} does not fit in the memory of {dev} at batch size {settings.batch_size} "
                       "(try a smaller --batch-size or architecture)") from None


def _write_freely() -> None:
    """The default ``before_write`` of :func:`train_full`: nothing stops a write."""


def _run_folder(out_dir: str | Path) -> Path:
    """``out_dir``, created if need be, refused (one line) when it cannot hold the run's files."""
    out = Path(out_dir)
    check_output_folder(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".nas-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise NasError(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    return out


def _train(
    config: ArchConfig,
    data: ImageData,
    settings: TrainSettings,
    out: Path,
    dev: torch.device,
    progress: bool,
    resume: bool,
    val_size: int,
    on_epoch: Callable[[EpochStats], None] | None,
    began: float,
    tensors: tuple[Tensor, Tensor, tuple[float, ...], tuple[float, ...], tuple[Tensor, Tensor] | None],
    before_write: Callable[[], None],
) -> FullResult:
    train_x, train_y, mean, std, val = tensors
    model = build_model(config, seed=settings.seed)
    trainer = Trainer(model, train_x, train_y, mean, std, settings, dev, val=val, progress=progress)
    identity = _identity(config, data, settings, val_size)
    wall_before = 0.0
    ckpt_path = out / CHECKPOINT
    ckpt = read_resumable(out, config, data, settings, val_size) if resume else None
    if ckpt is not None:
        trainer.load_state_dict(ckpt["trainer"])
        wall_before = ckpt["wall_s"]
    start_epoch = trainer.epoch + 1

    def checkpoint(stats: EpochStats) -> None:
        wall = wall_before + time.perf_counter() - began
        before_write()
        save_atomic({**identity, "epoch": stats.epoch, "trainer": trainer.state_dict(), "wall_s": wall}, ckpt_path)
        if on_epoch is not None:
            on_epoch(stats)

    trainer.run_epochs(on_epoch=checkpoint, validate="every")
    test_acc, test_loss = trainer.evaluate(data.test_x, data.test_y)
    if not math.isfinite(test_loss):
        raise TrainingDiverged(f"test loss is {test_loss}")
    before_write()
    save_atomic({k: v.cpu() for k, v in trainer.eval_model.state_dict().items()}, out / MODEL)
    wall = wall_before + time.perf_counter() - began
    history = {
        "train_loss": [s.train_loss for s in trainer.history],
        "val_accuracy": [s.val_accuracy for s in trainer.history if s.val_accuracy is not None],
        "val_loss": [s.val_loss for s in trainer.history if s.val_loss is not None],
    }
    counted = build_model(config)
    metrics = {
        "architecture": config.name, "notation": config.notation(), "dataset": data.name,
        "input_shape": list(config.input_shape), "num_classes": config.num_classes,
        "test_accuracy": test_acc, "test_loss": test_loss, **history, "epochs": settings.epochs,
        "train_images": len(train_y), "val_images": val_size, "test_images": len(data.test_y),
        "flops": count_flops(counted, config.input_shape).total, "params": count_params(counted),
        "wall_s": wall, "wall_s_this_run": time.perf_counter() - began, "resumed_from_epoch": start_epoch - 1,
        "settings": asdict(settings), "device": str(dev), "torch": torch.__version__,
    }
    before_write()
    write_json_atomic(metrics, out / METRICS)
    return FullResult(test_acc, test_loss, settings.epochs, tuple(history["train_loss"]),
                      tuple(history["val_accuracy"]), wall, start_epoch - 1, out)


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
    except Exception as exc:  # missing, foreign or corrupt: the unpickler raises many kinds (IndexError too)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise NasError(f"cannot load {path}: {first}") from None
    return model.eval()
