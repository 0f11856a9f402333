"""The layers import only downwards: the fake Bot API and storage stand alone, handlers go through the
bot, and the offline tools (runner, demo, sandbox) are built on the bot rather than part of it.

Every module under the layer folders is read (new files and sub-packages included) and its import
statements are checked, wherever they are: at the top, under ``TYPE_CHECKING`` or inside a function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("fakebot", "offline", "bot", "handlers", "storage")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "bot.__main__"
    target: str  # the imported module, e.g. "offline.demo"
    line: int
    in_function: bool

    @property
    def layer(self) -> str:
        return self.target.split(".")[0]

    def __str__(self) -> str:
        path = self.module.replace(".", "/")
        return f"{path}.py:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules(layer: str) -> dict[str, Path]:
    """Every module of a layer, by dotted name, found by walking its folder."""
    return {
        _module_name(path): path
        for path in sorted((ROOT / layer).rglob("*.py"))
        if "__pycache__" not in path.parts
    }


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: Iterable[str] = ()) -> None:
        self.module = module
        self.known = set(known)
        self.package = module if is_package else module.rpartition(".")[0]
        self.depth = 0
        self.found: list[Import] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, target: str, line: int) -> None:
        self.found.append(Import(self.module, target, line, self.depth > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        names = [f"{source}.{alias.name}" for alias in node.names]
        submodules = [name for name in names if name in self.known]
        for name in submodules:  # `from pkg import submodule` depends on the submodule
            self._add(name, node.lineno)
        if len(submodules) < len(names):  # ... and `from pkg import thing` on the package
            self._add(source, node.lineno)


@cache
def imports(layer: str) -> tuple[Import, ...]:
    """Every import in the layer's modules; ``from a import b`` is an import of ``a.b`` where that is
    a module of the layer, else of ``a``."""
    found: list[Import] = []
    known = modules(layer)
    for name, path in known.items():
        visitor = _Imports(name, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(visitor.found)
    return tuple(found)


def crossing(layer: str, forbidden: Iterable[str]) -> list[str]:
    banned = set(forbidden)
    return sorted({str(i) for i in imports(layer) if i.layer in banned})


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph(layer: str) -> dict[str, set[str]]:
    known = modules(layer)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for i in imports(layer):
        if i.target in known and i.target != i.module:
            graph[i.module].add(i.target)
    return graph


def test_every_layer_is_walked():
    for layer in LAYERS:
        assert layer in modules(layer), f"{layer}/__init__.py was not found"
    assert "bot.__main__" in modules("bot")
    assert "fakebot.methods" in modules("fakebot")
    assert any(name.startswith("bot.services.") for name in modules("bot"))
    assert any(i.target == "offline.demo" for i in imports("bot")), "the CLI's demo import was not seen"


def test_the_fake_bot_api_imports_nothing_of_linli():
    assert crossing("fakebot", {"bot", "handlers", "storage", "offline"}) == []


def test_storage_imports_nothing_of_the_bot_the_handlers_or_the_offline_tools():
    assert crossing("storage", {"bot", "handlers", "offline", "fakebot"}) == []


def test_handlers_reach_storage_only_through_the_bot_and_know_nothing_of_the_offline_tools():
    assert crossing("handlers", {"storage", "offline", "fakebot"}) == []


def test_the_bot_does_not_depend_on_the_offline_tools_or_the_fake():
    wrong = [
        str(i)
        for i in imports("bot")
        if i.layer in {"offline", "fakebot"} and not (i.module == "bot.__main__" and i.in_function)
    ]
    assert sorted(set(wrong)) == []


def test_the_cli_loads_the_offline_tools_only_inside_the_command_that_runs_them():
    cli = [i for i in imports("bot") if i.module == "bot.__main__" and i.layer in {"offline", "fakebot"}]
    assert cli, "bot/__main__.py no longer runs the demo or the sandbox"
    assert [str(i) for i in cli if not i.in_function] == []


def test_the_fake_bot_api_has_no_import_cycles():
    assert cycles(import_graph("fakebot")) == []


def test_the_cycle_check_finds_a_circle_through_several_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"], ["e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_walk_sees_imports_under_type_checking_relative_and_inside_functions():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from fakebot.telegram import FakeTelegram\n"
        "from . import errors\n"
        "def f():\n"
        "    import offline.demo\n"
    )
    visitor = _Imports("fakebot.methods", is_package=False, known={"fakebot", "fakebot.errors"})
    visitor.visit(ast.parse(source))
    seen = {(i.target, i.in_function) for i in visitor.found}
    assert ("fakebot.telegram", False) in seen
    assert ("fakebot.errors", False) in seen
    assert ("fakebot", False) not in seen  # `from . import errors` needs the submodule only
    assert ("offline.demo", True) in seen


def feature_graph() -> dict[str, set[str]]:
    """Which service feature folders (requests, volunteers, ...) import which others."""
    graph: dict[str, set[str]] = {}
    for i in imports("bot"):
        if i.module.startswith("bot.services.") and i.target.startswith("bot.services."):
            source, target = i.module.split(".")[2], i.target.split(".")[2]
            if source != target:
                graph.setdefault(source, set()).add(target)
    return graph


def test_service_features_import_each_other_without_a_circle():
    assert cycles(feature_graph()) == []


def test_the_shared_service_pieces_import_no_feature():
    assert feature_graph().get("shared", set()) == set()


def test_services_never_reach_up_to_handlers_or_the_composition_root():
    up = {"handlers", "bot.app", "bot.context", "bot.jobs", "bot.__main__"}
    wrong = [
        str(i)
        for i in imports("bot")
        if i.module.startswith("bot.services") and (i.layer in up or i.target in up)
    ]
    assert wrong == []


def test_the_bot_and_storage_have_no_import_cycles():
    assert cycles(import_graph("bot")) == []
    assert cycles(import_graph("storage")) == []
