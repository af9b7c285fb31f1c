"""Data sets: Fashion-MNIST's real files, IDX validation, the stratified split, specs."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from nas.data import DATASETS, ImageData, load_dataset, split_train_val, subset
from nas.data.fashion_mnist import DEFAULT_DIR, FILES
from nas.data.idx import read_idx
from nas.errors import DataError

needs_fmnist = pytest.mark.skipif(
    not all((DEFAULT_DIR / (stem + ".gz")).is_file() for stem in FILES.values()),
    reason=f"Fashion-MNIST is not installed in {DEFAULT_DIR} (apt-get install dataset-fashion-mnist)",
)


@pytest.fixture(scope="module")
def fmnist() -> ImageData:
    return load_dataset("fashion-mnist")


def _write_idx(path: Path, array: np.ndarray, code: int = 0x08, compress: bool = False) -> None:
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


def _tiny_fmnist(folder: Path, compress: bool) -> None:
    rng = np.random.default_rng(0)
    for key, stem in FILES.items():
        n = 30 if key.startswith("train") else 10
        array = rng.integers(0, 256, (n, 28, 28)) if key.endswith("_x") else np.arange(n) % 10
        _write_idx(folder / (stem + (".gz" if compress else "")), array, compress=compress)


@needs_fmnist
def test_fashion_mnist_real_shapes_and_balance(fmnist: ImageData) -> None:
    assert fmnist.train_x.shape == (60000, 1, 28, 28) and fmnist.train_x.dtype == torch.uint8
    assert fmnist.test_x.shape == (10000, 1, 28, 28)
    assert fmnist.train_y.dtype == torch.int64 and len(fmnist.test_y) == 10000
    assert fmnist.num_classes == 10 and len(fmnist.class_names) == 10
    assert fmnist.input_shape == (1, 28, 28) and fmnist.channels == 1 and fmnist.resolution == 28
    assert fmnist.train_y.bincount().tolist() == [6000] * 10
    assert fmnist.test_y.bincount().tolist() == [1000] * 10
    assert 60 < fmnist.train_x.float().mean().item() < 90  # real images, not zeros


@needs_fmnist
def test_split_is_stratified_disjoint_deterministic_and_train_only(fmnist: ImageData) -> None:
    split = split_train_val(fmnist, val_size=2000, seed=3)
    assert len(split.val_y) == 2000 and len(split.train_y) == 58000
    assert split.val_y.bincount().tolist() == [200] * 10
    again = split_train_val(fmnist, val_size=2000, seed=3)
    assert torch.equal(split.val_x, again.val_x) and torch.equal(split.train_y, again.train_y)
    other = split_train_val(fmnist, val_size=2000, seed=4)
    assert not torch.equal(split.val_x, other.val_x)
    # Disjoint, and together exactly the training set: compare images as byte rows.
    def rows(x: torch.Tensor) -> set[bytes]:
        return {bytes(r) for r in x.reshape(len(x), -1).numpy()}

    train_rows, val_rows = rows(split.train_x), rows(split.val_x)
    all_train = rows(fmnist.train_x)
    assert val_rows <= all_train and not val_rows & train_rows
    assert len(split.train_x) + len(split.val_x) == len(fmnist.train_x)
    assert abs(split.mean[0] - 0.286) < 0.01 and abs(split.std[0] - 0.353) < 0.01


def test_split_never_touches_test_data() -> None:
    # Each "image" is its own id; test ids lie far above the training ids.
    data = load_dataset("synthetic")
    idx = torch.arange(len(data.train_y))
    marked = ImageData("ids", idx.view(-1, 1, 1, 1), data.train_y, idx[:4].view(-1, 1, 1, 1) + 10**6,
                       data.test_y[:4], data.num_classes)
    s = split_train_val(marked, val_fraction=0.25, seed=1)
    ids = torch.cat([s.train_x.flatten(), s.val_x.flatten()])
    assert sorted(ids.tolist()) == idx.tolist()  # a partition of the training set, test unused


def test_split_keeps_class_shares_of_unbalanced_data() -> None:
    y = torch.cat([torch.zeros(900), torch.ones(90), torch.full((10,), 2)]).long()
    data = ImageData("u", torch.zeros(1000, 1, 4, 4, dtype=torch.uint8), y, torch.zeros(1, 1, 4, 4, dtype=torch.uint8),
                     y[:1], 3)
    split = split_train_val(data, val_size=100, seed=0)
    assert split.val_y.bincount().tolist() == [90, 9, 1]
    assert split.train_y.bincount().tolist() == [810, 81, 9]


def test_subset_is_class_balanced_and_deterministic() -> None:
    split = split_train_val(load_dataset("synthetic:1x16x16:4:1000"), val_size=200, seed=0)
    small = subset(split, 100, seed=5)
    assert small.train_y.bincount().tolist() == [25] * 4
    assert torch.equal(small.train_x, subset(split, 100, seed=5).train_x)
    assert torch.equal(small.val_x, split.val_x) and small.mean == split.mean
    assert subset(split, 10**6) is split


def test_split_rejects_impossible_sizes() -> None:
    data = load_dataset("synthetic")
    with pytest.raises(DataError):
        split_train_val(data, val_size=len(data.train_y))


@pytest.mark.parametrize("compress", [True, False])
def test_fashion_mnist_reads_gzipped_and_plain_idx(tmp_path: Path, compress: bool) -> None:
    _tiny_fmnist(tmp_path, compress)
    data = load_dataset("fashion-mnist", data_dir=tmp_path)
    assert data.train_x.shape == (30, 1, 28, 28) and data.test_y.tolist() == list(range(10))


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist.*--data-dir"):
        load_dataset("fashion-mnist", data_dir=tmp_path)


@pytest.mark.parametrize("damage", ["magic", "truncated", "gzip", "labels"])
def test_corrupt_idx_gives_data_error(tmp_path: Path, damage: str) -> None:
    _tiny_fmnist(tmp_path, compress=False)
    images = tmp_path / FILES["train_x"]
    if damage == "magic":
        images.write_bytes(b"\x12\x34" + images.read_bytes()[2:])
    elif damage == "truncated":
        images.write_bytes(images.read_bytes()[:-100])
    elif damage == "gzip":
        images.unlink()
        (tmp_path / (FILES["train_x"] + ".gz")).write_bytes(b"\x1f\x8b" + b"not really gzip")
    else:
        _write_idx(tmp_path / FILES["train_y"], np.full(30, 11))
    with pytest.raises(DataError, match=str(tmp_path)):
        load_dataset("fashion-mnist", data_dir=tmp_path)


def test_read_idx_checks_header_sizes(tmp_path: Path) -> None:
    path = tmp_path / "x.idx"
    _write_idx(path, np.zeros((3, 2), dtype=np.uint8))
    assert read_idx(path).shape == (3, 2)
    path.write_bytes(bytes([0, 0, 8, 2, 0, 0, 0, 3]))
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)


def test_synthetic_specs_and_unknown_names() -> None:
    data = load_dataset("synthetic:3x32x32:10:200")
    assert data.input_shape == (3, 32, 32) and data.num_classes == 10 and len(data.train_y) == 200
    assert data.train_y.bincount().tolist() == [20] * 10
    assert torch.equal(data.train_x, load_dataset("synthetic:3x32x32:10:200").train_x)
    with pytest.raises(DataError, match="synthetic"):
        load_dataset("synthetic:3x32")
    with pytest.raises(DataError, match="fashion-mnist, cifar10"):
        load_dataset("mnist")
    assert "fashion-mnist" in DATASETS


def test_cifar_missing_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=str(tmp_path)):
        load_dataset("cifar10", data_dir=tmp_path)


def test_image_folder_single_and_split_layouts(tmp_path: Path) -> None:
    from PIL import Image

    for layout in ("flat", "split"):
        root = tmp_path / layout
        for i, cls in enumerate(("cat", "dog")):
            for j in range(5):
                sub = root / ("train" if j < 4 else "val") / cls if layout == "split" else root / cls
                sub.mkdir(parents=True, exist_ok=True)
                Image.new("RGB", (20 + j, 10), (200 * i, 30 * j, 0)).save(sub / f"{j}.png")
        data = load_dataset(f"folder:{root}", resolution=16)
        assert data.input_shape == (3, 16, 16) and data.class_names == ("cat", "dog")
        assert len(data.train_y) == 8 and len(data.test_y) == 2
    with pytest.raises(DataError, match="no such directory"):
        load_dataset(f"folder:{tmp_path / 'absent'}")
    shutil.rmtree(tmp_path / "flat")
