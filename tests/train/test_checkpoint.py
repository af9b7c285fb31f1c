"""Atomic writes: each writer has a temporary file of its own, so two processes writing one
checkpoint never write into each other's temporary file; the last rename wins, whole."""

import torch

from nas.training.checkpoint import load_checkpoint, save_atomic, write_json_atomic


def test_a_second_writer_mid_write_does_not_clobber_the_first(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    real, nested = torch.save, []

    def save(obj, f, *args, **kwargs):
        real(obj, f, *args, **kwargs)
        if not nested:  # another process writes the same checkpoint while this one is still writing
            nested.append(obj)
            save_atomic({"who": torch.tensor(2)}, path)

    monkeypatch.setattr(torch, "save", save)
    save_atomic({"who": torch.tensor(1)}, path)
    assert int(load_checkpoint(path)["who"]) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]  # no temporary file left


def test_each_write_has_a_temporary_name_of_its_own_in_the_same_folder(tmp_path, monkeypatch):
    import os

    real, sources = os.replace, []

    def replace(src, dst):
        sources.append(os.fspath(src))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    save_atomic({"x": torch.tensor(1)}, tmp_path / "a.pt")
    save_atomic({"x": torch.tensor(2)}, tmp_path / "a.pt")
    write_json_atomic({"x": 1}, tmp_path / "m.json")
    assert len(sources) == len(set(sources)) == 3
    assert all(os.path.dirname(s) == str(tmp_path) for s in sources)
