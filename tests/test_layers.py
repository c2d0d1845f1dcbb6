"""The package's house rules, read from its imports (with `ast`, nothing is imported): every module
imports only from its own folder or the layers below it, no two modules import each other even
by a detour, and no name with a leading underscore crosses from one module into another.

The layers, bottom first (docs/how-grading-works.md draws the same picture):

    mnistkit/*.py        the step list, data, the kit's reference, the kit's mistakes
    mnistkit/engine/     running a learner's function apart: sandbox, confinement, codec, channel, warm engine
    mnistkit/checks/     what the suites look at
    mnistkit/grading/    the judge's plugin and verdict, results, manifest, report, next step
    mnistkit/commands/, mnistkit/classroom/, mnistkit/notebook/   what grader.py offers, side by side

Imports inside functions count as much as those at the top: a circle is a circle, however late it
closes.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mnistkit"
LAYERS = [
    ("the base", ("mnistkit",)),
    ("the engine", ("mnistkit.engine",)),
    ("the checks", ("mnistkit.checks",)),
    ("grading", ("mnistkit.grading",)),
    ("the commands", ("mnistkit.commands", "mnistkit.classroom", "mnistkit.notebook")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def folder_of(module: str) -> str:
    """The package folder a module sits in: `mnistkit.engine` for `mnistkit.engine.codec`."""
    path = modules()[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def layer_of(module: str) -> int:
    folder = folder_of(module)
    for index, (_, folders) in enumerate(LAYERS):
        if folder in folders:
            return index
    raise AssertionError(f"{module} is in a folder no layer names ({folder}): add it to LAYERS and the diagram")


@cache
def imports() -> dict[str, list[tuple[str, int, list[str]]]]:
    """For each module, what it imports of the kit: (module imported, line, names taken from it)."""
    found: dict[str, list[tuple[str, int, list[str]]]] = defaultdict(list)
    for module, path in modules().items():
        folder = folder_of(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules():
                        found[module].append((alias.name, node.lineno, []))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = folder.split(".")[: len(folder.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                if base not in modules():
                    continue
                submodules = [alias.name for alias in node.names if f"{base}.{alias.name}" in modules()]
                names = [alias.name for alias in node.names if f"{base}.{alias.name}" not in modules()]
                if names or not submodules:
                    found[module].append((base, node.lineno, names))
                for name in submodules:
                    found[module].append((f"{base}.{name}", node.lineno, []))
    return found


def cycle_through(start: str) -> list[str] | None:
    """A path of imports from `start` back to itself, or None."""
    graph = {module: {target for target, _, _ in targets if target != module} for module, targets in imports().items()}
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for target in sorted(graph.get(module, ())):
            if target == start:
                return path + [start]
            if target not in seen:
                seen.add(target)
                stack.append((target, path + [target]))
    return None


def test_every_folder_of_the_package_has_a_layer():
    for module in modules():
        layer_of(module)


@pytest.mark.parametrize("module", sorted(modules()))
def test_a_module_imports_only_its_own_folder_and_the_layers_below(module):
    mine = layer_of(module)
    wrong = [f"line {line}: {target} ({LAYERS[layer_of(target)][0]})"
             for target, line, _ in imports()[module]
             if layer_of(target) > mine or (layer_of(target) == mine and folder_of(target) != folder_of(module)
                                            and folder_of(target) != "mnistkit")]
    assert not wrong, (f"{module} ({LAYERS[mine][0]}) imports upward or sideways: " + "; ".join(wrong)
                       + ". Pass what it needs in from above, or move it down.")


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_imports_itself_by_a_detour(module):
    path = cycle_through(module)
    assert path is None, "an import circle: " + " -> ".join(path)


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_private_name_crosses_a_module(module):
    private = [f"line {line}: {name} from {target}" for target, line, names in imports()[module]
               for name in names if name.startswith("_") and not name.startswith("__")]
    assert not private, f"{module} takes private names of another module: " + "; ".join(private) + " (make them public, or keep them home)"


def test_the_layer_check_sees_an_upward_import_and_a_circle(tmp_path, monkeypatch):
    """The rules above can fail: an engine module that imports the checks, and a module that
    imports one that imports it back, are caught."""
    (tmp_path / "upward.py").write_text("from mnistkit.checks.messages import Mistake\nfrom mnistkit.engine import back\n", encoding="utf-8")
    (tmp_path / "circle.py").write_text("from mnistkit.engine import upward\nfrom mnistkit.steps import STEPS\n", encoding="utf-8")
    (tmp_path / "back.py").write_text("from mnistkit.engine import circle\n", encoding="utf-8")
    fake = {**modules(), **{f"mnistkit.engine.{name}": tmp_path / f"{name}.py" for name in ("upward", "circle", "back")}}
    here = sys.modules[__name__]
    monkeypatch.setattr(here, "modules", lambda: fake)
    monkeypatch.setattr(here, "imports", cache(imports.__wrapped__))
    with pytest.raises(AssertionError, match="imports upward or sideways"):
        test_a_module_imports_only_its_own_folder_and_the_layers_below("mnistkit.engine.upward")
    with pytest.raises(AssertionError, match="an import circle: mnistkit.engine.circle -> mnistkit.engine.upward"):
        test_no_module_imports_itself_by_a_detour("mnistkit.engine.circle")
