"""The layout the architecture describes: the shop's logic knows nothing of Rasa, lower layers
never import upper ones, and no two modules import each other (directly or in a circle)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, Set

from bot.settings import PROJECT_ROOT

BOT = PROJECT_ROOT / "bot"
#: The wings from the top down; a module may import its own wing and those below it.
UPPER = {"bot.tools": 3, "bot.runtime": 2, "bot.console": 1}


def modules() -> Dict[str, Path]:
    found = {}
    for path in BOT.rglob("*.py"):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path) -> Iterator[str]:
    """Every module a file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def wing(module: str) -> int:
    return next((rank for prefix, rank in UPPER.items()
                 if module == prefix or module.startswith(prefix + ".")), 0)


def test_shop_logic_imports_neither_rasa_nor_the_upper_wings():
    for name, path in modules().items():
        for imported in imports(path):
            top = imported.split(".")[0]
            if wing(name) == 0:
                assert top not in ("rasa", "rasa_sdk"), f"{name} imports {imported}"
            if imported.startswith("bot"):
                assert wing(imported) <= wing(name), f"{name} imports {imported} (upper wing)"


def test_runtime_and_console_do_not_know_each_other():
    for name, path in modules().items():
        for imported in imports(path):
            if wing(name) in (1, 2) and wing(imported) in (1, 2):
                assert wing(imported) == wing(name), f"{name} imports {imported}"


def test_no_import_circles():
    known = modules()
    graph: Dict[str, Set[str]] = {}
    for name, path in known.items():
        graph[name] = {i for i in imports(path) if i in known and i != name}
        # "from bot.x import y": y is a name in bot.x, or the module bot.x.y
    state: Dict[str, int] = {}
    stack = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


#: Names that mean the same role in every package that has them: its data classes, its storage.
SHARED_ROLES = {"models", "store"}


def test_one_name_one_meaning():
    stems: Dict[str, Set[str]] = {}
    for name, path in modules().items():
        if name.startswith("bot.tools.benchmarks."):
            continue  # a benchmark is named after what it measures
        stem = name.rsplit(".", 1)[-1] if path.name == "__init__.py" else path.stem
        if stem not in ("__main__", "__init__") and stem not in SHARED_ROLES:
            stems.setdefault(stem, set()).add(name)
    clashes = {stem: sorted(names) for stem, names in stems.items() if len(names) > 1}
    assert not clashes, clashes


#: Action modules that only hold what several actions share (no actions of their own).
SHARED_ACTION_MODULES = {"actions.common", "actions.replies", "actions.order_forms"}


def test_action_modules_do_not_import_each_other():
    for path in (PROJECT_ROOT / "actions").glob("*.py"):
        for imported in imports(path):
            if imported.startswith("actions.") and imported.count(".") == 1:
                assert imported in SHARED_ACTION_MODULES or path.stem in (
                    "__init__",), f"{path.name} imports {imported}"
            if imported.startswith("actions.") and imported.count(".") == 2:
                assert imported.rsplit(".", 1)[0] in SHARED_ACTION_MODULES, \
                    f"{path.name} imports {imported}"
