"""The storage format of a trial and a study: the user-attr key names, and the only code that
reads or writes them.

Optuna's user attrs are how a trial's measurements are stored (readable by any Optuna client);
:mod:`nas.study.record` reads them back into a typed :class:`~nas.study.record.TrialRecord`,
and the readers below answer the few questions asked of a raw trial where reading a whole
record is not needed (a claim deciding which trial holds an architecture, Optuna's constraint
callback). Only the objective (and the baselines it evaluates) and finalisation
(:mod:`nas.finalizing`) write them, through the helpers below.
The key names are those of every study written so far, so existing studies still read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from optuna.trial import FrozenTrial, TrialState, create_trial

# Trial user attrs.
WORKER = "worker"
#: When the trial's worker began it, in seconds since the epoch (UTC, whatever the host's time zone).
STARTED_AT = "started_at"
ARCH = "arch"
NOTATION = "notation"
BASELINE = "baseline"
FLOPS = "flops"
PARAMS = "params"
CONSTRAINT = "constraint"
INFEASIBLE = "infeasible"
DUPLICATE_OF = "duplicate_of"
SURPLUS = "surplus"
TRAINING = "training"
LATENCY_MS = "latency_ms"
PEAK_ACTIVATION_BYTES = "peak_activation_bytes"
ACCURACY = "accuracy"
TRAIN_TIME_S = "train_time_s"
FIDELITY = "fidelity"
FAIL_REASON = "fail_reason"
#: Zero-cost proxy scores of the untrained network, ``{proxy name: score}`` (higher: more promising).
ZERO_COST = "zero_cost"
#: Seconds spent scoring the zero-cost proxies of the trial (one thread).
ZERO_COST_S = "zero_cost_s"
#: Pre-screening: how the trial's proxy score ranked among the candidates of its FLOPs bin,
#: ``{"proxy", "score", "bin", "rank", "candidates", "quota", "trained"}`` (see nas.searching.prescreen).
PRESCREEN = "prescreen"
#: Pre-screening: the trial ranked outside its bin's quota and was not trained (a PRUNED trial).
SCREENED_OUT = "screened_out"
#: Multi-fidelity: the rung a trial was stopped at (a PRUNED trial with this attr).
RUNG = "rung"
#: Multi-fidelity: the trial's result at each rung it reached, a list indexed by rung of
#: ``{"accuracy", "epochs", "images", "batches", "peers", "promoted"}`` (see :func:`write_rungs`).
RUNGS = "rungs"
#: Finalisation: the test accuracy of the architecture trained with the full recipe.
TEST_ACCURACY = "test_accuracy"
#: Finalisation trials (a trial of their own per job, never ranked): the trial they finalise,
#: the claim's last sign of life (seconds since the epoch), the training settings and the weights.
FINALIZES = "finalizes"
HEARTBEAT = "heartbeat"
RECIPE = "recipe"
WEIGHTS = "weights"

# Study user attrs.
STUDY_SETTINGS = "settings"
STUDY_TARGET = "target_trials"
STUDY_CREATED = "created"
STUDY_LINEAR_ACCURACY = "linear_accuracy"
STUDY_SPACE = "space"
STUDY_RUN = "run"


class _Writable(Protocol):
    def set_user_attr(self, key: str, value: Any) -> None: ...


class _Readable(Protocol):
    @property
    def user_attrs(self) -> dict[str, Any]: ...


# Readers of a trial (a FrozenTrial or a live optuna.Trial).
def is_search_trial(trial: _Readable) -> bool:
    """Whether the trial is one of the search's own (not a preset baseline, not a finalisation)."""
    return not trial.user_attrs.get(BASELINE) and FINALIZES not in trial.user_attrs


def baseline_of(trial: _Readable) -> str | None:
    """The preset a baseline trial evaluates (``None`` for any other trial)."""
    return trial.user_attrs.get(BASELINE)


def notation_of(trial: _Readable) -> str | None:
    """The architecture's notation, once the trial drew one."""
    return trial.user_attrs.get(NOTATION)


def arch_of(trial: _Readable) -> dict[str, Any] | None:
    """The architecture config (as a dict) the trial recorded, if any."""
    return trial.user_attrs.get(ARCH)


def marked_training(trial: _Readable) -> bool:
    """Whether the trial passed its claim and is being (or was) trained."""
    return bool(trial.user_attrs.get(TRAINING))


def started_at(trial: _Readable) -> float | None:
    """When the trial's worker began it (``time.time()``); ``None`` for trials of an older nas."""
    started = trial.user_attrs.get(STARTED_AT)
    return None if started is None else float(started)


def rung_of(trial: _Readable) -> int | None:
    """The successive-halving rung a trial stopped at (``None``: it was not stopped by a rung)."""
    rung = trial.user_attrs.get(RUNG)
    return None if rung is None else int(rung)


def constraint_of(trial: _Readable) -> tuple[float, ...]:
    """The budget violations the trial recorded (``<= 0`` is feasible; none recorded: feasible)."""
    return tuple(float(c) for c in trial.user_attrs.get(CONSTRAINT, (0.0,)))


def passed_prescreen(trial: _Readable) -> bool:
    """Whether the pre-screen decided to train the trial (a retry carries its first run's decision)."""
    decision = trial.user_attrs.get(PRESCREEN)
    return isinstance(decision, dict) and bool(decision.get("trained"))


def measurements_of(trial: _Readable) -> dict[str, Any]:
    """The search's measurements the trial holds, of ``accuracy``, ``flops``, ``params`` and ``latency_ms``."""
    return {k: trial.user_attrs[k] for k in (ACCURACY, FLOPS, PARAMS, LATENCY_MS) if k in trial.user_attrs}


# Readers of a study (an optuna.Study, or anything holding its user attrs).
def study_settings(study: _Readable) -> dict[str, Any]:
    """The settings the study was searched with (empty for a study not written by ``nas search``)."""
    settings = study.user_attrs.get(STUDY_SETTINGS)
    return dict(settings) if isinstance(settings, dict) else {}


def study_target(study: _Readable) -> int | None:
    """How many trained architectures the search aims for."""
    target = study.user_attrs.get(STUDY_TARGET)
    return None if target is None else int(target)


def study_linear_accuracy(study: _Readable) -> float | None:
    """The linear classifier's validation accuracy under the study's proxy training, once measured."""
    linear = study.user_attrs.get(STUDY_LINEAR_ACCURACY)
    return None if linear is None else float(linear)


def study_run(study: _Readable) -> dict[str, Any]:
    """How the study's workers run (``grace`` and the like; empty when not recorded)."""
    run = study.user_attrs.get(STUDY_RUN)
    return dict(run) if isinstance(run, dict) else {}


def write_started(trial: _Writable, now: float) -> None:
    """When the trial began (``time.time()``), before anything else is written."""
    trial.set_user_attr(STARTED_AT, float(now))


def write_arch(trial: _Writable, worker: str, arch: dict[str, Any], notation: str, baseline: str | None) -> None:
    """Who measures the trial and which architecture it is."""
    trial.set_user_attr(WORKER, worker)
    trial.set_user_attr(ARCH, arch)
    trial.set_user_attr(NOTATION, notation)
    if baseline:
        trial.set_user_attr(BASELINE, baseline)


def write_cost(trial: _Writable, flops: int, params: int, violations: Sequence[float]) -> None:
    """The counted cost and the budget violations (Optuna constraint values, <= 0 when met)."""
    trial.set_user_attr(FLOPS, int(flops))
    trial.set_user_attr(PARAMS, int(params))
    trial.set_user_attr(CONSTRAINT, [float(v) for v in violations])


def write_over_budget(trial: _Writable) -> None:
    trial.set_user_attr(INFEASIBLE, True)


def write_duplicate(trial: _Writable, of: int) -> None:
    """The trial repeats trial ``of``'s architecture: it is not trained and gives back its training slot."""
    trial.set_user_attr(DUPLICATE_OF, int(of))
    trial.set_user_attr(TRAINING, False)


def write_surplus(trial: _Writable) -> None:
    trial.set_user_attr(SURPLUS, True)


def write_training(trial: _Writable) -> None:
    """The trial holds a training slot (it is being trained)."""
    trial.set_user_attr(TRAINING, True)


def write_measured(trial: _Writable, latency_ms: float, peak_activation_bytes: int) -> None:
    trial.set_user_attr(LATENCY_MS, float(latency_ms))
    trial.set_user_attr(PEAK_ACTIVATION_BYTES, int(peak_activation_bytes))


def write_trained(trial: _Writable, accuracy: float, train_time_s: float, fidelity: dict[str, Any]) -> None:
    trial.set_user_attr(ACCURACY, float(accuracy))
    trial.set_user_attr(TRAIN_TIME_S, float(train_time_s))
    trial.set_user_attr(FIDELITY, dict(fidelity))


def write_rungs(trial: _Writable, rungs: Sequence[dict[str, Any]]) -> None:
    """The trial's results at the rungs it reached so far (the whole list, rewritten each rung).

    Each entry: ``accuracy`` (validation accuracy at that rung), ``epochs`` and ``images`` (the
    rung's fidelity), ``batches`` (batches of the schedule trained by then), and once decided
    ``promoted`` (bool) with ``peers``: the trial numbers of the promotion table it was decided
    with (itself included), so the decision can be replayed from the stored records.
    """
    trial.set_user_attr(RUNGS, [dict(r) for r in rungs])


def write_stopped(trial: _Writable, rung: int, train_time_s: float, fidelity: dict[str, Any]) -> None:
    """The promotion rule stopped the trial at ``rung`` (it is then PRUNED): the rung, the training
    time it took and that rung's fidelity. No ``accuracy``: only top-rung trials have one."""
    trial.set_user_attr(RUNG, int(rung))
    trial.set_user_attr(TRAIN_TIME_S, float(train_time_s))
    trial.set_user_attr(FIDELITY, dict(fidelity))


def write_zero_cost(trial: _Writable, scores: dict[str, float], seconds: float) -> None:
    """The zero-cost proxy scores of the untrained network and the time they took."""
    trial.set_user_attr(ZERO_COST, {str(k): float(v) for k, v in scores.items()})
    trial.set_user_attr(ZERO_COST_S, float(seconds))


def write_prescreen(trial: _Writable, decision: dict[str, Any]) -> None:
    """The pre-screening decision; a screened-out trial also gives back its training slot."""
    trial.set_user_attr(PRESCREEN, dict(decision))
    if not decision["trained"]:
        trial.set_user_attr(SCREENED_OUT, True)
        trial.set_user_attr(TRAINING, False)


def write_failure(trial: _Writable, reason: str) -> None:
    trial.set_user_attr(FAIL_REASON, reason)


def claim_trial(worker: str, finalizes: int, now: float, settings: dict[str, Any] | None = None) -> FrozenTrial:
    """The RUNNING trial a finalisation claim is created from (a claim on trial ``finalizes``, to
    be trained with the training ``settings``, stored as its ``recipe`` until the result replaces it).

    A claim is created with its attrs in one write, so no reader ever sees it without them.
    """
    attrs = {WORKER: worker, FINALIZES: int(finalizes), HEARTBEAT: float(now)}
    if settings is not None:
        attrs[RECIPE] = dict(settings)
    return create_trial(state=TrialState.RUNNING, user_attrs=attrs)


def write_heartbeat(trial: _Writable, now: float) -> None:
    """The claim's worker is alive at ``now`` (seconds since the epoch)."""
    trial.set_user_attr(HEARTBEAT, float(now))


def write_final(trial: _Writable, test_accuracy: float, recipe: dict[str, Any], train_time_s: float,
                weights: str) -> None:
    """The result of a finalisation: test accuracy (a fraction), how it was trained, where the weights are."""
    trial.set_user_attr(TEST_ACCURACY, float(test_accuracy))
    trial.set_user_attr(RECIPE, dict(recipe))
    trial.set_user_attr(TRAIN_TIME_S, float(train_time_s))
    trial.set_user_attr(WEIGHTS, str(weights))


# Writers of a study.
def write_new_study(study: _Writable, settings: dict[str, Any], space: dict[str, str], run: dict[str, Any],
                    target: int | None, created: str) -> None:
    """Everything a study created by ``nas search`` holds: the settings that identify it, its
    space file, how its workers run, its target and when it was made."""
    study.set_user_attr(STUDY_SETTINGS, settings)
    study.set_user_attr(STUDY_SPACE, space)
    study.set_user_attr(STUDY_RUN, run)
    study.set_user_attr(STUDY_TARGET, target)
    study.set_user_attr(STUDY_CREATED, created)


def complete_study(study: _Writable, stored: dict[str, Any], space: dict[str, str], run: dict[str, Any],
                   target: int | None) -> None:
    """A resumed study's attrs made current: the space and run attrs an older study lacks
    (``stored`` is what it holds), and the target this run asks for."""
    if STUDY_SPACE not in stored:
        study.set_user_attr(STUDY_SPACE, space)
    if STUDY_RUN not in stored:
        study.set_user_attr(STUDY_RUN, run)
    if stored.get(STUDY_TARGET) != target:
        study.set_user_attr(STUDY_TARGET, target)


def write_linear_accuracy(study: _Writable, accuracy: float) -> None:
    """The linear classifier's validation accuracy under the study's proxy training."""
    study.set_user_attr(STUDY_LINEAR_ACCURACY, float(accuracy))
