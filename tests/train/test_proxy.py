"""The proxy trainer: it learns, it is deterministic, it reports divergence and epochs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nas.data import load_dataset, split_train_val, subset
from nas.data.dataset import Split
from nas.data.fashion_mnist import DEFAULT_DIR, FILES
from nas.errors import NasError, TrainingDiverged
from nas.training import (
    TrainResult,
    TrainSettings,
    evaluate,
    pick_device,
    set_threads,
    train_proxy,
)
from nas.training.augment import crop_flip, pad_images


def tiny_cnn(channels: int, classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, classes),
    )


@pytest.fixture(scope="module")
def synthetic() -> Split:
    set_threads(2)
    return split_train_val(load_dataset("synthetic:1x16x16:4:1024"), val_size=256, seed=0)


def _train(split: Split, seed: int = 0, **kwargs: object) -> TrainResult:
    torch.manual_seed(seed)
    model = tiny_cnn(split.input_shape[0], split.num_classes)
    settings = TrainSettings(**{"epochs": 5, "batch_size": 64, "seed": seed, **kwargs})  # type: ignore[arg-type]
    return train_proxy(model, split, settings, device="cpu", progress=False)


def test_learns_synthetic_data_well_above_chance(synthetic: Split) -> None:
    result = _train(synthetic)
    assert result.val_accuracy > 0.85  # chance is 0.25
    assert result.epochs == 5 and result.train_samples == 768 - 768 % 64
    assert result.train_time_s > 0 and result.samples_per_s > 0 and result.val_loss < 1.0


def test_same_seed_gives_identical_results(synthetic: Split) -> None:
    a, b = _train(synthetic, epochs=2), _train(synthetic, epochs=2)
    assert a.val_accuracy == b.val_accuracy and a.val_loss == b.val_loss and a.train_loss == b.train_loss
    c = _train(synthetic, epochs=2, seed=1)
    assert (c.val_loss, c.train_loss) != (a.val_loss, a.train_loss)


def test_nan_loss_raises_training_diverged(synthetic: Split) -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(256, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x.flatten(1)) * float("nan")

    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 1 step 1"):
        train_proxy(Broken(), synthetic, TrainSettings(epochs=1), device="cpu", progress=False)


def test_on_epoch_reports_each_epoch_and_can_stop_training(synthetic: Split) -> None:
    seen: list[tuple[int, float]] = []
    torch.manual_seed(0)
    model = tiny_cnn(1, 4)
    result = train_proxy(model, synthetic, TrainSettings(epochs=3, batch_size=64), progress=False,
                         on_epoch=lambda e, acc: seen.append((e, acc)))
    assert [e for e, _ in seen] == [1, 2, 3] and seen[-1][1] == result.val_accuracy
    assert result.history == tuple(acc for _, acc in seen)

    class Stop(Exception):
        pass

    def prune(epoch: int, acc: float) -> None:
        raise Stop

    with pytest.raises(Stop):
        train_proxy(tiny_cnn(1, 4), synthetic, TrainSettings(epochs=3), progress=False, on_epoch=prune)


def test_max_train_samples_and_evaluate(synthetic: Split) -> None:
    torch.manual_seed(0)
    model = tiny_cnn(1, 4)
    result = train_proxy(model, synthetic, TrainSettings(epochs=1, batch_size=50, max_train_samples=200), progress=False)
    assert result.train_samples == 200
    acc, loss = evaluate(model, synthetic.val_x, synthetic.val_y, batch_size=100, mean=synthetic.mean, std=synthetic.std)
    assert acc == pytest.approx(result.val_accuracy) and loss == pytest.approx(result.val_loss, rel=1e-5)
    assert model.training  # evaluate restores the mode


def test_invalid_settings_are_user_errors() -> None:
    with pytest.raises(NasError, match="epochs"):
        TrainSettings(epochs=0)


def test_crop_flip_shifts_and_mirrors_whole_batches() -> None:
    x = torch.arange(3 * 2 * 5 * 5, dtype=torch.uint8).view(3, 2, 5, 5)
    gen = torch.Generator().manual_seed(0)
    plain = crop_flip(pad_images(x, 0), torch.tensor([2, 0]), (5, 5), 0, False, gen)
    assert torch.equal(plain, x[[2, 0]])
    out = crop_flip(pad_images(x, 3), torch.arange(3).repeat(50), (5, 5), 3, True, gen)
    assert out.shape == (150, 2, 5, 5)
    for img, src in zip(out, x.repeat(50, 1, 1, 1)):  # every output is a shifted (maybe mirrored) source
        ok = False
        for cand in (src, src.flip(2)):
            padded = pad_images(cand[None], 3)[0]
            ok |= any(torch.equal(img, padded[:, dy : dy + 5, dx : dx + 5]) for dy in range(7) for dx in range(7))
        assert ok
    assert len({bytes(o.flatten().numpy()) for o in out}) > 30  # offsets really vary


def test_pick_device_prefers_cuda_only_when_present() -> None:
    assert pick_device("cpu").type == "cpu"
    assert pick_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(not (DEFAULT_DIR / (FILES["train_x"] + ".gz")).is_file(),
                    reason=f"Fashion-MNIST is not installed in {DEFAULT_DIR} (apt-get install dataset-fashion-mnist)")
def test_tiny_fashion_mnist_slice_beats_chance() -> None:
    set_threads(2)
    split = subset(split_train_val(load_dataset("fashion-mnist"), val_size=1000, seed=0), 2000, seed=0)
    torch.manual_seed(0)
    result = train_proxy(tiny_cnn(1, 10), split, TrainSettings(epochs=2, batch_size=64), progress=False)
    assert result.val_accuracy > 0.35  # chance is 0.10
