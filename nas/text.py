"""The one check of a name or path the user typed: text a file system and a one-line message can
hold, i.e. not empty, valid UTF-8 (no lone surrogates from undecodable bytes) and free of control
characters (a newline, a tab, NUL, DEL, ...).

Study names (:mod:`nas.study.files`), output paths (:mod:`nas.outputs`) and SQLite storage files
(:mod:`nas.study.storage`) are all checked here; each caller words its own messages and picks
its own error class.
"""

from __future__ import annotations

from collections.abc import Callable


def is_utf8(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (``False`` for lone surrogates, e.g. undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_control(text: str) -> bool:
    """Whether ``text`` holds a C0 control character (code points 0-31) or DEL (127)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def check_text(
    text: str,
    error: Callable[[str], Exception],
    *,
    empty: str | None,
    not_utf8: str,
    control: str,
) -> str:
    """``text``, refused when it is empty, not valid UTF-8 or holds control characters.

    Args:
        text: the name or path.
        error: the exception class (or factory) raised with the message.
        empty: the message for empty text; ``None`` lets empty text pass.
        not_utf8: the message for text that is not valid UTF-8.
        control: the message for text that holds control characters.

    Returns:
        ``text`` unchanged.

    Raises:
        Exception: ``error(message)``, for the first fault found in the order above.
    """
    if not text and empty is not None:
        raise error(empty)
    if not is_utf8(text):
        raise error(not_utf8)
    if has_control(text):
        raise error(control)
    return text


__all__ = ["check_text", "has_control", "is_utf8"]
