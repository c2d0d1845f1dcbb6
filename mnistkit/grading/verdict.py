"""The judge's verdict: a step's status from the report of every test the manifest expects, never
from the exit code alone; and the command line of the judge's process (`pytest_command`).

Nothing here imports TensorFlow; the suites do, in their own processes.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from mnistkit.grading.results import DONE, ERROR, FAILING, KIT_FAULT, NOT_STARTED, TIMEOUT, StepResult
from mnistkit.steps import Step


# What a judge imports of the kit: its pytest plugin and every module of the checks. A warm engine
# imports them once (mnistkit.engine.zygote), and the sandbox imports the checks that rebuild a
# recording model's guard (mnistkit.engine.recording).
SANDBOX_MODULES = ("mnistkit.checks.training",)
JUDGE_MODULES = ("mnistkit.grading.plugin", *(f"mnistkit.checks.{name}" for name in sorted(
    path.stem for path in (Path(__file__).resolve().parent.parent / "checks").glob("*.py") if path.stem != "__init__")))


# The test a judge adds to each step in a grade that counts (`--mnistkit-judge` with
# `--mnistkit-fresh`): the step's functions on inputs held out from the suites (mnistkit/checks/heldout.py).
HELD_OUT_TEST = "test_gives_the_same_answers_on_held_out_inputs"


def held_out_test(test_files) -> str:
    """The held-out test's id, as a step's report names it: after the last of the step's test files."""
    return f"{sorted(test_files)[-1]}::{HELD_OUT_TEST}"


def expected_tests(entry: dict, counted: bool) -> list[str]:
    """Every test a step's report must hold: the manifest's, and in a grade that counts the held-out one."""
    return [*entry["tests"], held_out_test(entry["test_files"])] if counted else list(entry["tests"])


def pytest_command(targets: list[Path], report: Path | str, solutions: bool = False, judge: bool = False,
                   submission: Path | None = None, fresh: bool = False, seed: int | None = None) -> list[str]:
    """The isolated pytest command line: explicit plugin, no conftest, no ini file but our options.

    `report` is a path, or "fd:N" for a file descriptor (the grader's pipe);
    `judge` runs the learner's functions in a sandbox process (`--mnistkit-judge`);
    `fresh` reads no training result remembered on this machine (`--mnistkit-fresh`, mnistkit/memo.py);
    `seed` draws the held-out inputs of a grade that counts (`--mnistkit-seed`: a judge given one, or fresh, runs them)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        *[str(t) for t in targets],
        "-p", "mnistkit.grading.plugin",
        "-p", "pytest_timeout",
        "--noconftest",
        "-c", os.devnull,  # Ignore any pytest.ini / pyproject / tox.ini a learner adds.
        "--rootdir", str(Path(targets[0]).parent),
        # Collection starts here, not at the file system's root: pytest otherwise lists every folder
        # beside each of the step's parent folders (measured: 320 entries of /tmp, 40 ms a check).
        "--confcutdir", str(Path(targets[0]).parent),
        "--import-mode=importlib",
        "-p", "no:cacheprovider",
        # Its gc.collect() at the session's end costs ~0.4 s in a process full of TensorFlow objects
        # (a judge forked from the warm engine), and it never changes a verdict.
        "-p", "no:unraisableexception",
        "-q",
        # The plugin puts one message in place of each failure's traceback; pytest's own would
        # first read the source around every frame of it (measured: 2-3 s of a 40 s run of step 7's
        # variants). A native traceback costs next to nothing, and only crashes show one.
        "--tb=native",
        "--mnistkit-report", str(report),
    ]
    if solutions:
        command.append("--solutions")
    if judge:
        command.append("--mnistkit-judge")
    if submission is not None:
        command += ["--mnistkit-submission", str(submission)]
    if fresh:
        command.append("--mnistkit-fresh")
    if seed is not None:
        command += ["--mnistkit-seed", str(seed)]
    return command



# Keras's progress bar colours its counters with ANSI escapes and redraws with backspaces and
# carriage returns, even when its output is captured; in a report they are only noise.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|[\b]+")


def plain(text: str) -> str:
    """`text` without terminal escapes; of a line redrawn with carriage returns, only the last drawing."""
    lines = _ANSI.sub("", text).split("\n")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)


def first_line(text: str, limit: int = 300) -> str:
    line = next((l for l in text.strip().splitlines() if l.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def tail(text: str, lines: int = 3) -> str:
    return " | ".join(l.strip() for l in plain(text).strip().splitlines()[-lines:] if l.strip())


def judge(step: Step, expected_tests: list[str], code: int | None, report: dict | None, output: str, seconds: float) -> StepResult:
    """The status of a finished run, from the report of every expected test (never from the exit code alone)."""
    result = StepResult(step.number, step.title, ERROR, seconds=round(seconds, 2))
    if code is None:
        result.status = TIMEOUT
        result.message = f"the suite did not finish within {step.timeout} s: is there an endless loop, or training on far more data than asked?"
        return result
    if report is None:
        result.message = f"the suite crashed before reporting (exit code {code}): {tail(output) or 'no output'}"
        return result
    tests = {t["nodeid"].split("/")[-1]: {**t, "output": plain(t.get("output") or "")} for t in report.get("tests", [])}
    missing = [name for name in expected_tests if name not in tests]
    if missing:
        result.message = f"{len(missing)} of {len(expected_tests)} tests never reported (first: {missing[0]}); the run ended with exit code {code}: {tail(output)}"
        result.tests = list(tests.values())
        return result
    ordered = [tests[name] for name in expected_tests]
    result.tests = ordered
    result.passed = sum(t["status"] == "pass" for t in ordered)
    result.failed = len(ordered) - result.passed
    # A skipped test ("not checked yet: first fix ...") never counts as a pass, but it is not the
    # failure to report either: that is the first test that really failed.
    problems = [t for t in ordered if t["status"] not in ("pass", "skip")]
    if not problems and code == 0 and result.failed == 0:
        result.status = DONE
    elif not problems and result.failed == 0:
        result.message = f"every test passed but pytest exited with code {code}: {tail(output)}"
    elif not problems:
        result.status = FAILING
        result.message = f"{result.failed} tests were skipped; every test must run and pass"
    elif any(t["status"] == "kit-error" for t in problems):
        result.status = ERROR
        result.message = KIT_FAULT + first_line(next(t for t in problems if t["status"] == "kit-error")["message"], 400)
    elif all(t["status"] == "not-started" for t in problems) and result.passed == 0:
        result.status = NOT_STARTED
        result.message = f"step {step.number} not started"
    elif any(t["status"] == "error" for t in problems):
        result.status = ERROR
        result.message = first_line(next(t for t in problems if t["status"] == "error")["message"])
    else:
        result.status = FAILING
        result.message = first_line(problems[0]["message"])
    return result
