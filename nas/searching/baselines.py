"""Reference points in a study: the papers' presets and a linear classifier, trained like the search's trials."""

from __future__ import annotations

import logging

import optuna
from optuna.trial import TrialState

from nas.searching.budget import Budget
from nas.searching.data import Prepared
from nas.searching.objective import Objective
from nas.searching.settings import SearchSettings
from nas.study import attrs as A

log = logging.getLogger("nas.searching")


def run_baselines(settings: SearchSettings, study: optuna.Study, prepared: Prepared) -> None:
    """Evaluate the papers' presets (adapted to the data's input) in the study, as baselines.

    They are asked and told here (not run by ``optimize``, so without a heartbeat): whatever
    stops one (an error, Ctrl-C, SIGTERM) records it as FAIL, never leaves it RUNNING.
    """
    from nas.arch.shapes import validate
    from nas.blocks import build_model
    from nas.cost import count_flops
    from nas.errors import ConfigError
    from nas.presets import PRESETS

    space, data, split = prepared.space, prepared.data, prepared.split
    done = {A.baseline_of(t) for t in study.get_trials(deepcopy=False) if t.state.is_finished()}
    train = settings.train_settings()
    budget = Budget(settings.max_flops, settings.max_params)
    objective = Objective(space, split, budget, train, settings.objectives, settings.trials, settings.progress)
    cap = settings.preset_max_flops or 4 * settings.max_flops
    for name, make in PRESETS.items():
        if name in done:
            continue
        config = make().with_input(*data.input_shape[:2], data.num_classes)
        try:
            validate(config)
        except ConfigError as exc:
            log.info("preset %s does not fit %s: %s", name, data.input_shape, exc)
            continue
        if count_flops(build_model(config), config.input_shape).total > cap:
            continue
        evaluate_baseline(study, objective, config, name)


def evaluate_baseline(study: optuna.Study, objective: Objective, config: object, name: str) -> None:
    """One baseline trial, told COMPLETE, PRUNED (over budget) or FAIL whatever happens."""
    trial = study.ask()
    try:
        values = objective.evaluate(trial, config, baseline=name)  # type: ignore[arg-type]
    except optuna.TrialPruned:
        study.tell(trial, state=TrialState.PRUNED)
    except Exception as exc:  # a baseline that fails is recorded, not fatal
        A.write_failure(trial, f"{type(exc).__name__}: {exc}")
        study.tell(trial, state=TrialState.FAIL)
    except BaseException:  # Ctrl-C, SIGTERM, SystemExit: recorded, then passed on
        A.write_failure(trial, "interrupted")
        study.tell(trial, state=TrialState.FAIL)
        raise
    else:
        study.tell(trial, values)


def linear_baseline(settings: SearchSettings, study: optuna.Study, prepared: Prepared) -> float:
    """Validation accuracy of a linear classifier under the same proxy training (cached in the study)."""
    stored = A.study_linear_accuracy(study)
    if stored is not None:
        return stored
    import torch
    from torch import nn

    from nas.training import train_proxy

    data, split = prepared.data, prepared.split
    c, h, w = data.input_shape
    model = nn.Sequential(nn.Flatten(1), nn.Linear(c * h * w, data.num_classes))
    torch.manual_seed(settings.seed)
    result = train_proxy(model, split, settings.train_settings(), progress=False)
    A.write_linear_accuracy(study, result.val_accuracy)
    return result.val_accuracy
