"""The one check of a typed name or path: empty, not UTF-8 and control characters are refused, in
that order, with the caller's message and error class."""

from __future__ import annotations

import pytest

from nas.errors import NasError, StorageError
from nas.outputs import OutputError, check_path_text
from nas.study.files import check_study_name
from nas.study.storage import sqlite_file
from nas.text import check_text, has_control, is_utf8

MESSAGES = {"empty": "E", "not_utf8": "U", "control": "C"}


@pytest.mark.parametrize(("text", "message"), [
    ("", "E"), ("\udcff", "U"), ("a\nb", "C"), ("a\0", "C"), ("a\x7f", "C"), ("\udcff\n", "U"),
])
def test_each_fault_raises_the_callers_message_and_class(text: str, message: str):
    with pytest.raises(StorageError, match=f"^{message}$") as caught:
        check_text(text, StorageError, **MESSAGES)
    assert caught.value.__context__ is None


@pytest.mark.parametrize("text", ["plain", "研究", "run 2", "a\u00a0b", "~2F"])
def test_good_text_passes_unchanged(text: str):
    assert check_text(text, NasError, **MESSAGES) == text
    assert is_utf8(text) and not has_control(text)


def test_empty_passes_without_an_empty_message():
    assert check_text("", NasError, empty=None, not_utf8="U", control="C") == ""


@pytest.mark.parametrize("bad", ["", "bad\udcff", "a\tb"])
def test_names_outputs_and_storages_refuse_the_same_texts(bad: str):
    with pytest.raises(NasError):
        check_study_name(bad)
    with pytest.raises(OutputError):
        check_path_text(bad, "output")
    if bad:
        with pytest.raises(StorageError):
            sqlite_file(f"sqlite:///{bad}.db")
