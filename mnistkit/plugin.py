"""The kit's pytest plugin: `--solutions`, the learner's functions as fixtures, short messages.

It is loaded by the kit's root `conftest.py` when a learner runs `pytest exercises/stepN`, and
explicitly (`-p mnistkit.plugin`, with conftest files switched off) when the grader runs a step.

What it does:
- `--solutions` makes every suite test `solutions/stepN/<file>` instead of the learner's file;
- the `step_function` fixture hands a test the function it checks, loaded from that file;
- a failure is shown as one message, never a traceback wall: a stub's NotImplementedError as
  "step N not started", a syntax error or missing function in one line, a failed check as its
  message, an exception in the learner's code as the line of their file that raised it;
- the run ends with one line per step saying what to do next;
- `--mnistkit-report PATH` writes every test's outcome as JSON for the grader.
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

# TensorFlow reads its log level when it is first imported, so it is set before any test runs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # Same numbers run to run, and no banner.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")  # Figures are checked, never shown.

import pytest  # noqa: E402

# No __pycache__ folders in exercises/ and solutions/: `diff -r exercises solutions` stays clean.
sys.dont_write_bytecode = True

from mnistkit.checks import Mistake  # noqa: E402
from mnistkit.learner import LearnerCodeError, display_path, load_function  # noqa: E402
from mnistkit.steps import STEPS, Step, step_of_path  # noqa: E402

OUTPUT_LIMIT = 500  # Characters of captured output kept per test in the report (as exercism's results.json).

# Outcomes of one test, as the grader and the summary line read them.
PASS, FAIL, NOT_STARTED, LEARNER_ERROR, SKIP = "pass", "fail", "not-started", "error", "skip"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mnistkit", "mnistkit exercise kit")
    group.addoption(
        "--solutions",
        action="store_true",
        default=False,
        help="test the reference solutions in solutions/stepN instead of your files in exercises/stepN",
    )
    group.addoption(
        "--mnistkit-report",
        metavar="PATH",
        default=None,
        help="write each test's outcome to PATH as JSON (used by grader.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: trains a model; takes seconds rather than milliseconds")
    # Keras 3 warns about `input_shape=` on a first layer, which the tutorial uses and the kit
    # accepts; the warning would only make a learner doubt correct code.
    config.addinivalue_line("filterwarnings", "ignore:Do not pass an `input_shape`:UserWarning")
    config.stash[_results_key] = []


_results_key = pytest.StashKey[list]()


def pytest_report_header(config: pytest.Config) -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for package in ("tensorflow", "keras", "numpy"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} not installed")
    target = "solutions/ (reference solutions)" if config.getoption("solutions") else "your files in exercises/"
    from mnistkit.reference import SEED

    return [f"mnistkit: testing {target}; seed {SEED}; " + ", ".join(versions)]


def _test_step(request: pytest.FixtureRequest) -> Step:
    step = step_of_path(Path(str(request.path)))
    if step is None:
        raise LearnerCodeError(f"{request.path} is not inside a stepN folder of the kit")
    return step


@pytest.fixture(scope="module")
def step_function(request: pytest.FixtureRequest) -> Callable[[str], Callable[..., Any]]:
    """`step_function("scale_pixels")`: that function from the file this suite tests.

    The file is the step's module beside the test file, or `solutions/stepN/<file>` with
    `--solutions`. Loading errors surface when a test asks for the function, as one line.
    """
    step = _test_step(request)
    solutions = request.config.getoption("solutions")
    folder = None if solutions else Path(str(request.path)).parent

    def get(name: str) -> Callable[..., Any]:
        return load_function(step, name, solutions=solutions, folder=folder)

    return get


@pytest.fixture(scope="session")
def mnist():
    """MNIST as keras.datasets.mnist.load_data() returns it, from the kit's own file, loaded once."""
    from mnistkit.data import load_mnist

    return load_mnist()


def _learner_frame(excinfo: pytest.ExceptionInfo) -> traceback.FrameSummary | None:
    """The deepest frame of the traceback that lies in a learner's file (not a test file)."""
    found = None
    for frame in traceback.extract_tb(excinfo.tb):
        parts = Path(frame.filename).parts
        if ("exercises" in parts or "solutions" in parts) and not Path(frame.filename).name.startswith("test_"):
            found = frame
    return found


def _describe_failure(excinfo: pytest.ExceptionInfo, step: Step | None) -> tuple[str, str]:
    """(outcome, one short message) for a failed test."""
    error = excinfo.value
    frame = _learner_frame(excinfo)
    where = None if frame is None else f"{display_path(Path(frame.filename))}, line {frame.lineno}: {(frame.line or '').strip()}"
    if isinstance(error, NotImplementedError) and frame is not None:
        number = step.number if step else "?"
        return NOT_STARTED, (
            f"step {number} not started: {frame.name}() in {display_path(Path(frame.filename))} still raises "
            f"NotImplementedError. Replace its TODO(step {number}) with your code; the README beside it explains the step."
        )
    if isinstance(error, LearnerCodeError):
        return LEARNER_ERROR, str(error)
    if isinstance(error, MemoryError):
        return LEARNER_ERROR, (
            "your code ran out of memory" + (f" at {where}" if where else "")
            + ": the steps need well under a gigabyte; is something copied or allocated far too often?"
        )
    if isinstance(error, Mistake):
        return FAIL, str(error)
    if isinstance(error, AssertionError):
        return FAIL, str(error).strip() or "an assertion failed"
    message = f"{type(error).__name__}: {error}"
    if where is not None:
        return FAIL, f"your code raised {message}\n  at {where}"
    return FAIL, f"the test raised {message}"


# TensorFlow's C++ start-up lines ("Could not find cuda drivers ...") arrive before its log level
# is read; they say nothing about the learner's code, so they are left out of failure reports.
_TF_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\).*|[IWE]\d{4} \d\d:\d\d:\d\d.*)$\n?", re.MULTILINE)


def _without_tensorflow_noise(text: str) -> str:
    return _TF_NOISE.sub("", text)


_outcome_key = pytest.StashKey[dict]()
_said_key = pytest.StashKey[set]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Replace a failure's traceback by one message, and remember the outcome for the report."""
    report = yield
    record = item.stash.setdefault(_outcome_key, {"status": None, "message": "", "output": ""})
    record["output"] += report.capstdout + report.capstderr
    excinfo = call.excinfo
    if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception) and record["status"] is None:
        step = step_of_path(Path(str(item.path)))
        outcome, message = _describe_failure(excinfo, step)
        # "Not started" and a file that can't load are said once per step in full; later tests
        # of the step just point to the first, so the learner sees one line, not a wall.
        said = item.config.stash.setdefault(_said_key, set())
        repeated = outcome in (NOT_STARTED, LEARNER_ERROR) and step is not None
        if repeated and (step.number, message) in said:
            report.longrepr = "(the same as above)" if outcome == LEARNER_ERROR else f"step {step.number} not started (see above)"
        else:
            report.longrepr = message
        if repeated:
            said.add((step.number, message))
            report.sections = []  # The one line says it all; captured output would only bury it.
        record.update(status=outcome, message=message)
    elif report.skipped and record["status"] is None:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        record.update(status=SKIP, message=reason.removeprefix("Skipped: "))
    elif report.when == "call" and report.passed and record["status"] is None:
        record["status"] = PASS
    cleaned = [(title, _without_tensorflow_noise(text)) for title, text in report.sections]
    report.sections = [(title, text) for title, text in cleaned if text.strip()]
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    result = yield
    record = item.stash.get(_outcome_key, {})
    item.config.stash[_results_key].append(
        {
            "name": item.name,
            "nodeid": item.nodeid,
            "step": getattr(step_of_path(Path(str(item.path))), "number", None),
            "status": record.get("status") or FAIL,
            "message": record.get("message") or ("" if record.get("status") else "the test reported no result"),
            "output": record.get("output", "")[:OUTPUT_LIMIT],
        }
    )
    return result


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    from mnistkit.nextstep import all_done_line, check_command, first_unfinished, grader_command, here, remembered

    results = config.stash[_results_key]
    by_step: dict[int, list[dict]] = {}
    for result in results:
        if result["step"] is not None:
            by_step.setdefault(result["step"], []).append(result)
    if not by_step:
        return
    terminalreporter.section("mnistkit")
    solutions = config.getoption("solutions")
    # "Next" is the first step not done of all eight. This run only knows its own steps; the
    # others come from the grader's remembered results (display only: a grade is always a run).
    statuses = {n: r.status for n, r in remembered(solutions).items()}
    statuses.update({n: ("done" if all(r["status"] == PASS for r in rs) else "not done") for n, rs in by_step.items()})
    for number in sorted(by_step):
        outcomes = [r["status"] for r in by_step[number]]
        step = next(s for s in STEPS if s.number == number)
        if all(o == PASS for o in outcomes):
            upcoming = first_unfinished(statuses)
            if upcoming is None:
                then = all_done_line()
            elif upcoming.number in statuses:
                then = f"next: step {upcoming.number}: {check_command(upcoming, solutions)}"
            else:
                then = f"next: step {upcoming.number}, not checked since its file last changed: {check_command(upcoming, solutions)}"
            terminalreporter.write_line(f"step {number} done: all {len(outcomes)} checks pass. {then}", green=True)
        elif all(o == NOT_STARTED for o in outcomes):
            folder = step.solution_dir() if solutions else step.exercise_dir()
            terminalreporter.write_line(
                f"step {number} not started: open {here(folder)}/ and read its README.md "
                f"(hints: {grader_command('--hint', str(number))})",
                yellow=True,
            )
        else:
            failed = sum(o not in (PASS, SKIP) for o in outcomes)
            waiting = sum(o == SKIP for o in outcomes)
            first = next(r for r in by_step[number] if r["status"] not in (PASS, SKIP))
            later = f", {waiting} not checked yet" if waiting else ""
            terminalreporter.write_line(
                f"step {number}: {failed} of {len(outcomes)} checks fail{later}. First: {first['message'].splitlines()[0]}",
                red=True,
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("mnistkit_report")
    if path:
        payload = {
            "exitstatus": int(exitstatus),
            "tests": session.config.stash[_results_key],
            # Steps 1 and 2 promise fast feedback, which TensorFlow's import alone would spoil.
            "tensorflow_imported": "tensorflow" in sys.modules,
        }
        Path(path).write_text(json.dumps(payload, indent=1), encoding="utf-8")
