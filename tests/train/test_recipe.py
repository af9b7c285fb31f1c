"""Recipe options: an EMA of the weights, random erasing."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nas.data import load_dataset, split_train_val
from nas.training import Trainer, TrainSettings, train_proxy
from nas.training.augment import random_erase
from nas.training.ema import WeightEMA


def test_ema_follows_the_weights_by_the_stated_rule() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    with torch.no_grad():
        model[0].weight.fill_(1.0)
    ema = WeightEMA(model, decay=0.5)
    assert torch.equal(ema.model[0].weight, model[0].weight) and ema.model[0].weight is not model[0].weight
    with torch.no_grad():
        model[0].weight.fill_(3.0)
        model[1].num_batches_tracked.fill_(7)
    assert ema.rate() == pytest.approx(2 / 11)  # the ramp: min(0.5, (1 + 1) / (10 + 1))
    ema.update(model)
    expected = 1.0 + (1 - 2 / 11) * (3.0 - 1.0)
    assert torch.allclose(ema.model[0].weight, torch.full((2, 3), expected))
    assert ema.model[1].num_batches_tracked.item() == 7  # integer buffers are copied
    for _ in range(200):
        ema.update(model)
    assert ema.rate() == 0.5 and torch.allclose(ema.model[0].weight, torch.full((2, 3), 3.0))
    assert not any(p.requires_grad for p in ema.model.parameters())


def test_trainer_evaluates_and_continues_the_ema() -> None:
    torch.set_num_threads(1)
    split = split_train_val(load_dataset("synthetic:1x16x16:4:320"), val_size=64, seed=0)

    def trainer(decay: float) -> Trainer:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                              nn.Linear(8, 4))
        return Trainer(model, split.train_x, split.train_y, split.mean, split.std,
                       TrainSettings(epochs=2, batch_size=32, ema_decay=decay), "cpu",
                       val=(split.val_x, split.val_y), progress=False)

    plain, averaged = trainer(0.0), trainer(0.9)
    assert plain.eval_model is plain.model and averaged.eval_model is averaged.ema.model
    a, b = plain.run_epochs(1)[0], averaged.run_epochs(1)[0]
    assert a.train_loss == b.train_loss  # the same training
    w_model, w_ema = averaged.model[0].weight, averaged.ema.model[0].weight
    assert not torch.equal(w_model, w_ema)  # ... evaluated with other weights
    assert b.val_loss == pytest.approx(averaged.evaluate(split.val_x, split.val_y)[1])
    assert b.val_loss != a.val_loss
    state = averaged.state_dict()
    again = trainer(0.9)
    again.load_state_dict(state)
    assert torch.equal(again.ema.model[0].weight, w_ema) and again.ema.updates == averaged.ema.updates


def test_random_erasing_is_deterministic_and_erases_the_expected_share() -> None:
    x = torch.ones(4000, 2, 16, 16)
    out = random_erase(x, 0.5, torch.Generator().manual_seed(3))
    assert torch.equal(out, random_erase(x, 0.5, torch.Generator().manual_seed(3)))
    assert not torch.equal(out, random_erase(x, 0.5, torch.Generator().manual_seed(4)))
    assert torch.equal(x, torch.ones_like(x))  # the input is left as it is
    erased = out == 0
    assert torch.equal(erased[:, 0], erased[:, 1])  # one rectangle through every channel
    per_image = erased[:, 0].flatten(1).float().mean(1)
    touched = per_image > 0
    assert abs(touched.float().mean().item() - 0.5) < 0.03  # the probability
    share = per_image[touched]
    assert share.min() >= 1 / 256 and share.max() <= 0.45  # 2% to 33% of the area, give or take rounding
    assert abs(share.mean().item() - (0.02 + 1 / 3) / 2) < 0.03
    for img in erased[touched][:50, 0]:  # each a rectangle: its rows and columns form a full block
        rows, cols = img.any(1), img.any(0)
        assert img.sum() == rows.sum() * cols.sum()
    assert torch.equal(random_erase(x, 0.0, torch.Generator().manual_seed(0)), x)
    assert (random_erase(x, 1.0, torch.Generator().manual_seed(0)) == 0).flatten(1).any(1).all()


def test_erasing_changes_training_deterministically() -> None:
    torch.set_num_threads(1)
    split = split_train_val(load_dataset("synthetic:1x16x16:4:320"), val_size=64, seed=0)

    def run(erase: float) -> float:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                              nn.Linear(8, 4))
        return train_proxy(model, split, TrainSettings(epochs=1, batch_size=32, erase_prob=erase), "cpu",
                           progress=False).train_loss

    assert run(0.5) == run(0.5) != run(0.0)


@pytest.mark.parametrize("field,value", [("ema_decay", -0.1), ("ema_decay", 1.0), ("ema_decay", float("nan")),
                                         ("erase_prob", -0.1), ("erase_prob", 1.01), ("erase_prob", float("nan")),
                                         ("lr", float("inf")), ("lr", float("nan")), ("warmup_epochs", float("inf")),
                                         ("weight_decay", float("nan")), ("seed", -1)])
def test_settings_refuse_out_of_range_recipe_values(field: str, value: float) -> None:
    from nas.errors import NasError

    with pytest.raises(NasError, match=field):
        TrainSettings(**{field: value})
