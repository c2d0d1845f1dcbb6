"""A step's functions taken out of notebook cells as the module file the step's suite tests.

The same code builds that module for a check in the learner's kernel (mnistkit.notebook.check)
and for the grade (`python grader.py --notebook`), so the two judge the same text.

What is taken, and nothing else runs: from the cell that defines each of the step's functions
(the last such cell of the notebook, or the cell the kernel's function came from), its top-level
imports, function and class definitions, and plain constants (`RATE = 0.5`). Training runs,
plots and prints in those cells, and every other cell, are left out. The first cell keeps its
line numbers, so a message's "line K" is line K of that cell.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mnistkit.steps import STEPS, Step

_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def python_of_cell(source: str) -> str | None:
    """The cell as plain Python: IPython's `%magic` and `!shell` lines blanked (line numbers kept);
    None for a whole-cell magic (`%%time`, `%%bash`), which is not Python."""
    if source.lstrip().startswith("%%"):
        return None
    lines = source.split("\n")
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _defined(tree: ast.Module) -> set[str]:
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _defines_by_text(source: str, name: str) -> bool:
    """For a cell that does not parse: does it look like it defines `name`? (Its syntax error is then the step's.)"""
    return re.search(rf"^(async\s+)?def\s+{re.escape(name)}\s*\(", source, flags=re.MULTILINE) is not None


def _constant(node: ast.stmt) -> bool:
    """`NAME = <literal>`: safe to keep, it runs no code."""
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        value = node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        value = node.value
    else:
        return False
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


@dataclass
class Module:
    """The module text, and where each of its lines came from: `origin[k-1]` = (cell label, line in cell)."""

    source: str
    origin: list[tuple[str, int]]

    def where(self, line: int) -> tuple[str, int] | None:
        return self.origin[line - 1] if 1 <= line <= len(self.origin) else None


def _kept_lines(source: str, tree: ast.Module | None, drop: set[str]) -> list[bool]:
    """Which lines of a cell stay: those of the kept statements (a contract function in `drop` is
    defined by another cell and left out here)."""
    lines = source.split("\n")
    if tree is None:
        return [True] * len(lines)  # A cell that doesn't parse is kept whole: its syntax error is the message.
    keep = [False] * len(lines)
    for node in tree.body:
        named = getattr(node, "name", None)
        if not (isinstance(node, _KEPT) or _constant(node)) or named in drop:
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        for index in range(first - 1, node.end_lineno):
            keep[index] = True
    return keep


def build_module(step: Step, chosen: dict[str, tuple[str, str]]) -> Module:
    """The step's module from `chosen`: function name -> (cell label, cell source) that defines it."""
    cells: dict[str, str] = {}
    for label, source in chosen.values():
        cells.setdefault(label, source)
    out: list[str] = []
    origin: list[tuple[str, int]] = []
    for label, source in cells.items():
        python = python_of_cell(source) or ""
        try:
            tree: ast.Module | None = ast.parse(python)
        except SyntaxError:
            tree = None
        drop = {name for name, (other, _) in chosen.items() if other != label}
        keep = _kept_lines(python, tree, drop)
        if out:
            out.append(f"# --- {label} ---")
            origin.append((label, 0))
        for number, (line, kept) in enumerate(zip(python.split("\n"), keep), start=1):
            out.append(line if kept else "")
            origin.append((label, number))
    return Module("\n".join(out).rstrip() + "\n", origin)


class NotebookError(Exception):
    """The file is not a notebook the grader can read (one line, for the teacher)."""


def notebook_cells(path: Path) -> list[str]:
    """The code cells' sources of a .ipynb file, in order (read as JSON: grading needs no Jupyter)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as problem:
        raise NotebookError(f"can't be read as a notebook ({type(problem).__name__}: {problem})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError("is not a Jupyter notebook (no list of cells)")
    cells = []
    for cell in data["cells"]:
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else str(source))
    return cells


def choose_cells(step: Step, cells: list[str]) -> dict[str, tuple[str, str]]:
    """For each of the step's functions, the last code cell defining it (as running the notebook top to bottom leaves it)."""
    chosen: dict[str, tuple[str, str]] = {}
    for index, source in enumerate(cells, start=1):
        python = python_of_cell(source)
        if python is None:
            continue
        try:
            names = _defined(ast.parse(python))
        except SyntaxError:
            names = {name for name in step.functions if _defines_by_text(python, name)}
        for name in step.functions:
            if name in names:
                chosen[name] = (f"code cell {index}", source)
    return chosen


def write_submission(notebook: Path, folder: Path) -> dict[int, str]:
    """Lay out the notebook's steps as `folder/exercises/stepN/<file>` for `grade_step(submission=folder)`.

    Returns, per step, which cells its file came from (for the grader to say what it read).
    A step none of whose functions the notebook defines gets an empty file: its suite says which
    function is missing."""
    cells = notebook_cells(notebook)
    read: dict[int, str] = {}
    for step in STEPS:
        chosen = choose_cells(step, cells)
        module = build_module(step, chosen) if chosen else Module("", [])
        target = step.exercise_dir(folder) / step.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(module.source, encoding="utf-8")
        labels = sorted({label for label, _ in chosen.values()}, key=lambda label: int(label.split()[-1]))
        read[step.number] = "from " + ", ".join(labels) if labels else "defined in no cell"
    return read


@contextlib.contextmanager
def notebook_submission(notebook: Path):
    """`(folder, cells read per step)`: the notebook laid out as a submission, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="mnistkit-notebook-"))
    try:
        read = write_submission(Path(notebook), folder)
        yield folder, read
    finally:
        shutil.rmtree(folder, ignore_errors=True)
