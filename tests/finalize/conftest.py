"""Tiny studies shaped like those ``nas search`` writes, with real (tiny) architectures, so
finalisation trains them in a fraction of a second each on a small synthetic data set."""

from __future__ import annotations

import pytest
import torch
from optuna.trial import TrialState, create_trial

from nas.arch import decode_arch
from nas.arch.io import to_dict
from nas.searching.settings import SearchSettings
from nas.searching.study import SpaceSource, open_study
from nas.study import attrs as A

DATASET = "synthetic:1x8x8:4:128"
SPACE = """\
name: tiny
input: dataset
classes: dataset
stem: {kind: [conv], channels: [4, 8]}
stages:
  - {family: [conv], depth: [1], channels: [8, 16], stride: 2}
head: {hidden: [null]}
"""


class _Attrs(dict):
    """Collects user attrs through the :mod:`nas.study.attrs` writers."""

    def set_user_attr(self, key, value):
        self[key] = value


def arch(width: int, name: str = "a"):
    return decode_arch(f"conv_k3_c{width} | conv_k3_s2_c{2 * width} | head_re", 1, 8, 4, name=name)


def add_trial(study, accuracy, width, *, flops=None, baseline=None, over=False, state=TrialState.COMPLETE,
              budget=100_000):
    """A trained trial of the architecture of ``width`` (its FLOPs given or its width * 1000)."""
    config = arch(width, baseline or f"w{width}")
    flops = flops if flops is not None else width * 1000
    attrs = _Attrs()
    A.write_arch(attrs, "test:1", to_dict(config), config.notation(), baseline)
    A.write_cost(attrs, flops, 100, [float(flops - budget)])
    A.write_trained(attrs, accuracy, 1.0, {"epochs": 1})
    if over:
        A.write_over_budget(attrs)
    values = [accuracy, float(flops)] if state == TrialState.COMPLETE else None
    study.add_trial(create_trial(state=state, values=values, user_attrs=dict(attrs)))


def make_study(tmp_path, name="t", heartbeat=1, grace=3, budget=100_000):
    settings = SearchSettings(space="tiny.yaml", max_flops=budget, study=name,
                              storage=f"sqlite:///{tmp_path}/{name}.db", dataset=DATASET, epochs=1,
                              heartbeat=heartbeat, grace=grace)
    return open_study(settings, SpaceSource("tiny.yaml", SPACE), heartbeat=False), settings.storage_url


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def study(tmp_path):
    """Trials 0-6: Pareto 0 (4K, .70), 2 (8K, .80), 4 (16K, .90); dominated 1 (12K, .65);
    over budget 3; baselines 5 (within budget) and 6 (over budget); 7 failed."""
    s, url = make_study(tmp_path)
    add_trial(s, 0.70, 4)
    add_trial(s, 0.65, 12)
    add_trial(s, 0.80, 8)
    add_trial(s, 0.95, 16, flops=500_000, over=True, state=TrialState.PRUNED)
    add_trial(s, 0.90, 16)
    add_trial(s, 0.75, 12, baseline="preset-a")
    add_trial(s, 0.85, 16, flops=200_000, baseline="preset-b", over=True, state=TrialState.PRUNED)
    s.add_trial(create_trial(state=TrialState.FAIL, user_attrs={A.FAIL_REASON: "boom"}))
    return s, url


@pytest.fixture
def untrained_study(tmp_path):
    """A study whose only trials were over budget or failed."""
    s, url = make_study(tmp_path, name="u")
    add_trial(s, 0.9, 16, flops=500_000, over=True, state=TrialState.PRUNED)
    s.add_trial(create_trial(state=TrialState.FAIL, user_attrs={A.FAIL_REASON: "boom"}))
    return s, url
