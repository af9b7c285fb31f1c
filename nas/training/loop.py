"""The one training loop, shared by the proxy trainer, full training and anything that continues a run.

A :class:`Trainer` holds everything a run needs on the device: the images (uint8, padded once
for shifts), the model, SGD with Nesterov momentum over two parameter groups, a per-batch
``LambdaLR`` (linear warm-up then cosine decay over ``settings.epochs``), an optional EMA of
the weights and the random generator of shuffling and augmentation.

Why an object with :meth:`Trainer.run_epochs` and :meth:`Trainer.state_dict` rather than one
``fit`` function: a run can be stopped after any epoch and continued later, in this process or
another, with exactly the result of an uninterrupted run. The schedule's length is fixed by
``settings.epochs`` (the horizon); ``run_epochs(n)`` trains the next ``n`` epochs of it. So
a multi-fidelity search gives every trial the largest horizon, trains a low rung with
``run_epochs(1)``, keeps ``state_dict()`` (model, optimizer, scheduler, EMA, random state,
history), and a promoted trial builds a fresh ``Trainer`` on a fresh model, calls
``load_state_dict(state)`` and ``run_epochs(k)`` to continue from its weights. Full training
does the same with a checkpoint file after every epoch. :meth:`Trainer.run_steps` does the
same at the granularity of batches (a rung measured in images seen may end inside an epoch):
any sequence of ``run_steps`` calls trains exactly what ``run_epochs`` would.

Example::

    trainer = Trainer(model, split.train_x, split.train_y, split.mean, split.std, settings,
                      val=(split.val_x, split.val_y))
    trainer.run_epochs(1)                   # a low rung
    state = trainer.state_dict()            # keep it (e.g. torch.save)
    later = Trainer(fresh_model, ..., settings, val=...)
    later.load_state_dict(state)
    stats = later.run_epochs(2)             # continues at epoch 2 of the same schedule
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nas.errors import NasError, TrainingDiverged
from nas.training.augment import crop_flip, pad_images, random_erase
from nas.training.checkpoint import rng_state, set_rng_state
from nas.training.device import pick_device
from nas.training.ema import WeightEMA
from nas.training.evaluate import accuracy_and_loss
from nas.training.normalize import Normalize
from nas.training.optim import make_optimizer, make_scheduler
from nas.training.precise_bn import recompute_bn_stats
from nas.training.settings import TrainSettings


@dataclass(frozen=True)
class EpochStats:
    """What one epoch measured.

    Attributes:
        epoch: its number, counting from 1 over the whole run (continued runs included).
        train_loss: mean training loss (with label smoothing).
        train_time_s: seconds of training steps (shuffling and augmentation included).
        val_accuracy: validation accuracy after it (None when not measured).
        val_loss: mean validation cross-entropy (None when not measured).
        eval_time_s: seconds of validation.
    """

    epoch: int
    train_loss: float
    train_time_s: float
    val_accuracy: float | None = None
    val_loss: float | None = None
    eval_time_s: float = 0.0


Validate = Literal["every", "end", "never"]


class Trainer:
    """Trains a model on in-memory images with :class:`TrainSettings`; see the module docstring.

    Constructing it seeds torch's global generator with ``settings.seed`` and moves the model
    and the images to the device, so the same seed, initial weights and data give the same run.

    Args:
        model: the classifier, trained in place.
        train_x: uint8 training images ``N x C x H x W``.
        train_y: int64 labels.
        mean: per-channel mean of the training images, in [0, 1] units.
        std: per-channel standard deviation, in [0, 1] units.
        settings: how to train; ``settings.epochs`` is the schedule's length.
        device: where to train (default: CUDA when available, else the CPU).
        val: validation images and labels, scored after epochs (see :meth:`run_epochs`).
        progress: show a progress bar (only when the output is a terminal).
    """

    def __init__(
        self,
        model: nn.Module,
        train_x: Tensor,
        train_y: Tensor,
        mean: tuple[float, ...],
        std: tuple[float, ...],
        settings: TrainSettings,
        device: str | torch.device | None = None,
        val: tuple[Tensor, Tensor] | None = None,
        progress: bool = True,
    ) -> None:
        if len(train_y) == 0:
            raise NasError("no training images")
        self.settings = settings
        self.device = pick_device(str(device) if device is not None else None)
        self.progress = progress
        torch.manual_seed(settings.seed)
        dev = self.device
        channels_last = settings.channels_last if settings.channels_last is not None else dev.type == "cuda"
        self.model = model.to(dev, memory_format=torch.channels_last if channels_last else torch.contiguous_format)
        self.model.train()
        self.generator = torch.Generator(device=dev).manual_seed(settings.seed)
        self.pad = settings.pad if settings.augment else 0
        self.images = pad_images(train_x.to(dev), self.pad)
        self.labels = train_y.to(dev)
        self.size = (int(train_x.shape[2]), int(train_x.shape[3]))
        self.normalize = Normalize(mean, std, dev, channels_last)
        self.val = (val[0].to(dev), val[1].to(dev)) if val is not None else None
        self.batch_size = min(settings.batch_size, len(train_y))
        # The last partial batch is dropped: steady shapes, steady batch-norm statistics.
        self.steps_per_epoch = len(train_y) // self.batch_size
        total = self.steps_per_epoch * settings.epochs
        warmup = max(1, round(settings.warmup_epochs * self.steps_per_epoch))
        self.optimizer = make_optimizer(self.model, settings)
        self.scheduler = make_scheduler(self.optimizer, warmup, total)
        self.ema = WeightEMA(self.model, settings.ema_decay) if settings.ema_decay > 0 else None
        self.epoch = 0
        self.history: list[EpochStats] = []
        # Inside an epoch (after run_steps): its order, the batches done, their summed loss and time.
        self._order: Tensor | None = None
        self._pos = 0
        self._epoch_loss = 0.0
        self._epoch_time = 0.0
        # The fixed training images batch-norm statistics are re-estimated on before an evaluation,
        # drawn from a generator of their own so that evaluating never changes the training's order.
        n_bn = min(settings.bn_images, len(train_y))
        bn_batches = max(1, n_bn // self.batch_size) if n_bn else 0
        pick = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(settings.seed))
        self._bn_idx = pick[: bn_batches * self.batch_size].to(dev)
        # A finiteness check reads the loss back; on a GPU that stalls the queue, so do it rarely.
        self._check_every = 1 if dev.type == "cpu" else 25

    @property
    def eval_model(self) -> nn.Module:
        """The model that is evaluated and saved: the EMA of the weights when kept, else the model."""
        return self.ema.model if self.ema is not None else self.model

    def recompute_bn(self) -> int:
        """Re-estimate :attr:`eval_model`'s batch-norm statistics on the fixed training images
        (``settings.bn_images`` of them, unaugmented); returns the batches used (0: none)."""
        if not len(self._bn_idx):
            return 0
        h, w = self.size
        p = self.pad
        crops = self.images[:, :, p : p + h, p : p + w]
        bs = self.batch_size
        batches = (self.normalize(crops[self._bn_idx[i : i + bs]]) for i in range(0, len(self._bn_idx), bs))
        return recompute_bn_stats(self.eval_model, batches)

    def evaluate(self, x: Tensor, y: Tensor) -> tuple[float, float]:
        """Accuracy and mean cross-entropy of :attr:`eval_model` on uint8 images ``x``, labels ``y``,
        after re-estimating its batch-norm statistics (:meth:`recompute_bn`)."""
        self.recompute_bn()
        return accuracy_and_loss(self.eval_model, x.to(self.device), y.to(self.device), self.normalize,
                                 self.settings.eval_batch_size)

    def _step(self, idx: Tensor, check: bool, where: str) -> Tensor:
        s = self.settings
        xb = crop_flip(self.images, idx, self.size, self.pad, s.flip, self.generator) if s.augment else self.images[idx]
        xb = self.normalize(xb)
        if s.erase_prob > 0:
            xb = random_erase(xb, s.erase_prob, self.generator)
        loss = F.cross_entropy(self.model(xb), self.labels[idx], label_smoothing=s.label_smoothing)
        if check and not torch.isfinite(loss):
            raise TrainingDiverged(f"loss became {loss.item():.4g} at {where}")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        if self.ema is not None:
            self.ema.update(self.model)
        return loss.detach()

    def run_epochs(
        self,
        n: int | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None,
        validate: Validate = "every",
    ) -> list[EpochStats]:
        """Train the next ``n`` epochs of the schedule.

        Args:
            n: epochs to train (default: the rest of the schedule).
            on_epoch: called with each epoch's stats once it is done (an exception it raises,
                e.g. to prune a trial or after writing a checkpoint, stops training there).
            validate: score the validation split after ``"every"`` epoch, only after the
                last of these ``n`` (``"end"``), or ``"never"`` (also when there is none).

        Returns:
            The stats of the epochs trained (also appended to :attr:`history`).

        Raises:
            TrainingDiverged: when the loss becomes non-finite.
            NasError: when ``n`` would run past the schedule's end.
        """
        from tqdm.auto import tqdm

        if self._pos:
            raise NasError("the run stopped inside an epoch; continue it with run_steps")
        left = self.settings.epochs - self.epoch
        n = left if n is None else n
        if not 0 <= n <= left:
            raise NasError(f"cannot train {n} more epochs: the schedule has {left} of {self.settings.epochs} left")
        steps, bs = self.steps_per_epoch, self.batch_size
        bar = tqdm(total=n * steps, desc="train", unit="step", leave=False, disable=None if self.progress else True)
        done: list[EpochStats] = []
        try:
            for k in range(n):
                epoch = self.epoch + 1
                bar.set_description(f"epoch {epoch}/{self.settings.epochs}", refresh=False)
                start = time.perf_counter()
                order = torch.randperm(len(self.labels), generator=self.generator, device=self.device)
                running = torch.zeros((), device=self.device)
                for i in range(steps):
                    check = (i + 1) % self._check_every == 0
                    running += self._step(order[i * bs : (i + 1) * bs], check, f"epoch {epoch} step {i + 1}")
                    bar.update(1)
                train_loss = running.item() / max(1, steps)
                if not math.isfinite(train_loss):
                    raise TrainingDiverged(f"loss became {train_loss:.4g} during epoch {epoch}")
                train_time = time.perf_counter() - start
                bar.set_postfix(loss=f"{train_loss:.3f}", refresh=False)
                val_acc = val_loss = None
                eval_time = 0.0
                if self.val is not None and (validate == "every" or (validate == "end" and k == n - 1)):
                    start = time.perf_counter()
                    val_acc, val_loss = self.evaluate(*self.val)
                    eval_time = time.perf_counter() - start
                    if not math.isfinite(val_loss):
                        raise TrainingDiverged(f"validation loss became {val_loss:.4g} after epoch {epoch}")
                stats = EpochStats(epoch, train_loss, train_time, val_acc, val_loss, eval_time)
                self.epoch = epoch
                self.history.append(stats)
                done.append(stats)
                if on_epoch is not None:
                    on_epoch(stats)
        finally:
            bar.close()
        return done

    @property
    def steps_done(self) -> int:
        """Batches trained so far (over all epochs, the current partial one included)."""
        return self.epoch * self.steps_per_epoch + self._pos

    @property
    def total_steps(self) -> int:
        """Batches in the whole schedule (``settings.epochs`` epochs)."""
        return self.settings.epochs * self.steps_per_epoch

    def run_steps(self, n: int) -> float:
        """Train the next ``n`` batches of the schedule, continuing inside an epoch if need be.

        Each epoch's shuffled order is drawn from the same generator at its first batch, as
        :meth:`run_epochs` draws it, so any split of a run into ``run_steps`` calls trains exactly
        what an uninterrupted ``run_epochs`` trains. An epoch finished here is counted in
        :attr:`epoch` and :attr:`history` (not validated; call :meth:`evaluate`).

        Args:
            n: batches to train (0 is allowed and trains nothing).

        Returns:
            The mean training loss over these batches (NaN when ``n`` is 0).

        Raises:
            TrainingDiverged: when the loss becomes non-finite.
            NasError: when ``n`` would run past the schedule's end.
        """
        left = self.total_steps - self.steps_done
        if not 0 <= n <= left:
            raise NasError(f"cannot train {n} more batches: the schedule has {left} of {self.total_steps} left")
        bs = self.batch_size
        total = torch.zeros((), device=self.device)
        part = torch.zeros((), device=self.device)  # this call's share of the current epoch's loss
        start = time.perf_counter()
        for _ in range(n):
            if self._order is None:
                self._order = torch.randperm(len(self.labels), generator=self.generator, device=self.device)
                self._pos, self._epoch_loss, self._epoch_time = 0, 0.0, 0.0
            idx = self._order[self._pos * bs : (self._pos + 1) * bs]
            check = (self._pos + 1) % self._check_every == 0
            loss = self._step(idx, check, f"epoch {self.epoch + 1} step {self._pos + 1}")
            total += loss
            part += loss
            self._pos += 1
            if self._pos == self.steps_per_epoch:
                self._epoch_loss += part.item()
                self._epoch_time += time.perf_counter() - start
                if not math.isfinite(self._epoch_loss):
                    raise TrainingDiverged(f"loss became {self._epoch_loss:.4g} during epoch {self.epoch + 1}")
                self.epoch += 1
                self.history.append(EpochStats(self.epoch, self._epoch_loss / self._pos, self._epoch_time))
                self._order, self._pos = None, 0
                part.zero_()
                start = time.perf_counter()
        if self._order is not None:
            self._epoch_loss += part.item()
            self._epoch_time += time.perf_counter() - start
        mean = total.item() / n if n else float("nan")
        if n and not math.isfinite(mean):
            raise TrainingDiverged(f"loss became {mean:.4g} in epoch {self.epoch + 1}")
        return mean

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue this run exactly: model, optimizer, scheduler, EMA,
        random state, the epochs done and their stats, and the place inside an epoch (tensors,
        numbers and strings only)."""
        return {
            "inside_epoch": None if self._order is None else {
                "order": self._order.cpu(), "pos": self._pos, "loss": self._epoch_loss, "time": self._epoch_time,
            },
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "rng": rng_state(self.generator),
            "history": [asdict(s) for s in self.history],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict` of a trainer with the same settings and data.

        Raises:
            NasError: when the state has more epochs than this schedule or other EMA settings.
        """
        if int(state["epoch"]) > self.settings.epochs:
            raise NasError(f"the saved run has {state['epoch']} epochs, more than the {self.settings.epochs} asked for")
        if (state["ema"] is None) != (self.ema is None):
            raise NasError("the saved run was trained with other EMA settings")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        set_rng_state(self.generator, state["rng"])
        self.epoch = int(state["epoch"])
        self.history = [EpochStats(**s) for s in state["history"]]
        inside = state.get("inside_epoch")
        self._order = None if inside is None else inside["order"].to(self.device)
        self._pos = 0 if inside is None else int(inside["pos"])
        self._epoch_loss = 0.0 if inside is None else float(inside["loss"])
        self._epoch_time = 0.0 if inside is None else float(inside["time"])
