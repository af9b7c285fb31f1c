"""The error a space check raises at a key path, before the file's name is known."""

from __future__ import annotations


class KeyProblem(Exception):
    """A problem at a key path of a space file; ``parse_space`` turns it into a SpaceError
    naming the file.

    Args:
        where: the key path, e.g. ``stages[2].hetconv_p``.
        message: what is wrong there.
    """

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where, self.message = where, message
