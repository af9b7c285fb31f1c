"""The storage format of a trial: the user-attr key names, and the only code that writes them.

Optuna's user attrs are how a trial's measurements are stored (readable by any Optuna client);
:mod:`nas.searching.record` reads them back into a typed :class:`~nas.searching.record.TrialRecord`.
Only the objective (and the baselines it evaluates) and finalisation (:mod:`nas.finalizing`)
write them, through the helpers below.
The key names are those of every study written so far, so existing studies still read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

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


def claim_attrs(worker: str, finalizes: int, now: float, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The user attrs a finalisation trial is created with (a claim on trial ``finalizes``, to be
    trained with the training ``settings``, stored as its ``recipe`` until the result replaces it).

    A claim is created with its attrs in one write, so no reader ever sees it without them.
    """
    attrs = {WORKER: worker, FINALIZES: int(finalizes), HEARTBEAT: float(now)}
    return attrs if settings is None else {**attrs, RECIPE: dict(settings)}


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
