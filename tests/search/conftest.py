import pytest

TINY_SPACE = """\
name: tiny
input: dataset
classes: dataset
stem: {kind: [conv, ldc], channels: [8, 16]}
stages:
  - {family: [bneck, reshet, conv], depth: [1, 2], channels: [16, 24], stride: 2, expand: [2, 3],
     hetconv_p: [1, 2], ghost: {use: [false, true], ratio: [2]}, attn: [none, eca]}
  - {family: [bneck, cnx, basic], depth: [1, 2], channels: [32, 64, 128], stride: 2, kernel: [3, 5],
     factorize: [false, true], shortcut: [block, stage]}
head: {hidden: [null, 32]}
"""


@pytest.fixture
def tiny_space(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SPACE)
    return path


@pytest.fixture
def search_kwargs(tiny_space, tmp_path):
    """Settings for a fast real search on the synthetic data set, stored in tmp_path."""
    return dict(
        space=str(tiny_space), max_flops=1_000_000, trials=3, study="t", storage=f"sqlite:///{tmp_path}/t.db",
        dataset="synthetic", epochs=1, train_subset=256, val_size=128, batch_size=64, seed=0, jobs=1, progress=False,
    )
