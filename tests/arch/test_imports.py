"""The package's imports form no cycle (not even deferred ones), and the vocabularies agree."""

from __future__ import annotations

import ast
from pathlib import Path

import nas
from nas.arch import vocab
from nas.arch.families import FAMILY_TABLE

ROOT = Path(nas.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> list[ast.stmt]:
    """Every import that can run (module level or inside functions), not those under TYPE_CHECKING."""
    found: list[ast.stmt] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
        else:
            todo += list(ast.iter_child_nodes(node))
    return found


def import_graph() -> dict[str, set[str]]:
    """``module -> nas modules it imports`` (deferred imports in functions included)."""
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        edges: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                    base = ".".join(package + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names]
            edges |= {t for t in targets if t in paths and t != name}
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_among_nas_modules_even_deferred():
    graph = import_graph()
    assert "nas.space.checks" in graph["nas.space.parse"]  # the walker sees real edges
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_vocabularies_agree():
    assert set(vocab.ACT_TOKENS.values()) == set(vocab.ACTIVATIONS)
    assert set(FAMILY_TABLE) == set(vocab.FAMILIES)
    assert set(vocab.STAGE_FAMILIES) <= set(vocab.FAMILIES)
    assert set(vocab.CONV_STEMS) <= set(vocab.STEM_KINDS)
    assert all(option in vocab.OPTIONS for fam in FAMILY_TABLE.values() for option in fam.options)


def test_every_activation_is_buildable():
    from nas.ops import make_act

    for name in vocab.ACTIVATIONS:
        make_act(name)
