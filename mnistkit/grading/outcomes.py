"""What one failed test says: its outcome (a failed check, the learner's code not started or not
loading, the kit's own fault) and one short message in place of a traceback, with the line of
the learner's file that raised where there is one. The pytest plugin (`grading/plugin.py`)
reports every test this way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistkit.checks.messages import Mistake
from mnistkit.learner import LearnerCodeError, display_path, missing_tensorflow
from mnistkit.steps import Step

# Outcomes of one test, as the grader and the summary line read them.
PASS, FAIL, NOT_STARTED, LEARNER_ERROR, SKIP = "pass", "fail", "not-started", "error", "skip"
KIT_ERROR = "kit-error"  # The kit itself can't run (its data is damaged, TensorFlow is missing): not the learner's fault.


def learner_place(excinfo: pytest.ExceptionInfo) -> tuple[str | None, str | None]:
    """(where, function): the line of the learner's file that raised, and the function it is in.

    An exception that came back from the learner's function carries them (LearnerRaised); any
    other is looked up in its traceback."""
    from mnistkit.engine.calls import LearnerRaised, learner_frame

    error = excinfo.value
    if isinstance(error, LearnerRaised):
        return error.where, error.function
    frame = learner_frame(excinfo.tb)
    if frame is None:
        return None, None
    return f"{display_path(Path(frame.filename))}, line {frame.lineno}: {(frame.line or '').strip()}", frame.name


def describe_failure(excinfo: pytest.ExceptionInfo, step: Step | None) -> tuple[str, str]:
    """(outcome, one short message) for a failed test."""
    error = excinfo.value
    where, function = learner_place(excinfo)
    if isinstance(error, NotImplementedError) and where is not None:
        number = step.number if step else "?"
        return NOT_STARTED, (
            f"step {number} not started: {function}() in {where.split(',')[0]} still raises "
            f"NotImplementedError. Replace its TODO(step {number}) with your code; the README beside it explains the step."
        )
    if isinstance(error, LearnerCodeError):
        return LEARNER_ERROR, str(error)
    from mnistkit.data import MnistDataError

    from mnistkit.engine.channel import SandboxUnavailable

    if isinstance(error, (MnistDataError, SandboxUnavailable)):
        return KIT_ERROR, str(error)
    if isinstance(error, ModuleNotFoundError) and where is None and missing_tensorflow(error):
        return KIT_ERROR, missing_tensorflow(error)
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
