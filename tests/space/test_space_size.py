"""``SearchSpace.size()`` equals the number of distinct architectures, found by brute force."""

from __future__ import annotations

import pytest
import yaml

from nas.space import SearchSpace, parse_space


class _Odometer:
    """Asks every dimension by a forced index list (extended with 0s): all choice sets, one per run."""

    def __init__(self, forced: list[int]) -> None:
        self.forced, self.asked, self.params = forced, [], {}

    def suggest_categorical(self, name, choices):
        if name not in self.params:
            i = len(self.asked)
            self.asked.append(len(choices))
            self.params[name] = list(choices)[self.forced[i] if i < len(self.forced) else 0]
        return self.params[name]


def brute_force(space: SearchSpace) -> tuple[set, set]:
    """Every (architecture, choice set) the space's sampler can produce."""
    configs, choice_sets, forced = set(), set(), []
    while True:
        chooser = _Odometer(forced)
        configs.add(space.sample(chooser))
        choice_sets.add(frozenset(chooser.params.items()))
        idx = [forced[i] if i < len(forced) else 0 for i in range(len(chooser.asked))]
        while idx and idx[-1] + 1 >= chooser.asked[len(idx) - 1]:
            idx.pop()
        if not idx:
            return configs, choice_sets
        idx[-1] += 1
        forced = idx


FIXED = "{blocks: [conv_k3_c16]}"
SPACES = {
    # The stem kernel applies to conv stems only: 2 conv stems + 1 hsstem.
    "stem-kernel-conditional": f"stem: {{kind: [conv, hsstem], channels: 16, kernel: [3, 5]}}\nstages: [{FIXED}]",
    "patch-stem-has-no-act": f"stem: {{kind: [patch, conv], channels: 16, stride: 2, act: [relu, hswish]}}\nstages: [{FIXED}]",
    "head-act-only-with-hidden": f"stem: {{channels: 16}}\nstages: [{FIXED}]\nhead: {{hidden: [null, 32], act: [relu, hswish]}}",
    # Ghost on/off, then a ratio only when on, and only for families that take Ghost.
    "ghost-ratio-nested-in-family": """
stem: {channels: 16}
stages:
  - {family: [bneck, cnx], channels: 16, depth: [1, 2], ghost: {use: [false, true], ratio: [2, 3]}, kernel: [3, 5]}
""",
    # A shared HetConv part is a choice only when some stage picks a family that takes it.
    "shared-part-conditional": """
shared: {hetconv_p: [1, 2]}
stem: {channels: 16}
stages:
  - {family: [bneck, basic], channels: 16}
  - {family: [ghost, conv], channels: 32, stride: 2}
""",
    # A shared Ghost switch: one value for every stage, its ratio asked once.
    "shared-ghost-gate": """
shared: {ghost: {use: [false, true], ratio: [2, 4]}}
stem: {kind: [conv, hsstem], channels: [16, 24], kernel: [3, 5]}
stages:
  - {family: [bneck, cnx], channels: 16, attn: [none, eca]}
  - {family: [reshet, cnx], channels: 32, stride: 2, expand: [2, 3]}
""",
    "removable-and-width": """
width: [1.0, 2.0]
stem: {channels: 16}
stages:
  - {blocks: [bneck_k3_s2_x16_c16, bneck_k3_x32_c16, bneck_k3_x32_c16], removable: [1, 2], shortcut: [block, stage]}
  - {family: [conv, cnx], channels: 32, stride: 2, hetconv_p: [1, 4], factorize: [false, true]}
""",
}


@pytest.mark.parametrize("name", list(SPACES))
def test_size_is_the_number_of_distinct_architectures(name):
    space = SearchSpace(parse_space(yaml.safe_load(SPACES[name]), name), (3, 32, 32), 10)
    configs, choice_sets = brute_force(space)
    assert space.size() == len(configs)
    if name != "removable-and-width":  # there, removing either equal block is one architecture
        assert len(choice_sets) == len(configs)  # no choice is asked that changes nothing


def test_stem_kernel_of_conv_only_counts_three():
    space = SearchSpace(parse_space(yaml.safe_load(SPACES["stem-kernel-conditional"]), "x"), (3, 32, 32), 10)
    assert space.size() == 3
    kernel = next(d for d in space.dimensions() if d.label == "stem.kernel")
    assert kernel.condition == "stem.kind in conv"


def test_conditional_dims_are_listed_with_their_condition():
    space = SearchSpace(parse_space(yaml.safe_load(SPACES["head-act-only-with-hidden"]), "x"), (3, 32, 32), 10)
    act = next(d for d in space.dimensions() if d.label == "head.act")
    assert act.condition == "head.hidden is not null"


def test_ldc_space_counts_equal_removals_once():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "search_spaces" / "ldc_mobilenetv3.yaml"
    space = SearchSpace.load(path, (3, 224, 224), 1000)
    configs, _ = brute_force(space)
    assert space.size() == len(configs) == 216


def test_every_architecture_lists_each_distinct_one_once():
    from nas.space.every import every_architecture

    for name in SPACES:
        space = SearchSpace(parse_space(yaml.safe_load(SPACES[name]), name), (3, 32, 32), 10)
        listed = list(every_architecture(space))
        assert len(listed) == len({c.notation() for c in listed}) == space.size(), name


SMALL = """\
name: small
input: dataset
classes: dataset
stem: {kind: [conv, ldc], channels: [8, 16]}
stages:
  - {family: [conv, reshet], depth: [1, 2], channels: [16, 24, 32], stride: 2, hetconv_p: [1, 2]}
head: {hidden: [null, 32]}
"""


def _space_cli(tmp_path, capsys, *extra):
    import json

    from nas.cli.main import main

    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    code = main(["space", str(path), "--input", "1x16x16", "--classes", "4", "--samples", "8", *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and "--json" in extra else out), err


def test_nas_space_counts_the_architectures_within_a_budget(tmp_path, capsys):
    from nas.blocks import build_model
    from nas.cost import count_flops

    space = SearchSpace(parse_space(yaml.safe_load(SMALL), "small"), (1, 16, 16), 4)
    configs, _ = brute_force(space)
    expected = sum(1 for c in configs if count_flops(build_model(c), c.input_shape).total <= 100_000)
    assert 0 < expected < len(configs) == 192
    code, data, err = _space_cli(tmp_path, capsys, "--max-flops", "100K", "--json")
    assert code == 0, err
    assert data["fit"] == {"max_flops": 100_000, "max_params": None, "limit": 2000, "count": expected, "of": 192,
                           "exact": True}
    code, out, _ = _space_cli(tmp_path, capsys, "--max-flops", "100K")
    assert f"{expected} of 192 architectures fit within 100.00K FLOPs (counted exactly)" in out


def test_nas_space_estimates_a_large_space_from_its_sample(capsys):
    import json

    from nas.cli.main import main

    assert main(["space", "search_spaces/lightweight.yaml", "--samples", "8", "--max-flops", "5M", "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)["fit"]
    assert fit["exact"] is False and fit["of"] == 8 and 0 <= fit["count"] <= 8


@pytest.mark.parametrize(("extra", "message"), [
    (["--max-params", "5K"], "--max-params needs --max-flops"),
    (["--max-flops", "0"], "--max-flops: must be positive"),
    (["--max-flops", "lots"], "--max-flops: expected a number like 5M"),
    (["--max-flops", "1M", "--max-params", "-3"], "--max-params: "),
])
def test_nas_space_refuses_a_bad_budget_in_one_line(tmp_path, capsys, extra, message):
    code, _, err = _space_cli(tmp_path, capsys, *extra)
    assert code == 2 and err.startswith("nas space: error: ") and message in err and err.count("\n") == 1
