"""Loading the learner's module (or the reference solution) for a step, with one-line errors.

A syntax error, a failing import or a missing function becomes a `LearnerCodeError` whose
message names the file and the problem in one line; the pytest plugin shows just that line.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from mnistkit import KIT_ROOT
from mnistkit.steps import Step


class LearnerCodeError(Exception):
    """The learner's file can't be used at all (missing, syntax error, import error, missing function)."""


def display_path(path: Path) -> str:
    """`path` as a learner would type it from the kit's root: `exercises/step1/scaling.py`."""
    parts = Path(path).resolve().parts
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in ("exercises", "solutions"):
            return "/".join(parts[index:])
    try:
        return str(Path(path).resolve().relative_to(KIT_ROOT))
    except ValueError:
        return str(path)


_loaded: dict[Path, ModuleType] = {}


def load_module(path: Path) -> ModuleType:
    """Import the file at `path` once per process, translating every failure into one line."""
    path = Path(path).resolve()
    if path in _loaded:
        return _loaded[path]
    shown = display_path(path)
    if not path.exists():
        raise LearnerCodeError(f"MISSING FILE: {shown} does not exist; restore it from the kit (git checkout -- {shown})")
    name = "mnistkit_learner_" + "_".join(path.parts[-3:]).replace(".py", "").replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise LearnerCodeError(
            f"SYNTAX ERROR in {shown}, line {error.lineno}: {error.msg}"
            + (f": {error.text.strip()}" if error.text else "")
        ) from None
    except NotImplementedError:
        raise  # A stub that raises at import time is still "not started".
    except ModuleNotFoundError as error:
        raise LearnerCodeError(missing_tensorflow(error) or f"IMPORT ERROR: importing {shown} raised ModuleNotFoundError: {error}") from None
    except Exception as error:  # noqa: BLE001  (any error while importing the learner's file)
        raise LearnerCodeError(
            f"IMPORT ERROR: importing {shown} raised {type(error).__name__}: {error}"
        ) from None
    sys.modules[name] = module
    _loaded[path] = module
    return module


def load_function(step: Step, name: str, solutions: bool = False, folder: Path | None = None) -> Callable[..., Any]:
    """The function `name` of the step's file, from `folder` (default: exercises/ or solutions/)."""
    path = (folder / step.file) if folder is not None else step.learner_file(solutions)
    module = load_module(path)
    function = getattr(module, name, None)
    if function is None:
        raise LearnerCodeError(
            f"MISSING FUNCTION: {display_path(path)} has no function {name}(); "
            f"step {step.number} needs {', '.join(f + '()' for f in step.functions)} (did you rename or delete it?)"
        )
    if not callable(function):
        raise LearnerCodeError(f"NOT A FUNCTION: {name} in {display_path(path)} is a {type(function).__name__}, not a function")
    return function


def not_installed(names: list[str]) -> str:
    """The one line that says which of the kit's packages this Python lacks, and how to install them."""
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (f"{listed} {'is' if len(names) == 1 else 'are'} not installed in this Python ({sys.executable}): "
            "install the kit with `pip install -e .` in its folder, with this Python's pip (its venv activated)")


def missing_tensorflow(error: ModuleNotFoundError) -> str | None:
    """The message for TensorFlow or Keras not being installed, if that is what `error` says; else None."""
    if (error.name or "").split(".")[0] not in ("tensorflow", "keras"):
        return None
    return (f"TensorFlow is not installed in this Python ({sys.executable}): the kit needs it from step 3 on. "
            "Install the kit with `pip install -e .` in its folder (or `pip install tensorflow`)")


def function_from(path: Path, name: str) -> Callable[..., Any]:
    """The function `name` of the learner's file at `path`, which lies in a stepN folder."""
    from mnistkit.steps import step_of_path

    step = step_of_path(path)
    if step is None:
        raise LearnerCodeError(f"{path} is not inside a stepN folder of the kit")
    return load_function(step, name, folder=Path(path).parent)


# TensorFlow's C++ start-up lines ("Could not find cuda drivers ...") arrive before its log level
# is read; they say nothing about the learner's code, so they are left out of what is shown.
_TF_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\).*|[IWE]\d{4} \d\d:\d\d:\d\d.*)$\n?", re.MULTILINE)


def without_tensorflow_noise(text: str) -> str:
    return _TF_NOISE.sub("", text)
