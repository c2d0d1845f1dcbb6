"""The kit's recording model: a `keras.Sequential` subclass whose `fit()` writes down each call's
arguments (bound to the signature of `keras.Model.fit`, so positional and keyword calls read the
same) and the History it returned, then lets `keras.Sequential.fit` do the real work.

Step 6 hands one to the learner's train_model() and reads what it recorded
(`mnistkit.checks.training`). It lives in the engine because it travels: the codec
(`mnistkit.engine.kerascodec`) rebuilds it in the learner's sandbox, and the plain first fit() it
makes is trained once per machine, or by the judge (`mnistkit.engine.fitting`).

A `guard` can refuse a call before any training happens, which keeps a slow check from spending
seconds on a call already known to be wrong. The guards are the checks' own: the engine knows
only that a guard is rebuilt from the request it carries, by the factory the checks hand to
`use_guards()` when they are imported (in the judge, and in a sandbox started with
`--import mnistkit.checks.training`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Callable

@dataclass
class FitCall:
    """One call of `fit()`: every argument by name (Keras's defaults filled in), and its result."""

    arguments: dict[str, Any]
    history: Any = None

    @property
    def batch_size(self) -> int | None:
        return self.arguments["batch_size"]

    @property
    def epochs(self) -> int:
        return self.arguments["epochs"] - self.arguments["initial_epoch"]

    @property
    def validation_split(self) -> float:
        return self.arguments["validation_split"]

    @property
    def validation_data(self) -> Any:
        return self.arguments["validation_data"]


@dataclass
class FitLog:
    """The calls of fit() on one recording model, in order. (A plain object, so Keras doesn't track it.)"""

    calls: list[FitCall] = field(default_factory=list)


Guard = Callable[[FitCall, int], None]  # (the call, how many calls came before it) -> raise to refuse.


class DryRun(BaseException):
    """Raised by a dry-run model's fit() after recording the call, so that nothing is trained.

    A BaseException, like KeyboardInterrupt, so that a learner's `except Exception:` lets it through.
    """


@cache
def _recording_class():
    """The keras.Sequential subclass, defined on first use so that importing this module stays cheap."""
    import keras

    signature = inspect.signature(keras.Model.fit)

    class RecordingSequential(keras.Sequential):
        """A keras.Sequential that writes down each call of fit() in `self.fit_log`.

        `guard` may refuse a call (by raising) before it trains; `dry_run` records the first call
        and then stops train_model with DryRun, for checks that only need fit()'s arguments.
        """

        def __init__(self, layers=None, guard: Guard | None = None, dry_run: bool = False, **kwargs):
            super().__init__(layers=layers, **kwargs)
            self.fit_log = FitLog()
            self.fit_guard = guard
            self.fit_dry_run = dry_run

        def fit(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            del arguments["self"]
            call = FitCall(arguments)
            if self.fit_guard is not None:
                self.fit_guard(call, len(self.fit_log.calls))
            self.fit_log.calls.append(call)
            if self.fit_dry_run:
                raise DryRun()
            from mnistkit.engine import fitting

            settings = fitting.plain_settings(self, arguments) if len(self.fit_log.calls) == 1 else None
            # A plain first fit() is trained once per machine, and by the judge in a grade (mnistkit.engine.fitting).
            call.history = fitting.fit_plainly(self, arguments, settings) if settings is not None else None
            if call.history is None:
                call.history = super().fit(*args, **kwargs)
            return call.history

    return RecordingSequential


def recording_model(layers: list, guard: Guard | None = None, dry_run: bool = False):
    """A keras.Sequential (a subclass of it) of `layers` that records every fit() call."""
    return _recording_class()(layers, guard=guard, dry_run=dry_run)


GuardFactory = Callable[[dict], Guard]  # A request's fields (as the guard carried them) -> its guard.
_guard_factory: list[GuardFactory] = []


def use_guards(factory: GuardFactory) -> None:
    """Rebuild the guards of recording models that arrive over the channel with `factory`."""
    _guard_factory[:] = [factory]


def guard_from(request_fields: dict) -> Guard | None:
    """The guard for a request that came over the channel; None where no checks gave a factory."""
    return _guard_factory[0](request_fields) if _guard_factory else None
