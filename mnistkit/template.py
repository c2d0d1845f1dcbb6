"""The kit as shipped: the stubs a learner received, whatever they have done to exercises/ since.

The kit's self-test (bare `pytest`) judges the kit, never the learner's work, so it runs on a
pristine copy made here: everything from the working tree except each step's learner file,
which is the shipped stub. The stub's bytes come from the working tree while it is untouched,
otherwise from git (the index, HEAD, then the file's history), because a learner's clone keeps
the template's commit even after they commit their own work. The manifest's stub checksum says
which candidate is the shipped one; without a match, the newest candidate that is still a stub.

"Still a stub" is decided from the source (`is_stub`): every contract function only raises
NotImplementedError. Solved work can never look like that, so no manifest, however rewritten,
can make solved work count as untouched.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from mnistkit import KIT_ROOT
from mnistkit.steps import STEPS, Step

# The kit's own files and folders a pristine copy holds (tests/ stays where it is: it is the self-test).
KIT_PARTS = ("grader.py", "conftest.py", "pyproject.toml", "README.md", "mnistkit", "solutions", ".github")


def _binds(node: ast.AST, name: str) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.Name):
        return node.id == name and isinstance(node.ctx, (ast.Store, ast.Del))
    if isinstance(node, ast.alias):
        return (node.asname or node.name.split(".")[0]) == name
    return False


def _only_raises_not_implemented(function: ast.AST) -> bool:
    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]  # The docstring.
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def is_stub(source: bytes | str, step: Step) -> bool:
    """True when each of the step's functions is defined once, at the top, and only raises NotImplementedError."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for name in step.functions:
        bindings = [node for node in ast.walk(tree) if _binds(node, name)]
        # Exactly one binding: a later `scale_pixels = ...` or a second def would replace the stub.
        if len(bindings) != 1 or bindings[0] not in tree.body or not isinstance(bindings[0], ast.FunctionDef):
            return False
        if not _only_raises_not_implemented(bindings[0]):
            return False
    return True


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None  # No git on this machine: the working tree is all there is.
    return completed if completed.returncode == 0 else None


def _candidates(step: Step, root: Path) -> Iterator[bytes]:
    """The learner file's versions, newest first: working tree, index, HEAD, then every commit that touched it."""
    path = step.learner_file(root=root)
    relative = "./" + path.relative_to(root).as_posix()  # `./` makes git resolve it from `root`, even in a bigger repository.
    if path.exists():
        yield path.read_bytes()
    for revision in (":", "HEAD:"):
        shown = _git(root, "show", revision + relative)
        if shown is not None:
            yield shown.stdout
    history = _git(root, "log", "--format=%H", "--", relative)
    for commit in (history.stdout.decode().split() if history else []):
        shown = _git(root, "show", f"{commit}:{relative}")
        if shown is not None:
            yield shown.stdout


def shipped_stub(step: Step, stub_sha256: str | None, root: Path = KIT_ROOT) -> bytes | None:
    """The stub as shipped: the version the manifest names, else the newest that is still a stub, else None."""
    fallback = None
    for source in _candidates(step, root):
        if not is_stub(source, step):
            continue
        if hashlib.sha256(source).hexdigest() == stub_sha256:
            return source
        fallback = fallback or source
    return fallback


def _tracked(root: Path, folder: str) -> set[Path] | None:
    """Files git tracks under `folder` (a learner's own scratch files are not the kit's), or None without git."""
    listed = _git(root, "ls-files", "-z", "--", folder)
    if listed is None or not listed.stdout:
        return None
    return {root / name for name in listed.stdout.decode().split("\0") if name}


def pristine_copy(dest: Path, manifest: dict, root: Path = KIT_ROOT) -> list[Step]:
    """Copy the kit as shipped into `dest`. Returns the steps whose shipped stub could not be found (left out)."""
    for part in KIT_PARTS:
        source = root / part
        if source.is_dir():
            shutil.copytree(source, dest / part, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "mnist.npz"))
        elif source.exists():
            shutil.copy2(source, dest / part)
    if (root / "mnistkit" / "data" / "mnist.npz").exists():  # 15 MB that nobody edits: linked, not copied.
        (dest / "mnistkit" / "data" / "mnist.npz").symlink_to(root / "mnistkit" / "data" / "mnist.npz")
    # While every stub is untouched (a course author's checkout) the working tree is the kit, new
    # files included; once a learner has started, only what git tracks is: their scratch files aren't.
    started = any(not (step.learner_file(root=root).exists() and is_stub(step.learner_file(root=root).read_bytes(), step)) for step in STEPS)
    tracked = _tracked(root, "exercises") if started else None
    for path in sorted((root / "exercises").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and (tracked is None or path in tracked):
            target = dest / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    missing = []
    for step in STEPS:
        stub = shipped_stub(step, manifest["steps"][str(step.number)]["stub"], root)
        target = step.learner_file(root=dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if stub is None:
            target.unlink(missing_ok=True)
            missing.append(step)
        else:
            target.write_bytes(stub)
    return missing
