"""Reading YAML bounded in time and memory: size-limited, UTF-8 only, no aliases, string keys.

A "billion laughs" document (nested aliases) expands exponentially in whatever walks it, and
a deeply nested one exhausts the parser's recursion; both are refused here, as are files
larger than :data:`~nas.arch.limits.MAX_FILE_BYTES`, files that are not UTF-8 text and
mappings with non-string keys. Architecture and space files need none of these.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from nas.arch.limits import MAX_FILE_BYTES, MAX_YAML_DEPTH

__all__ = ["YamlProblem", "load_yaml", "read_text"]


class YamlProblem(ValueError):
    """What is wrong with a YAML file or text, in one line (without the file's name)."""


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases, deep nesting and non-string mapping keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise YamlProblem(f"YAML aliases (*name) are not accepted (line {mark.line + 1})")
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            self._depth += 1
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(f"nested deeper than {MAX_YAML_DEPTH} levels (line {mark.line + 1})")
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        for key_node, _ in node.value:
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:str"):
                got = repr(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                raise YamlProblem(f"mapping keys must be names (text), got {got} at line {key_node.start_mark.line + 1}")
        return super().construct_mapping(node, deep=deep)


_BoundedLoader.add_constructor("tag:yaml.org,2002:map", _BoundedLoader.construct_yaml_map)


def load_yaml(text: str) -> object:
    """Parse one YAML document under the bounds above.

    Raises:
        YamlProblem: one line saying what is wrong and where.
    """
    if len(text) > MAX_FILE_BYTES:
        raise YamlProblem(f"larger than {MAX_FILE_BYTES:,} characters")
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise YamlProblem(f"not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    except RecursionError:
        raise YamlProblem("nested too deeply") from None
    finally:
        loader.dispose()


def read_text(path: str | Path) -> str:
    """A UTF-8 text file of at most :data:`~nas.arch.limits.MAX_FILE_BYTES` bytes.

    Raises:
        YamlProblem: for a missing, unreadable, oversized or non-UTF-8 file, or a directory.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise YamlProblem("is a directory, not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlProblem(f"is {size:,} bytes; files up to {MAX_FILE_BYTES:,} bytes are read")
        data = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise YamlProblem(f"cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
