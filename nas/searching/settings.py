"""What ``nas search`` was asked: its settings, their checks, and which of them a study stores."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nas.cpus import usable_cpus
from nas.errors import NasError, SpaceError
from nas.searching.prescreen import DEFAULT_PROXY, check_prescreen, enabled
from nas.searching.rungs import FIDELITIES, RungPlan, plan_rungs
from nas.searching.sampler import SAMPLERS
from nas.study.storage import default_storage
from nas.training import TrainSettings
from nas.training.device import MAX_THREADS
from nas.units import format_count

#: Settings a study stores besides its identity, so a worker joining it can take them.
RUN_KEYS = ("sampler", "heartbeat", "grace", "with_presets", "preset_max_flops")


@dataclass(frozen=True)
class SearchSettings:
    """Everything ``nas search`` takes (see its ``--help``).

    ``space`` is the space file; ``None`` when joining a study that stores its space.
    """

    space: str | None
    max_flops: int
    max_params: int | None = None
    trials: int = 24
    timeout: float | None = None
    study: str | None = None
    storage: str | None = None
    dataset: str = "fashion-mnist"
    data_dir: str | None = None
    download: bool = False
    epochs: int = 6
    #: Training images per trial; 0 or ``None``: all.
    train_subset: int | None = 6000
    val_size: int = 2000
    batch_size: int = 128
    seed: int = 0
    jobs: int | None = None
    threads: int | None = None
    sampler: str = "tpe"
    objectives: tuple[str, ...] = ("accuracy", "flops")
    with_presets: bool = False
    preset_max_flops: int | None = None
    heartbeat: int = 30
    grace: int = 120
    #: ``single``: every trial trains at ``epochs`` x ``train_subset``; ``asha``: rungs (see :mod:`nas.searching.rungs`).
    fidelity: str = "single"
    #: ``asha``: each rung trains ``eta`` times the one below, and 1 in ``eta`` trials goes on.
    eta: int = 3
    #: ``asha``: rung 0's epochs (default: ``epochs`` divided by ``eta`` as often as it divides).
    min_epochs: int | None = None
    #: ``asha``: rung 0's training images (default: ``train_subset``).
    min_train_subset: int | None = None
    #: Zero-cost pre-screening: candidates per trained architecture (0 or 1: off). On by default:
    #: it found better fronts at equal CPU time (``benchmarks/search_efficiency.py``, see the README).
    prescreen: int = 4
    prescreen_proxy: str = DEFAULT_PROXY
    progress: bool = True
    #: One line per finished trial on stderr (when progress bars are off because it is no terminal).
    trial_lines: bool = False

    @property
    def study_name(self) -> str:
        if self.study:
            return self.study
        if self.space is None:
            raise NasError("give a space file or --study NAME of a stored study to join")
        return f"{Path(self.space).stem}-{format_count(self.max_flops)}-{self.dataset.replace(':', '_').replace('/', '_')}"

    @property
    def storage_url(self) -> str:
        return self.storage or default_storage(self.study_name)

    def train_settings(self) -> TrainSettings:
        """How every architecture of the study (and the linear baseline) is proxy-trained."""
        return TrainSettings(epochs=self.epochs, batch_size=self.batch_size, seed=self.seed)

    def rung_plan(self) -> RungPlan | None:
        """The rungs of an ``asha`` search (``None`` for ``single``).

        Raises:
            NasError: when the rung options do not fit (see :func:`nas.searching.rungs.plan_rungs`).
        """
        if self.fidelity != "asha":
            return None
        return plan_rungs(self.eta, self.epochs, self.train_subset, self.min_epochs, self.min_train_subset,
                          self.batch_size)

    def identity(self, space_name: str) -> dict[str, Any]:
        """The settings a resumed study must share with the one stored (the space's content is
        checked apart, by its hash). An ``asha`` study also stores its rung plan (``fidelity``);
        a single-fidelity one stores none, as studies made before rungs existed. Pre-screening
        appears only when on, so a study stored before it existed reads as one without it."""
        identity = {
            "space": space_name, "max_flops": self.max_flops, "max_params": self.max_params,
            "dataset": self.dataset, "objectives": list(self.objectives), "epochs": self.epochs,
            "train_subset": self.train_subset or None, "val_size": self.val_size, "batch_size": self.batch_size,
            "seed": self.seed,
        }
        plan = self.rung_plan()
        if plan is not None:
            identity["fidelity"] = plan.stored()
        if enabled(self.prescreen):
            identity.update(prescreen=self.prescreen, prescreen_proxy=self.prescreen_proxy)
        return identity

    def run_attrs(self) -> dict[str, Any]:
        """The settings of :data:`RUN_KEYS`, as stored in the study."""
        return {k: getattr(self, k) for k in RUN_KEYS}


#: The defaults of a new study (for options not given).
DEFAULTS = {f.name: f.default for f in fields(SearchSettings) if f.name not in ("space", "max_flops")}


def default_jobs() -> int:
    """Worker processes when ``--jobs`` is not given: two one-thread workers on a CPU with two or
    more cores (measured faster than one two-thread worker, benchmarks/search_throughput.py),
    one worker on a GPU."""
    import torch

    return 1 if torch.cuda.is_available() or usable_cpus() < 2 else 2


def settings_from(**kwargs: Any) -> SearchSettings:
    """Build settings from the values a user gave (``None`` or absent: the default), checking them.

    Raises:
        NasError / SpaceError: naming the option that is wrong.
    """
    given = {k: v for k, v in kwargs.items() if v is not None}
    given.setdefault("space", None)
    if "max_flops" not in given:
        raise NasError("--max-flops is required for a new study")
    if "prescreen_proxy" in given and not enabled(given.get("prescreen", DEFAULTS["prescreen"])):
        raise NasError(f"--prescreen-proxy {given['prescreen_proxy']} needs --prescreen K with K >= 2 "
                       "(candidates per trained architecture)")
    if "eta" in given and given.get("fidelity", DEFAULTS["fidelity"]) != "asha":
        raise NasError("--eta sets how rungs grow and how many trials go on: it needs --fidelity asha")
    if given.get("jobs") is None:
        given["jobs"] = default_jobs()
    settings = SearchSettings(**given)
    check(settings)
    if settings.space is not None and not Path(settings.space).is_file():
        raise SpaceError(f"{settings.space}: no such space file (see search_spaces/)")
    return settings


#: The largest ``--seed`` (the data split seeds torch with ``seed + 1``; space sampling with ``seed``).
MAX_SEED = 2**31 - 1
MAX_TIMEOUT_S = 366 * 24 * 3600
#: Upper bounds beyond which a value is a typo, not a request: (setting, maximum, unit).
_MAXIMA = (
    ("trials", 1_000_000, "trials"), ("epochs", 10_000, "epochs"), ("batch_size", 1_000_000, "images"),
    ("heartbeat", 24 * 3600, "seconds (a day)"), ("grace", 7 * 24 * 3600, "seconds (a week)"),
)


def max_jobs() -> int:
    """The most worker processes one host may start: every CPU this process may use, and at least 64."""
    return max(64, usable_cpus())


def check(settings: SearchSettings) -> None:
    """Refuse values no search can run with.

    Raises:
        NasError: one line naming the option.
    """
    for name, low in (("trials", 1), ("jobs", 1), ("epochs", 1), ("batch_size", 1), ("val_size", 1),
                      ("heartbeat", 1), ("grace", 1), ("max_flops", 1)):
        value = getattr(settings, name)
        if value is not None and value < low:
            raise NasError(f"--{name.replace('_', '-')} must be >= {low}, got {value}")
    for name, high, what in _MAXIMA:
        value = getattr(settings, name)
        if value is not None and value > high:
            raise NasError(f"--{name.replace('_', '-')} must be at most {high:,} {what}, got {value:,}")
    if settings.train_subset is not None and settings.train_subset < 0:
        raise NasError(f"--train-subset must be >= 0 (0: all), got {settings.train_subset}")
    if settings.threads is not None and not 1 <= settings.threads <= MAX_THREADS:
        raise NasError(f"--threads must be from 1 to {MAX_THREADS:,}, got {settings.threads}")
    if settings.jobs is not None and settings.jobs > max_jobs():
        raise NasError(f"--jobs must be at most {max_jobs()} worker processes on this host (more hosts can join "
                       f"the same --storage), got {settings.jobs:,}")
    if not 0 <= settings.seed <= MAX_SEED:
        raise NasError(f"--seed must be from 0 to {MAX_SEED:,}, got {settings.seed}")
    if settings.timeout is not None and not 0 < settings.timeout <= MAX_TIMEOUT_S:
        raise NasError(f"--timeout must be a number of seconds from more than 0 to {MAX_TIMEOUT_S:,} "
                       f"(a year), got {settings.timeout}")
    if settings.grace <= settings.heartbeat:
        raise NasError(
            f"--grace ({settings.grace} s) must be larger than --heartbeat ({settings.heartbeat} s), or live "
            "trials are failed as silent"
        )
    check_prescreen(settings.prescreen, settings.prescreen_proxy)
    if settings.sampler not in SAMPLERS:
        raise NasError(f"--sampler: unknown sampler {settings.sampler!r} (choose from {', '.join(SAMPLERS)})")
    if settings.eta < 2:
        raise NasError(f"--eta must be >= 2, got {settings.eta}")
    if settings.fidelity not in FIDELITIES:
        raise NasError(f"--fidelity: unknown fidelity {settings.fidelity!r} (choose from {', '.join(FIDELITIES)})")
    if settings.fidelity == "asha":
        settings.rung_plan()
    elif settings.min_epochs is not None or settings.min_train_subset is not None:
        raise NasError("--min-epochs and --min-train-subset define rungs: they need --fidelity asha")


__all__ = ["DEFAULTS", "RUN_KEYS", "SearchSettings", "check", "default_jobs", "settings_from"]
