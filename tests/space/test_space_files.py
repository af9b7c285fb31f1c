"""The shipped space files: valid, every dimension family present, samples build and replay."""

from pathlib import Path

import optuna
import pytest

from nas.blocks import build_model
from nas.space import RandomChooser, SearchSpace

SPACES = sorted(Path(__file__).resolve().parents[2].joinpath("search_spaces").glob("*.yaml"))


def test_the_papers_spaces_ship():
    names = {p.stem for p in SPACES}
    assert {"lightweight", "hetconv_vgg", "hsnet", "ldc_mobilenetv3", "convnext_factorized"} <= names


@pytest.mark.parametrize("path", SPACES, ids=lambda p: p.stem)
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_spaces_load_and_samples_replay(path, shape):
    space = SearchSpace.load(path, shape, 10)
    assert space.size() > 1
    for params, config in space.random(4, seed=1):
        assert space.sample(optuna.trial.FixedTrial(params)) == config
        model = build_model(config)
        assert model(__import__("torch").zeros(2, *shape)).shape == (2, 10)


def test_lightweight_covers_every_dimension_family():
    space = SearchSpace.load(SPACES[0].parent / "lightweight.yaml", (1, 28, 28), 10)
    labels = {d.label for d in space.dimensions()}
    for label in ("stem.kind", "width", "s1.family", "s1.depth", "s1.channels", "s1.kernel", "s1.expand",
                  "s1.factorize", "s1.hetconv_p", "s1.ghost", "s1.ghost_ratio", "s1.attn", "s1.shortcut"):
        assert label in labels
    stems = set(next(d for d in space.dimensions() if d.label == "stem.kind").choices)
    assert {"conv", "dc", "ldc", "hsstem"} <= stems
    # Sampling many architectures reaches every family and option the papers propose.
    seen: dict[str, set] = {k: set() for k in ("kind", "part", "ghost", "attn", "factorize", "deform", "shortcut")}
    for _, config in space.random(200, seed=3):
        seen["deform"].add(config.stem.deform)
        for stage in config.stages:
            seen["shortcut"].add(stage.shortcut)
            for b in stage.blocks:
                for key in ("kind", "part", "ghost", "attn", "factorize"):
                    seen[key].add(getattr(b, key))
    assert {"bneck", "ghost", "reshet", "basic", "conv", "cnx", "down"} <= seen["kind"]
    assert {1, 2, 4, 8} <= seen["part"]
    assert {0, 2, 3} <= seen["ghost"]
    assert seen["attn"] >= {"none", "eca"} and seen["factorize"] == {False, True}
    assert seen["deform"] == {"none", "dc", "ldc"} and seen["shortcut"] == {"block", "stage"}


def test_conditional_dims_only_when_their_condition_holds():
    space = SearchSpace.load(SPACES[0].parent / "lightweight.yaml", (1, 28, 28), 10)
    for seed in range(60):
        chooser = RandomChooser(seed)
        space.sample(chooser)
        p = chooser.params
        for s in ("s1", "s2", "s3"):
            if f"{s}.ghost" in p and not p[f"{s}.ghost"]:
                assert f"{s}.ghost_ratio" not in p
            if p[f"{s}.family"] in ("bneck", "ghost", "cnx"):
                assert f"{s}.hetconv_p" not in p
            if p[f"{s}.family"] in ("conv", "basic", "reshet"):
                assert f"{s}.factorize" not in p


def test_ldc_space_removes_the_papers_layers():
    space = SearchSpace.load(SPACES[0].parent / "ldc_mobilenetv3.yaml", (3, 224, 224), 1000)
    full = space.sample(optuna.trial.FixedTrial({
        "stem.kind": "ldc", "s2.keep1": True, "s3.keep1": True, "s3.keep2": True, "s3.keep4": True,
        "s4.keep1": True, "s4.keep2": True, "head.hidden": 1024,
    }))
    ldc3 = space.sample(optuna.trial.FixedTrial({
        "stem.kind": "ldc", "s2.keep1": True, "s3.keep1": False, "s3.keep2": True, "s3.keep4": True,
        "s4.keep1": False, "s4.keep2": True, "head.hidden": 1024,
    }))
    from nas.presets import get_preset

    assert full.stages == get_preset("mobilenetv3-small-ldc0").stages
    assert ldc3.stages == get_preset("mobilenetv3-small-ldc3").stages
    assert full.stem == get_preset("mobilenetv3-small-ldc0").stem
