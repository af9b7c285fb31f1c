"""The training loop: a real LR scheduler, continuing a run from its state, its errors."""

from __future__ import annotations

import io
import math

import pytest
import torch
from torch import nn

from nas.data import load_dataset, split_train_val
from nas.data.dataset import Split
from nas.errors import NasError
from nas.training import EpochStats, Trainer, TrainSettings
from nas.training.optim import WarmupCosine


def tiny_cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))


@pytest.fixture(scope="module")
def split() -> Split:
    torch.set_num_threads(1)
    return split_train_val(load_dataset("synthetic:1x16x16:4:320"), val_size=64, seed=0)


def _trainer(split: Split, **kwargs: object) -> Trainer:
    torch.manual_seed(0)
    settings = TrainSettings(**{"epochs": 3, "batch_size": 32, "warmup_epochs": 1.0, **kwargs})  # type: ignore[arg-type]
    return Trainer(tiny_cnn(), split.train_x, split.train_y, split.mean, split.std, settings, "cpu",
                   val=(split.val_x, split.val_y), progress=False)


def test_schedule_is_a_torch_scheduler_with_warmup_then_cosine(split: Split) -> None:
    trainer = _trainer(split)
    assert isinstance(trainer.scheduler, torch.optim.lr_scheduler.LambdaLR)
    steps = trainer.steps_per_epoch  # 256 images // 32 = 8
    assert steps == 8
    peak = 0.1 * 32 / 128
    lrs = []
    for _ in range(3 * steps):
        lrs.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.optimizer.step()
        trainer.scheduler.step()
    assert lrs[0] == pytest.approx(peak / steps) and lrs[steps - 1] == pytest.approx(peak)  # linear warm-up
    assert lrs[steps] == pytest.approx(peak) and lrs[-1] == pytest.approx(peak * 0.5 * (1 + math.cos(math.pi * 15 / 16)))
    assert all(a >= b for a, b in zip(lrs[steps:], lrs[steps + 1 :]))  # then a decay
    assert WarmupCosine(2, 10)(10) == pytest.approx(0.0) and WarmupCosine(2, 10)(50) == pytest.approx(0.0)
    assert trainer.scheduler.state_dict()["lr_lambdas"][0] == {"warmup": steps, "total": 3 * steps}


def test_a_continued_run_equals_an_uninterrupted_one(split: Split) -> None:
    whole = _trainer(split)
    whole_stats = whole.run_epochs()
    assert [s.epoch for s in whole_stats] == [1, 2, 3] and whole.epoch == 3

    first = _trainer(split)
    first.run_epochs(1)
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)  # as a checkpoint file would hold it
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)

    torch.manual_seed(123)  # another process: other global random state, other initial weights
    later = _trainer(split)
    later.model.apply(lambda m: m.reset_parameters() if hasattr(m, "reset_parameters") else None)
    later.load_state_dict(state)
    assert later.epoch == 1 and later.scheduler.last_epoch == later.steps_per_epoch
    rest = later.run_epochs(2)
    assert [s.epoch for s in rest] == [2, 3]
    assert [s.train_loss for s in later.history] == [s.train_loss for s in whole.history]
    assert rest[-1].val_accuracy == whole_stats[-1].val_accuracy and rest[-1].val_loss == whole_stats[-1].val_loss
    # Weights equal; batch-norm buffers differ only where one run was evaluated (precise BN
    # re-estimates them from the weights at every evaluation, so evaluations agree).
    for a, b in zip(whole.model.parameters(), later.model.parameters()):
        assert torch.equal(a, b)


def test_validation_when_asked_and_callbacks(split: Split) -> None:
    trainer = _trainer(split)
    seen: list[EpochStats] = []
    stats = trainer.run_epochs(2, on_epoch=seen.append, validate="end")
    assert seen == stats and stats[0].val_accuracy is None and stats[1].val_accuracy is not None
    assert trainer.run_epochs(1, validate="never")[0].val_loss is None


def test_running_past_the_schedule_or_loading_a_longer_run_is_refused(split: Split) -> None:
    trainer = _trainer(split, epochs=1)
    trainer.run_epochs(1)
    with pytest.raises(NasError, match="schedule has 0 of 1 left"):
        trainer.run_epochs(1)
    longer = _trainer(split, epochs=3)
    longer.run_epochs(2)
    with pytest.raises(NasError, match="more than the 1"):
        _trainer(split, epochs=1).load_state_dict(longer.state_dict())
    with pytest.raises(NasError, match="EMA"):
        _trainer(split, epochs=3, ema_decay=0.9).load_state_dict(longer.state_dict())


def test_batches_in_any_pieces_train_what_whole_epochs_train(split: Split) -> None:
    whole = _trainer(split)
    whole.run_epochs()
    pieces = _trainer(split)
    steps = pieces.steps_per_epoch  # 8
    losses = [pieces.run_steps(n) for n in (3, 0, 7, steps * 3 - 10)]  # the second piece crosses an epoch
    assert math.isnan(losses[1]) and all(math.isfinite(x) for x in losses[:1] + losses[2:])
    assert pieces.epoch == 3 and pieces.steps_done == pieces.total_steps == 3 * steps
    assert [s.epoch for s in pieces.history] == [1, 2, 3]
    assert [s.train_loss for s in pieces.history] == pytest.approx([s.train_loss for s in whole.history])
    # Weights equal; batch-norm buffers differ only where one run was evaluated (precise BN
    # re-estimates them from the weights at every evaluation, so evaluations agree).
    for a, b in zip(whole.model.parameters(), pieces.model.parameters()):
        assert torch.equal(a, b)
    assert pieces.evaluate(split.val_x, split.val_y) == whole.evaluate(split.val_x, split.val_y)
    with pytest.raises(NasError, match="0 of 24 left"):
        pieces.run_steps(1)


def test_a_run_stopped_inside_an_epoch_continues_from_its_state(split: Split) -> None:
    whole = _trainer(split)
    whole.run_epochs(2)
    first = _trainer(split)
    first.run_steps(5)
    with pytest.raises(NasError, match="inside an epoch"):
        first.run_epochs(1)
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    later = _trainer(split)
    later.load_state_dict(torch.load(buffer, weights_only=True))
    assert later.steps_done == 5
    later.run_steps(2 * later.steps_per_epoch - 5)
    later.run_epochs(0)  # at an epoch's end again, whole epochs are allowed
    # Weights equal; batch-norm buffers differ only where one run was evaluated (precise BN
    # re-estimates them from the weights at every evaluation, so evaluations agree).
    for a, b in zip(whole.model.parameters(), later.model.parameters()):
        assert torch.equal(a, b)
