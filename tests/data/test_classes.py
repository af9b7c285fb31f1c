"""Data sets must have at least two classes; synthetic sets stay small."""

from __future__ import annotations

from pathlib import Path

import pytest

from nas.data import load_dataset
from nas.errors import DataError


def _folder(root: Path, classes: tuple[str, ...], per_class: int = 5) -> None:
    from PIL import Image

    for i, cls in enumerate(classes):
        (root / cls).mkdir(parents=True)
        for j in range(per_class):
            Image.new("RGB", (12, 12), (60 * i, 20 * j, 0)).save(root / cls / f"{j}.png")


def test_one_class_folder_is_refused(tmp_path: Path) -> None:
    _folder(tmp_path / "one", ("cat",))
    with pytest.raises(DataError, match=r"1 class \(cat\).*at least two"):
        load_dataset(f"folder:{tmp_path / 'one'}", resolution=8)
    _folder(tmp_path / "two", ("cat", "dog"))
    assert load_dataset(f"folder:{tmp_path / 'two'}", resolution=8).num_classes == 2


def test_split_folder_whose_training_part_has_one_class_is_refused(tmp_path: Path) -> None:
    _folder(tmp_path / "d" / "train", ("cat",))
    _folder(tmp_path / "d" / "val", ("cat",))
    with pytest.raises(DataError, match="at least two"):
        load_dataset(f"folder:{tmp_path / 'd'}", resolution=8)


@pytest.mark.parametrize("classes", ["1", "0", "-2"])
def test_synthetic_needs_two_classes(classes: str) -> None:
    with pytest.raises(DataError, match="classes >= 2"):
        load_dataset(f"synthetic:1x16x16:{classes}")


@pytest.mark.parametrize("spec", ["synthetic:1x16x16:4:0", "synthetic:1x16x16:4:-5", "synthetic:0x16x16",
                                  "synthetic:1x2x2", "synthetic:3x1024x1024:4:1000000", "synthetic:1x16x16:4:x"])
def test_synthetic_sizes_out_of_range(spec: str) -> None:
    with pytest.raises(DataError, match="synthetic"):
        load_dataset(spec)
