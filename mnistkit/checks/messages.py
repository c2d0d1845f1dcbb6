"""Failure messages in one formula: what was called, what was expected, what came back, and the
likely mistake in the tutorial's terms. The pytest plugin shows a `Mistake` as its message alone,
without a traceback.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NoReturn

import numpy as np
import pytest

from mnistkit.mistakes import KeyedMistake, Mistake  # Raised by every check; the suites import Mistake from here with the rest.




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


def kind_of(value: Any) -> str:
    """How a message names what came back: 'a list', 'a tf Tensor (EagerTensor) of dtype float64',
    'a float32 numpy array'. Read from the value alone (TensorFlow is never imported here)."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} numpy array"
    name = type(value).__name__
    if type(value).__module__.split(".")[0] in ("tensorflow", "keras") and hasattr(value, "dtype"):
        dtype = getattr(value.dtype, "name", value.dtype)
        return f"a tf Tensor ({name}) of dtype {dtype}"
    return f"a {name}"


def _type_hint(value: Any) -> str:
    """What to do about a returned value that is not a numpy array."""
    if isinstance(value, (list, tuple)):
        return "return the array itself, not .tolist(): a list of Python numbers reads back as float64 or int64"
    if "Tensor (" in kind_of(value) or "Variable" in type(value).__name__:
        return "accepted when numpy.asarray makes the right array of it, which is not the case here"
    return "return a numpy array"


@contextmanager
def type_first(value: Any, called: str) -> Iterator[None]:
    """A Mistake raised inside, about the array numpy made of `value`, starts by naming `value`'s
    type when it is not a numpy array: a list or a Tensor explains a dtype the learner never wrote.

    Array-likes that numpy turns into the right array pass unnoticed; only a failure names them."""
    try:
        yield
    except Mistake as error:
        if value is None or isinstance(value, np.ndarray):
            raise  # None has its own message ("did you forget the `return`?"); an array needs no naming.
        text = str(error)
        text = text[len(called):].lstrip() if text.startswith(called) else text
        raise Mistake(f"{called} returned {kind_of(value)}, not a numpy array ({_type_hint(value)}); "
                      f"read as an array: {text}") from None


class PartlyWritten:
    """Tells a stub's NotImplementedError in a step whose other functions are written ("plot_history()
    not started yet") from a step not started at all (the plugin's "step N not started").

    `probes` maps each function of the step to a cheap call of it with valid arguments; a function
    counts as written when its probe raises anything but NotImplementedError (or returns). Each probe
    runs at most once, and only when some function of the step is found unwritten.
    """

    def __init__(self, step: int, probes: dict[str, Callable[[], Any]]) -> None:
        self.step = step
        self.probes = probes
        self._written: dict[str, bool] = {}

    def written(self, name: str) -> bool:
        if name not in self._written:
            from mnistkit.learner import LearnerCodeError

            try:
                self.probes[name]()
                self._written[name] = True
            except (NotImplementedError, LearnerCodeError):
                self._written[name] = False  # A stub, or a file that can't load: nothing written yet.
            except KeyboardInterrupt:
                raise
            except BaseException:  # noqa: BLE001  (any other outcome means someone wrote code there)
                self._written[name] = True
        return self._written[name]

    def message(self, name: str, error: BaseException) -> str | None:
        """The 'not started yet' message for `error` raised by `name`, or None when it does not apply."""
        if not isinstance(error, NotImplementedError):
            return None
        written = [other for other in self.probes if other != name and self.written(other)]
        if not written:
            return None  # The whole step is untouched: the plugin says "step N not started".
        return (f"{name}() not started yet: it still raises NotImplementedError, while "
                f"{' and '.join(w + '()' for w in written)} of this step is written; replace {name}()'s "
                f"TODO(step {self.step}) with your code next (the README beside it explains it)")


# --- One failure per mistake (the suites of steps 1, 2, 5 and 6) ---------------------------------


class FirstProblem:
    """Says each mistake once: the first test that meets it fails with its message; a later test
    of the same file that meets the same mistake is skipped ("not checked yet: first fix ...").

    A skip never counts as a pass, and a test run on its own still fails with the full message.
    Make one per test file (`SAID = FirstProblem()`), so that each file keeps its own record.
    """

    def __init__(self) -> None:
        self.reported: dict[str, str] = {}  # problem -> the test that failed on it

    def _skip_if_reported(self, problem: str) -> None:
        if problem in self.reported:
            pytest.skip(f"not checked yet: first fix {problem} (the failure of {self.reported[problem]})")
        # PYTEST_CURRENT_TEST is "path::test_name (call)": the test that meets the problem first.
        current = os.environ.get("PYTEST_CURRENT_TEST", "")
        self.reported[problem] = current.split("::")[-1].split(" ")[0] or "an earlier test"

    def fail(self, problem: str, message: str) -> NoReturn:
        """Fail with `message` the first time `problem` (a short name, such as "the missing `return`") shows."""
        self._skip_if_reported(problem)
        raise Mistake(message)

    def reraise(self, problem: str, error: BaseException) -> NoReturn:
        """Let the learner's own exception through the first time (the plugin shows where it arose).

        NotImplementedError always goes through: every test of an untouched stub says "not started"."""
        if not isinstance(error, NotImplementedError):
            self._skip_if_reported(problem)
        raise error

    @contextmanager
    def once(self) -> Iterator[None]:
        """Fail as usual on a `KeyedMistake` raised inside, unless an earlier test met its problem."""
        try:
            yield
        except KeyedMistake as found:
            self.fail(found.problem, str(found))


def plural(count: int, noun: str) -> str:
    """`1 epoch`, `0 epochs`, `3 epochs`."""
    return f"{count} {noun}" + ("" if count == 1 else "s")
