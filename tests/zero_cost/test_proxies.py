"""Every proxy on real architectures: deterministic, leaves the model alone, finite on every
block family; and the entry point's checks of its input."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nas import build_model
from nas.arch.config import ArchConfig
from nas.data import load_dataset, split_train_val, subset
from nas.data.dataset import Split
from nas.data.fashion_mnist import DEFAULT_DIR, FILES
from nas.errors import NasError
from nas.space import SearchSpace
from nas.training import set_threads
from nas.zero_cost import PROXIES, Batch, check_names, naswot, score

SPACE = "search_spaces/lightweight.yaml"
HAVE_FMNIST = (DEFAULT_DIR / (FILES["train_x"] + ".gz")).is_file()


@pytest.fixture(scope="module")
def split() -> Split:
    set_threads(2)
    spec = "fashion-mnist" if HAVE_FMNIST else "synthetic:1x28x28:10:512"
    data = load_dataset(spec)
    return subset(split_train_val(data, val_size=100, seed=0), 400, seed=0)


@pytest.fixture(scope="module")
def space() -> SearchSpace:
    return SearchSpace.load(SPACE, (1, 28, 28), 10)


def covering_configs(space: SearchSpace, limit: int = 300) -> list[ArchConfig]:
    """Few random architectures that together use every stem kind, block family and activation."""
    chosen: list[ArchConfig] = []
    seen: set[str] = set()
    for _, config in space.random(limit, seed=3):
        blocks = [config.stem] + [b for s in config.stages for b in s.blocks]
        tags = {f"kind:{b.kind}" for b in blocks} | {f"deform:{b.deform}" for b in blocks}
        tags |= {f"act:{b.act}" for b in blocks} | {f"shortcut:{s.shortcut}" for s in config.stages}
        if not tags <= seen:
            chosen.append(config)
            seen |= tags
    return chosen


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_finite_on_every_block_family(space: SearchSpace, split: Split) -> None:
    configs = covering_configs(space)
    kinds = {b.kind for c in configs for s in c.stages for b in s.blocks}
    assert {"bneck", "ghost", "reshet", "basic", "conv", "cnx"} <= kinds
    batch = Batch.from_split(split, size=8, seed=0)
    for config in configs:
        torch.manual_seed(0)
        scores = score(build_model(config), batch, seed=0)
        assert list(scores) == list(PROXIES)
        bad = {k: v for k, v in scores.items() if not math.isfinite(v)}
        assert not bad, f"{config.notation()}: {bad}"


@pytest.mark.parametrize("name", list(PROXIES))
def test_deterministic_and_model_unchanged(name: str, space: SearchSpace, split: Split) -> None:
    _, config = next(iter(space.random(1, seed=11)))
    torch.manual_seed(0)
    model = build_model(config).train()
    before, rng = snapshot(model), torch.get_rng_state()
    batch = Batch.from_split(split, size=16, seed=0)
    first = score(model, batch, [name], seed=5)[name]
    second = score(model, batch, [name], seed=5)[name]
    assert first == second
    assert math.isfinite(first)
    after = snapshot(model)
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before), "scoring changed the model's state"
    assert model.training
    assert all(p.grad is None and p.dtype == torch.float32 for p in model.parameters())
    assert torch.equal(torch.get_rng_state(), rng), "scoring advanced the caller's RNG"


def test_scoring_all_at_once_equals_one_at_a_time(space: SearchSpace, split: Split) -> None:
    # snip and grad_norm share one backward pass when scored together: the values must not change.
    _, config = next(iter(space.random(1, seed=3)))
    torch.manual_seed(0)
    model = build_model(config)
    batch = Batch.from_split(split, size=16, seed=0)
    together = score(model, batch, seed=4)
    alone = {name: score(model, batch, [name], seed=4)[name] for name in PROXIES}
    assert together == alone
    assert list(score(model, batch, ["grad_norm", "snip"], seed=4)) == ["grad_norm", "snip"]


def test_eval_mode_model_stays_in_eval_mode(space: SearchSpace, split: Split) -> None:
    _, config = next(iter(space.random(1, seed=11)))
    model = build_model(config).eval()
    score(model, Batch.from_split(split, size=8, seed=0), seed=0)
    assert not any(m.training for m in model.modules())


def test_scores_tell_architectures_apart(space: SearchSpace, split: Split) -> None:
    batch = Batch.from_split(split, size=16, seed=0)
    rows = []
    for _, config in space.random(3, seed=2):
        torch.manual_seed(0)
        rows.append(score(build_model(config), batch, seed=0))
    for name in PROXIES:
        assert len({round(r[name], 9) for r in rows}) == 3, name


def test_naswot_seed_picks_the_sub_batch(space: SearchSpace, split: Split) -> None:
    _, config = next(iter(space.random(1, seed=4)))
    model = build_model(config)
    batch = Batch.from_split(split, size=32, seed=0)
    a, b = naswot(model, batch, seed=0, max_images=8), naswot(model, batch, seed=1, max_images=8)
    assert a != b
    assert naswot(model, batch, seed=0, max_images=8) == a


def test_batch_from_uint8_is_normalised_like_the_trainer(split: Split) -> None:
    batch = Batch.from_split(split, size=64, seed=0)
    assert batch.images.dtype == torch.float32 and batch.size == 64
    raw = split.train_x[:4]
    manual = (raw.float() / 255 - split.mean[0]) / split.std[0]
    assert torch.allclose(Batch.of(raw, split.train_y[:4], split.mean, split.std).images, manual)
    assert torch.equal(Batch.from_split(split, size=64, seed=0).labels, batch.labels)
    assert not torch.equal(Batch.from_split(split, size=64, seed=1).labels, batch.labels)
    assert Batch.from_split(split, size=10**9, seed=0).size == len(split.train_y)


@pytest.mark.parametrize("names, message", [
    (["synflw"], "unknown zero-cost proxy 'synflw'"),
    (["SNIP"], "unknown zero-cost proxy 'SNIP'"),
    ([""], "unknown zero-cost proxy ''"),
    ([], "no zero-cost proxy named"),
    (["snip", "snip"], "named twice"),
])
def test_bad_names(names: list[str], message: str) -> None:
    with pytest.raises(NasError, match=message):
        check_names(names)


@pytest.mark.parametrize("size", [0, -1, 1])
def test_bad_batch_size(size: int, split: Split) -> None:
    with pytest.raises(NasError, match="at least 2"):
        Batch.from_split(split, size=size)


def test_bad_batches() -> None:
    x = torch.zeros(4, 1, 8, 8)
    with pytest.raises(NasError, match="4 images but labels"):
        Batch(x, torch.zeros(3, dtype=torch.long))
    with pytest.raises(NasError, match="float images"):
        Batch(x.to(torch.uint8), torch.zeros(4, dtype=torch.long))
    with pytest.raises(NasError, match="float images"):
        Batch(torch.zeros(4, 64), torch.zeros(4, dtype=torch.long))
    with pytest.raises(NasError, match="at least 2 images"):
        Batch(x[:1], torch.zeros(1, dtype=torch.long))
    with pytest.raises(NasError, match="1 image channels but 3 means"):
        Batch.of(x.to(torch.uint8), torch.zeros(4, dtype=torch.long), (0.5,) * 3, (0.2,) * 3)
