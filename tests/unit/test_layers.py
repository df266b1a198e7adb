"""The house rules between packages, read from the source (nothing is imported or run):
the interviewer process is built from `contracts/`, `interview/` and `agent/` and the
base modules alone, so it never loads the app's UI, store or document parsers; only the
controller writes an interview's timeline."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mockflow"
AGENT_SIDE = ("agent", "contracts", "interview")
BASE = ("config", "errors", "redaction", "private_files", "net.pinning")
FACES = ("mockflow", "mockflow.net")  # packages whose __init__ only names them
APP_ONLY_LIBRARIES = ("gradio", "tinydb", "pypdfium2", "docx", "psutil", "fastapi")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _files() -> dict[str, Path]:
    return {_module(path): path for path in PACKAGE.rglob("*.py")}


@cache
def _imports(module: str) -> frozenset[str]:
    """Every module `module` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(_files()[module].read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(found)


def _reached(start: str) -> tuple[set[str], set[str]]:
    """The MockFlow modules `start` loads, with their packages, and the other top-level
    packages they import."""
    ours, others, todo = set(), set(), [start]
    while todo:
        module = todo.pop()
        if module in ours:
            continue
        ours.add(module)
        parents = [".".join(module.split(".")[:i]) for i in range(2, module.count(".") + 1)]
        todo += [parent for parent in parents if parent in _files()]
        for name in _imports(module):
            if name in _files():
                todo.append(name)
            elif not name.startswith("mockflow"):
                others.add(name.split(".")[0])
    return ours, others


def _agent_modules() -> list[str]:
    return sorted(m for m in _files() if m.split(".")[1:2] == ["agent"])


def _allowed(module: str) -> bool:
    inside = module.removeprefix("mockflow.")
    return module in FACES or any(
        inside == top or inside.startswith(top + ".") for top in AGENT_SIDE + BASE
    )


def test_the_interviewer_process_loads_nothing_of_the_app_side() -> None:
    assert len(_agent_modules()) > 10  # the rule is checked on the real package
    strays = {}
    for module in _agent_modules():
        ours, others = _reached(module)
        outside = sorted(m for m in ours if not _allowed(m))
        heavy = sorted(set(APP_ONLY_LIBRARIES) & others)
        if outside or heavy:
            strays[module] = outside + heavy
    assert strays == {}


def test_the_contracts_depend_on_nothing_but_the_base_modules() -> None:
    for module in (m for m in _files() if m.startswith("mockflow.contracts")):
        ours, _ = _reached(module)
        assert all(
            m.startswith("mockflow.contracts")
            or m == "mockflow"
            or _allowed(m)
            and not m.startswith(("mockflow.agent", "mockflow.interview"))
            for m in ours
        ), module


def test_only_the_controller_writes_an_interviews_timeline() -> None:
    writers = set()
    for module in _agent_modules():
        tree = ast.parse(_files()[module].read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "write"
                and "events" in ast.unparse(node.func.value)
            ):
                writers.add(module)
    assert writers == {"mockflow.agent.controller"}
