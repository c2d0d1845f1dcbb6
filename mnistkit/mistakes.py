"""The kit's own failures of a learner's work. They sit at the bottom of the package because both
sides use them: the checks raise them, and the engine carries them back from the learner's sandbox
(`mnistkit.engine.calls`) as what they are. The message formula lives with the checks
(`mnistkit.checks.messages`).
"""

from __future__ import annotations


class Mistake(AssertionError):
    """A check of the learner's work failed; the message says what to fix."""


class KeyedMistake(Mistake):
    """A Mistake that names its problem ("the batch size"), so that `FirstProblem.once()` says it once."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem
