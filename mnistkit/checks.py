"""Failure messages in one formula: what was called, what was expected, what came back, and the
likely mistake in the tutorial's terms. The pytest plugin shows a `Mistake` as its message alone,
without a traceback.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Mistake(AssertionError):
    """A check of the learner's work failed; the message says what to fix."""


def mistake(called: str, expected: Any, got: Any, hint: str | None = None) -> Mistake:
    """Build the kit's standard failure: `called` returned `got`, expected `expected`[: hint]."""
    message = f"{called} gave {got}, expected {expected}"
    if hint:
        message += f": {hint}"
    return Mistake(message)


def check(condition: bool, called: str, expected: Any, got: Any, hint: str | None = None) -> None:
    """Raise `mistake(...)` unless `condition` holds."""
    if not condition:
        raise mistake(called, expected, got, hint)


def as_array(value: Any, called: str) -> np.ndarray:
    """`numpy.asarray(value)`, or a Mistake naming what came back if that is not an array."""
    if value is None:
        raise Mistake(f"{called} returned None, expected an array: did you forget the `return` statement?")
    try:
        return np.asarray(value)
    except Exception as error:  # noqa: BLE001
        raise Mistake(f"{called} returned a {type(value).__name__} that numpy can't turn into an array ({error})") from None


def ulp_close(got: np.ndarray, expected: np.ndarray, ulps: int = 4) -> bool:
    """True when the arrays agree to within a few float32 ulps (the contract's tolerance)."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    spacing = np.spacing(np.abs(expected).astype(np.float32)).astype(np.float64)
    return bool(np.all(np.abs(got - expected) <= ulps * spacing + 1e-12))


def describe_array(value: np.ndarray) -> str:
    """`float32 array of shape (3, 4)`: how a message names an array."""
    return f"{value.dtype} array of shape {tuple(value.shape)}"
