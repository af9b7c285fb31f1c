"""``nas.train``: the full training of ``nas train``, returning its metrics and the trained model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nas import options as O
from nas.api.recipe import RECIPE, recipe_from

if TYPE_CHECKING:
    import torch

    from nas.arch.config import ArchConfig
    from nas.training.full import FullResult

#: ``nas train``'s options besides the recipe's (:data:`nas.api.recipe.RECIPE`).
OPTIONS = ("output", "dataset", "data_dir", "download", "resolution", "adapt", "val_size", "threads", "device",
           "restart", "onnx", "no_progress")


@dataclass(frozen=True)
class Trained:
    """What :func:`train` made.

    Attributes:
        config: the architecture trained (re-targeted to the data when ``adapt=True``).
        dataset: the data set's name.
        result: the metrics (test accuracy and loss, losses per epoch, wall time, the run folder).
        model: the trained model, in eval mode, on the CPU.
        onnx: the ONNX file written, when asked for one.
    """

    config: ArchConfig
    dataset: str
    result: FullResult
    model: torch.nn.Module = field(repr=False)
    onnx: Path | None = None


def _checked(options: dict[str, Any]) -> dict[str, Any]:
    from nas.errors import NasError
    from nas.training.device import MAX_THREADS

    O.check_known(options, [*OPTIONS, *RECIPE], "nas.train")
    output = O.text(options.get("output"), "--output")
    if not output:
        raise NasError("--output: give the run folder (checkpoint.pt, model.pt and metrics.json go there)")
    values = {
        "output": output, "dataset": O.text(options.get("dataset"), "--dataset") or "fashion-mnist",
        "data_dir": O.text(options.get("data_dir"), "--data-dir"), "download": bool(O.flag(options.get("download"), "--download")),
        "resolution": O.integer(options.get("resolution"), "--resolution"), "adapt": bool(O.flag(options.get("adapt"), "--adapt")),
        "val_size": O.integer(options.get("val_size"), "--val-size") or 0,
        "threads": O.integer(options.get("threads"), "--threads"), "device": O.text(options.get("device"), "--device"),
        "restart": bool(O.flag(options.get("restart"), "--restart")), "onnx": O.text(options.get("onnx"), "--onnx"),
        "no_progress": bool(O.flag(options.get("no_progress"), "--no-progress")),
    }
    checks = (
        ("--val-size", values["val_size"], values["val_size"] >= 0, "a whole number >= 0"),
        ("--threads", values["threads"], values["threads"] is None or 1 <= values["threads"] <= MAX_THREADS,
         f"a whole number from 1 to {MAX_THREADS}"),
        ("--resolution", values["resolution"], values["resolution"] is None or 4 <= values["resolution"] <= 4096,
         "a whole number of pixels from 4 to 4096"),
    )
    for option, value, ok, what in checks:
        if not ok:
            raise NasError(f"{option} must be {what}, got {value}")
    return values


def train(arch: Any, **options: Any) -> Trained:
    """Train an architecture on the whole training set and evaluate it once on the test split,
    as ``nas train`` does: a checkpoint after every epoch in ``output``, from which the same call
    resumes after an interruption.

    Args:
        arch: an :class:`~nas.ArchConfig`, a preset name or a config YAML file.
        **options: ``nas train``'s options by their long names with underscores: ``output=`` (the
            run folder, required), ``dataset=``, ``data_dir=``, ``adapt=True``, ``val_size=``,
            ``threads=``, ``device=``, ``restart=True``, ``onnx=``, ``no_progress=True`` and the
            recipe's ``epochs=15``, ``batch_size=128``, ``lr=0.1``, ``weight_decay=5e-4``,
            ``warmup=1.0``, ``seed=0``, ``no_augment=``, ``no_flip=``, ``erase=``, ``ema=``.

    Returns:
        The :class:`Trained` config, metrics and model.

    Raises:
        NasError: for a bad option, architecture or data set, or a diverged training, with the
            one-line message ``nas train`` prints.
    """
    from nas.api.arch import resolve_arch
    from nas.data import load_dataset
    from nas.errors import NasError, TrainingDiverged
    from nas.training import pick_device, set_threads
    from nas.training.full import adapt_config, load_trained, train_full

    settings = recipe_from(options)
    v = _checked(options)
    pick_device(v["device"])  # an unknown or absent device fails before the data is loaded
    config = resolve_arch(arch)
    data = load_dataset(v["dataset"], v["data_dir"], download=v["download"], resolution=v["resolution"])
    config = adapt_config(config, data, adapt=v["adapt"])
    set_threads(v["threads"])
    try:
        result = train_full(config, data, settings, v["output"], device=v["device"],
                            progress=not v["no_progress"], resume=not v["restart"], val_size=v["val_size"])
    except TrainingDiverged as exc:
        raise NasError(f"training diverged: {exc} (try a lower --lr than {settings.lr:g})") from None
    model = load_trained(v["output"], config)
    onnx = None
    if v["onnx"]:
        from nas.training.onnx import export_onnx

        onnx = export_onnx(model, config.input_shape, v["onnx"])
    return Trained(config, data.name, result, model, onnx)


__all__ = ["OPTIONS", "Trained", "train"]
