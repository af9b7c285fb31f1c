"""The data a search trains on, and its space bound to that data's input."""

from __future__ import annotations

from dataclasses import dataclass

from nas.data import ImageData, Split, load_dataset, split_train_val, subset
from nas.searching.settings import SearchSettings
from nas.space import SearchSpace


@dataclass(frozen=True)
class Prepared:
    """The space bound to the data's input, the data, and the split architectures are scored on."""

    space: SearchSpace
    data: ImageData
    split: Split


def prepare(settings: SearchSettings, space_text: str | None = None, space_name: str = "space.yaml") -> Prepared:
    """Load the data, bind the space (the file, or ``space_text`` when given) and carve the validation split."""
    data = load_dataset(settings.dataset, settings.data_dir, download=settings.download)
    if space_text is not None:
        space = SearchSpace.from_text(space_text, space_name, data.input_shape, data.num_classes)
    else:
        assert settings.space is not None
        space = SearchSpace.load(settings.space, data.input_shape, data.num_classes)
    split = split_train_val(data, val_size=settings.val_size, seed=settings.seed)
    if settings.train_subset:
        split = subset(split, settings.train_subset, seed=settings.seed)
    return Prepared(space, data, split)
