"""`check(N)` in the learner's kernel: step N's own suite on the functions the notebook defined.

How: the cells the kernel's functions came from (IPython keeps each cell's source for tracebacks)
become the step's module by the same rules the grader's `--notebook` uses (extract.py); that
module is written as `<scratch>/exercises/stepN/<file>` and the step's test files, exactly as the
grader lists them, run in this process with the kit's plugin (`--mnistkit-submission <scratch>`).
In process, TensorFlow is already imported, so a check takes about a second; the verdict comes
from the same `judge` the grader uses.
"""

from __future__ import annotations

import contextlib
import io
import json
import linecache
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from mnistkit.grading.results import DONE, ERROR, NOT_STARTED, TAMPERED, StepResult, not_started
from mnistkit.grading.verdict import judge
from mnistkit.grading.manifest import load_manifest, tampered_files
from mnistkit.notebook.display import Panel
from mnistkit.notebook.extract import Module, build_module
from mnistkit.steps import STEPS, Step, get_step
from mnistkit.template import is_stub

# The last check of each step: (the module it judged, its result). progress() and solution()
# reuse it while the cells are unchanged.
LAST_CHECKED: dict[int, tuple[str, StepResult]] = {}
_noted: list[bool] = []


def namespace() -> dict:
    """The kernel's variables (IPython's user namespace), or the calling script's globals."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    frame = sys._getframe(1)
    while frame.f_globals.get("__name__", "").startswith("mnistkit."):
        frame = frame.f_back
    return frame.f_globals


def resolve(target) -> Step:
    """A step from its number, or from one of its functions (or that function's name)."""
    if isinstance(target, bool):
        raise TypeError("check() takes a step number (1 to 8) or one of the step's functions")
    if isinstance(target, int):
        return get_step(target)
    name = target if isinstance(target, str) else getattr(target, "__name__", None)
    for step in STEPS:
        if name in step.functions:
            return step
    raise ValueError(f"{name!r} is not a function of any step; check() takes a step number 1 to {len(STEPS)}")


def kernel_module(step: Step, names: dict) -> tuple[Module | None, str]:
    """The step's module from the cells that defined its functions in this kernel, or (None, why not)."""
    chosen: dict[str, tuple[str, str]] = {}
    for name in step.functions:
        function = names.get(name)
        if function is None:
            continue
        code = getattr(function, "__code__", None)
        if code is None:
            return None, f"{name} in this notebook is a {type(function).__name__}, not a function: define it with `def {name}(...)`"
        lines = linecache.getlines(code.co_filename)
        if not lines:
            return None, f"the code of {name}() can't be found: define it in a code cell of this notebook and run that cell"
        source = "".join(lines)
        same = next((lab for lab, src in chosen.values() if src == source), None)
        chosen[name] = (same or f"your cell of {name}()", source)
    if not chosen:
        wanted = ", ".join(f"{n}()" for n in step.functions)
        return None, f"{wanted} is not defined yet: run the code cell of step {step.number} first, then this one"
    return build_module(step, chosen), ""


def _translate(message: str, step: Step, module: Module) -> str:
    """File places in a message, as places in the notebook: 'exercises/step3/x.py, line 12' -> "your cell of f(), line 12"."""
    file = re.escape(f"exercises/{step.folder}/{step.file}")

    def place(match: re.Match) -> str:
        if match.group(1) is None:
            return "your code cell"
        where = module.where(int(match.group(1)))
        return f"{where[0]}, line {where[1]}" if where else match.group(0)

    return re.sub(file + r"(?:, line (\d+))?", place, message)


@contextlib.contextmanager
def _quiet_kernel():
    """pytest's own output and any figures the suite draws stay out of the notebook."""
    saved = {k: os.environ.get(k) for k in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD",)}
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # As the grader: no third-party plugin changes a verdict.
    pyplot = sys.modules.get("matplotlib.pyplot")
    figures = set(pyplot.get_fignums()) if pyplot else set()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield sink
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot:
            for number in set(pyplot.get_fignums()) - figures:
                pyplot.close(number)


def run_step(step: Step, module: Module) -> StepResult:
    """Step N's suite, as listed in the manifest, on `module`, in this process; judged as the grader judges."""
    import pytest

    from mnistkit import learner

    manifest = load_manifest()
    entry = manifest["steps"][str(step.number)]
    problems = tampered_files(step, manifest)
    if problems:
        return StepResult(step.number, step.title, TAMPERED, message=f"{'; '.join(problems)}: the kit's tests must stay as shipped")
    if is_stub(module.source, step):
        # Every function still only raises NotImplementedError: each test would say so (the kit's
        # self-test checks that of every stub). Said at once, as the grader says it of an untouched
        # file, instead of after the suite's setup (step 7's trains the kit's CNN first).
        return not_started(step, len(entry["tests"]))
    scratch = Path(tempfile.mkdtemp(prefix="mnistkit-check-"))
    try:
        target = step.exercise_dir(scratch) / step.file
        target.parent.mkdir(parents=True)
        target.write_text(module.source, encoding="utf-8")
        report = scratch / "report.json"
        tests = [str(step.exercise_dir() / name) for name in entry["test_files"]]
        args = [*tests, "-p", "mnistkit.grading.plugin", "--noconftest", "-c", os.devnull, "--rootdir", str(step.exercise_dir()),
                "--confcutdir", str(step.exercise_dir()),  # Collect from the step folder, not from /.
                "--import-mode=importlib", "-p", "no:cacheprovider", "-q", "--capture=sys",
                # Its gc.collect() at the end costs ~0.4 s per call in a kernel full of TensorFlow
                # objects, and only turns stray __del__ errors into warnings: no verdict depends on it.
                "-p", "no:unraisableexception",
                "--mnistkit-report", str(report), "--mnistkit-submission", str(scratch)]
        started = time.monotonic()
        with _quiet_kernel() as output:
            code = pytest.main(args)
        try:
            payload = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            payload = None
        result = judge(step, entry["tests"], int(code), payload, output.getvalue(), time.monotonic() - started)
    finally:
        learner._loaded.pop(target.resolve(), None)  # The next check loads the cell afresh.
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def first_problem(result: StepResult) -> str:
    """The whole message of the first test that failed (the grader keeps only its first line)."""
    failed = next((t for t in result.tests if t["status"] not in ("pass", "skip")), None)
    return failed["message"] if failed else result.message


def version_note_once() -> str:
    from mnistkit.versions import version_note

    if _noted:
        return ""
    _noted.append(True)
    return version_note() or ""


def panel_for(step: Step, result: StepResult, module: Module | None) -> Panel:
    note = version_note_once()
    total = result.passed + result.failed
    if result.status == DONE:
        following = [s for s in STEPS if s.number > step.number]
        then = f"Next: step {following[0].number}." if following else "That was the last step: run progress()."
        return Panel("done", f"Step {step.number} done: all {total} checks pass. {then}", note=note, status=DONE)
    if result.status == NOT_STARTED:
        return Panel("not-started", f"Step {step.number} not started",
                     f"Write {', '.join(f + '()' for f in step.functions)} in the code cell above (replace its "
                     f"TODO(step {step.number})), run that cell, then this one. Stuck? hint({step.number})",
                     note=note, status=NOT_STARTED)
    message = first_problem(result)
    if module is not None:
        message = _translate(message, step, module)
    if "NameError" in message:
        message += ("\n(A check, like the grade, takes only the imports, functions and constants of the cell "
                    "defining each function: whatever it uses must be defined there, not in another cell.)")
    # Counted as `pytest exercises/stepN` counts them: a check waiting for an earlier fix is not a failure.
    failing = sum(t["status"] not in ("pass", "skip") for t in result.tests)
    waiting = sum(t["status"] == "skip" for t in result.tests)
    failed = f"{failing} of {total} checks fail" + (f", {waiting} not checked yet" if waiting else "") if total else result.status
    return Panel("failing" if result.status != ERROR else "error", f"Step {step.number}: {failed}", message,
                 note=note, status=result.status)


def current(step: Step, names: dict | None = None) -> tuple[StepResult | None, Module | None, str]:
    """(result, module, why not) of the step as this kernel defines it now; a check of the same cells is reused."""
    module, why = kernel_module(step, namespace() if names is None else names)
    if module is None:
        return None, None, why
    remembered = LAST_CHECKED.get(step.number)
    if remembered is not None and remembered[0] == module.source:
        return remembered[1], module, ""
    return None, module, ""


def check(target) -> Panel:
    """Run step `target`'s suite (a number, or one of its functions) on this notebook's functions."""
    try:
        step = resolve(target)
    except (KeyError, TypeError, ValueError) as problem:
        return Panel("error", str(problem).strip("'\""), status=ERROR)
    module, why = kernel_module(step, namespace())
    if module is None:
        return Panel("not-started", f"Step {step.number} not run yet", why, note=version_note_once(), status=NOT_STARTED)
    result = run_step(step, module)
    LAST_CHECKED[step.number] = (module.source, result)
    return panel_for(step, result, module)
