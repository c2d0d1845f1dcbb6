"""What step 6 looks at: how a learner's train_model() calls fit(), and the Figure plot_history() draws.

Training is watched through the kit's recording model (`mnistkit.engine.recording`), a
`keras.Sequential` subclass whose `fit()` writes down each call; the checks here read those calls
and, as the recording model's guard, refuse a wrong call before it trains.

Figures are read through public matplotlib API only (`fig.axes`, `ax.get_lines()`,
`line.get_xdata()`, `ax.get_legend()`, `ax.get_position()`, ...). A curve is recognised by its
data, not by how it was drawn, so `pandas.DataFrame.plot` (the tutorial's way) and `ax.plot`
both pass, with epochs counted from 0 or from 1.

plot_history() is handed a real `keras.callbacks.History` whose `history` and `epoch` are filled
in by hand (`history_with()`), with the tutorial's own numbers: no training is needed to check a
plot, and the contract lets plot_history read no more than `history.history` (and `history.epoch`).
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, NoReturn

import numpy as np
import pytest

from mnistkit import facts, reference
from mnistkit.checks.messages import Mistake
from mnistkit.engine.recording import FitCall, Guard, recording_model, use_guards
from mnistkit.mistakes import KeyedMistake

KERAS_DEFAULT_BATCH_SIZE = 32  # What fit() uses when batch_size is left out.

# The tutorial's training log (section 3), epoch by epoch, in the key order Keras 3 records.
TUTORIAL_HISTORY = {
    "accuracy": [0.8117, 0.9364, 0.9512, 0.9599, 0.9674, 0.9693, 0.9722, 0.9742, 0.9750, 0.9773],
    "loss": [0.5902, 0.2183, 0.1663, 0.1390, 0.1166, 0.1046, 0.0950, 0.0891, 0.0865, 0.0775],
    "val_accuracy": [0.9700, 0.9808, 0.9860, 0.9875, 0.9888, 0.9902, 0.9892, 0.9895, 0.9907, 0.9905],
    "val_loss": [0.1014, 0.0674, 0.0499, 0.0462, 0.0433, 0.0370, 0.0394, 0.0400, 0.0342, 0.0355],
}
# A shorter, made-up run, to show that a plot follows whatever history it is given.
SHORT_HISTORY = {
    "accuracy": [0.55, 0.71, 0.78, 0.82],
    "loss": [1.31, 0.88, 0.69, 0.58],
    "val_accuracy": [0.74, 0.81, 0.85, 0.86],
    "val_loss": [0.83, 0.61, 0.52, 0.47],
}
LOSS_KEYS = ("loss", "val_loss")
ACCURACY_KEYS = ("accuracy", "val_accuracy")


# ---------------------------------------------------------------------------------------------
# One failure per mistake (used by the suites of steps 1, 2, 5 and 6)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Training: the kit's recording models (mnistkit.engine.recording), and what a fit() call shows
# ---------------------------------------------------------------------------------------------


def quick_model(seed: int = reference.SEED, dry_run: bool = False):
    """A tiny compiled classifier (Flatten -> Dense(10, softmax)) that records its fit() calls.

    Checks of fit()'s arguments need a model that trains in milliseconds, not the CNN; it is
    compiled with the tutorial's settings, so its history has the same keys as the CNN's.
    Its starting weights come from an initializer seeded with `seed` (not from Keras's global
    state, which depends on what ran before), so every quick model starts the same and its
    training is remembered once per machine (mnistkit.engine.fitting).
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    dense = layers.Dense(facts.NUM_CLASSES, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
    model = recording_model([keras.Input(shape=facts.INPUT_SHAPE), layers.Flatten(), dense], dry_run=dry_run)
    reference.compile_model(model)
    model.run_eagerly = True  # A handful of small steps: skipping the graph tracing saves time.
    return model


def recording_cnn(guard: Guard | None = None, seed: int = reference.SEED):
    """The kit's compiled CNN (reference.build_model + compile_model), seeded, recording its fit() calls."""
    import keras

    reference.reset_keras(seed)
    built = reference.build_model()  # Built on its keras.Input, so its weights are drawn here, seeded.
    model = recording_model([keras.Input(shape=facts.INPUT_SHAPE), *built.layers], guard=guard)
    return reference.compile_model(model)


def weights_of(model) -> list[np.ndarray]:
    return [np.array(w, copy=True) for w in model.get_weights()]


def same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def split_sizes(count: int, validation_split: float) -> tuple[int, int]:
    """(training, validation) image counts, as Keras 3 splits them: the validation part is the end."""
    train = int(math.floor(count * (1.0 - validation_split))) if validation_split else count
    return train, count - train


def images_trained_on(call: FitCall) -> int | None:
    """How many images this fit() call trained on, from its own x and split (None if x has no length)."""
    try:
        count = len(call.arguments["x"])
    except TypeError:
        return None
    if call.validation_data is not None:
        return count  # Keras ignores validation_split when validation_data is given.
    return split_sizes(count, call.validation_split)[0]


# The problems a fit() call can have, as FirstProblem names them ("not checked yet: first fix ...").
CALLS, DATA, EPOCHS = "the calls of model.fit()", "the images and labels given to fit()", "the epochs"
BATCH_SIZE, VALIDATION_SPLIT = "the batch size", "the validation split"


@dataclass(frozen=True)
class Request:
    """What the test asked train_model for, and how to name that call in a message."""

    x: np.ndarray
    y: np.ndarray
    batch_size: int
    epochs: int
    validation_split: float
    defaults: bool = False  # Called as train_model(model, x_train, y_train), leaving the defaults.

    @property
    def called(self) -> str:
        images = f"<{len(self.x):,} images>"
        if self.defaults:
            return f"train_model(model, {images}, <{len(self.y):,} labels>)"
        return (f"train_model(model, {images}, <{len(self.y):,} labels>, batch_size={self.batch_size}, "
                f"epochs={self.epochs}, validation_split={self.validation_split})")

    def setting(self, name: str) -> str:
        """How the expected value of an argument is described: 'epochs=2' or 'the default epochs=10'."""
        value = getattr(self, name)
        return f"the default {name}={value}" if self.defaults else f"{name}={value}"


def the_fit_call(model, request: Request, weights_before: list[np.ndarray] | None = None) -> FitCall:
    """The one fit() call train_model made on `model`, or a Mistake saying there were none or several."""
    calls = model.fit_log.calls
    if not calls:
        changed = weights_before is not None and not same_weights(weights_before, weights_of(model))
        if changed:
            raise KeyedMistake(CALLS, (
                f"{request.called} changed the model's weights without calling model.fit(), "
                "expected one call of model.fit(...): train with fit, as the tutorial does, and return its History"))
        raise KeyedMistake(CALLS, (
            f"{request.called} never called fit() on the model it was given (its weights did not change), "
            "expected one call of model.fit(...): train the `model` argument itself; don't build or "
            "copy a new model inside train_model"))
    if len(calls) > 1:
        epochs = sum(call.epochs for call in calls)
        hint = "every call trains the model further, so fit once and return that History"
        if all(call.epochs == 1 for call in calls):  # A loop over the epochs, one fit() each.
            hint = (f"one fit() per epoch leaves a History of the last epoch only; fit once with "
                    f"epochs={request.epochs} and return that History")
        raise KeyedMistake(CALLS, (
            f"{request.called} called model.fit() {len(calls)} times ({plural(epochs, 'epoch')} in all), expected "
            f"exactly one call: {hint}"))
    return calls[0]


def check_data(call: FitCall, request: Request) -> None:
    """fit() got the very images and labels train_model was given (values compared, not identity)."""
    for argument, given, what in (("x", request.x, "images"), ("y", request.y, "labels")):
        passed = call.arguments[argument]
        if passed is None:
            raise KeyedMistake(DATA, (
                f"{request.called} called model.fit() without {argument}, expected the {what} "
                f"train_model received: model.fit(x_train, y_train, ...)"))
        try:
            array = np.asarray(passed)
        except Exception:  # noqa: BLE001  (a generator, a Dataset, ...: anything that isn't the arrays)
            array = None
        if array is None or array.dtype == object:
            raise KeyedMistake(DATA, (
                f"{request.called} passed a {type(passed).__name__} to model.fit() as {argument}, "
                f"expected the {what} array train_model received: model.fit(x_train, y_train, ...)"))
        if array.shape != given.shape:
            if array.shape[:1] != given.shape[:1]:
                hint = ("train on all of them; validation_split holds out the validation part by itself"
                        if array.ndim and array.shape[0] < given.shape[0] else f"pass the {what} unchanged")
                raise KeyedMistake(DATA, (
                    f"{request.called} trained on {array.shape[0] if array.ndim else 0:,} {what}, "
                    f"expected all {len(given):,} {what} it was given: {hint}"))
            hint = ("the labels are the integers 0..9 as given; sparse categorical cross-entropy needs no one-hot labels"
                    if argument == "y" else "the images arrive prepared (scaled, with a channel axis); pass them unchanged")
            raise KeyedMistake(DATA, (
                f"{request.called} gave model.fit() {what} of shape {array.shape}, expected the {what} "
                f"it was given, of shape {given.shape}: {hint}"))
        # Of one dtype, compared as they are; else as float64 (exact for both: float32 images, int labels).
        same = (np.array_equal(array, given) if array.dtype == given.dtype
                else np.array_equal(array.astype(np.float64), given.astype(np.float64)))
        if not same:
            hint = ("the images arrive already scaled to [0, 1] with a channel axis (steps 1 and 2): pass "
                    "x_train to fit unchanged, without scaling it again"
                    if argument == "x" else "pass y_train to fit unchanged")
            raise KeyedMistake(DATA, (
                f"{request.called} gave model.fit() {what} with other values than the ones it was given, "
                f"expected the same {what}: {hint}"))


def check_batch_size(call: FitCall, request: Request) -> None:
    wanted = request.batch_size
    if call.batch_size is None and call.arguments["steps_per_epoch"] is None:
        raise KeyedMistake(BATCH_SIZE, (
            f"{request.called} called model.fit() without batch_size (Keras then uses "
            f"{KERAS_DEFAULT_BATCH_SIZE}), expected {request.setting('batch_size')}: pass it on, "
            "model.fit(..., batch_size=batch_size, ...)"))
    if call.batch_size != wanted:
        fixed = (f"instead of a fixed {call.batch_size}" if call.batch_size == facts.BATCH_SIZE
                 else "unchanged")
        raise KeyedMistake(BATCH_SIZE, (
            f"{request.called} called model.fit() with batch_size={call.batch_size}, expected "
            f"{request.setting('batch_size')}: pass the batch_size argument on to fit {fixed}"))


def check_epochs(call: FitCall, request: Request) -> None:
    wanted = request.epochs
    if call.epochs != wanted:
        epochs, initial = call.arguments["epochs"], call.arguments["initial_epoch"]
        if initial:
            # fit(epochs=E, initial_epoch=I) trains epochs I..E-1: E - I of them, not E.
            raise KeyedMistake(EPOCHS, (
                f"{request.called} called model.fit() with epochs={epochs} and initial_epoch={initial}, so it "
                f"trained {plural(call.epochs, 'epoch')}, expected {plural(wanted, 'epoch')} "
                f"({request.setting('epochs')}): leave initial_epoch out; fit() trains from epoch initial_epoch up "
                "to epoch `epochs`, so only epochs - initial_epoch of them"))
        if epochs == 1 and wanted != 1:
            how = "called model.fit() with epochs=1 (or without epochs, so Keras trains 1 epoch)"
        else:
            how = f"called model.fit() for {plural(call.epochs, 'epoch')}"
        fixed = f"instead of a fixed {facts.EPOCHS}" if call.epochs == facts.EPOCHS else "unchanged"
        raise KeyedMistake(EPOCHS, (
            f"{request.called} {how}, expected {request.setting('epochs')}: pass the epochs "
            f"argument on to fit {fixed}"))


def check_validation_split(call: FitCall, request: Request) -> None:
    wanted = request.validation_split
    if call.validation_data is not None:
        raise KeyedMistake(VALIDATION_SPLIT, (
            f"{request.called} called model.fit() with validation_data, expected "
            f"{request.setting('validation_split')} and no validation_data: let Keras hold out the "
            "last part of x_train itself, model.fit(..., validation_split=validation_split)"))
    if not math.isclose(call.validation_split, wanted, abs_tol=1e-12):
        if call.validation_split == 0:
            how = "called model.fit() without validation_split, so nothing is held out and history has no val_loss"
        else:
            how = f"called model.fit() with validation_split={call.validation_split}"
        fixed = (f"instead of a fixed {facts.VALIDATION_SPLIT}"
                 if math.isclose(call.validation_split, facts.VALIDATION_SPLIT) else "unchanged")
        raise KeyedMistake(VALIDATION_SPLIT, (
            f"{request.called} {how}, expected {request.setting('validation_split')}: pass the "
            f"validation_split argument on to fit {fixed}"))


def check_arguments(call: FitCall, request: Request) -> None:
    """Every check of one fit() call against what was asked, coarse to fine."""
    check_data(call, request)
    check_epochs(call, request)
    check_batch_size(call, request)
    check_validation_split(call, request)


def guard_for(request: Request) -> Guard:
    """A guard that refuses, before training, a fit() call that isn't the one `request` asks for."""

    def guard(call: FitCall, earlier_calls: int) -> None:
        if earlier_calls:
            raise KeyedMistake(CALLS, (
                f"{request.called} called model.fit() a second time, expected exactly one call: "
                "every call trains the model further, so fit once and return that History"))
        check_arguments(call, request)

    guard.request = request  # type: ignore[attr-defined]  # So that the guard can be rebuilt in the learner's sandbox.
    return guard


def describe_result(result: Any) -> str:
    """How a message names what train_model returned."""
    if result is None:
        return "None"
    if isinstance(result, dict):
        return f"a dict with keys {sorted(result)}"
    if isinstance(result, (tuple, list)):
        return f"a {type(result).__name__} of {len(result)} items ({', '.join(type(r).__name__ for r in result)})"
    return f"a {type(result).__name__}"


# ---------------------------------------------------------------------------------------------
# Plotting: the tutorial's Figure 1, read back
# ---------------------------------------------------------------------------------------------


def history_with(values: dict[str, list[float]]):
    """A keras.callbacks.History holding `values`, as if fit() had recorded them."""
    import keras

    history = keras.callbacks.History()
    history.history = {key: list(series) for key, series in values.items()}
    epochs = len(next(iter(values.values())))
    history.epoch = list(range(epochs))
    history.params = {"verbose": 1, "epochs": epochs, "steps": 422}
    return history


@dataclass(frozen=True)
class Curve:
    """A line of the figure that shows one history key."""

    key: str
    panel: int  # Index into the list of panels (axes that hold lines).
    line: Any


def panels_of(figure) -> list:
    """The axes of `figure` that hold at least one line, in the order the figure keeps them."""
    return [ax for ax in figure.axes if ax.get_lines()]


def _values(data) -> np.ndarray | None:
    try:
        return np.asarray(data, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None


def says_percent(ax) -> bool:
    """True when the panel's y-label or title says its values are percentages ('Accuracy [%]')."""
    text = panel_text(ax)
    return "%" in text or "percent" in text


def find_curve(panels: list, key: str, values: list[float], scale: float = 1.0, percent: bool | None = None) -> Curve | None:
    """The line whose y-values are `values` (the history of `key`) times `scale`, or None.

    `percent=True` looks only in panels that say they show percentages, `False` only in the others."""
    wanted = np.asarray(values, dtype=np.float64) * scale
    for index, ax in enumerate(panels):
        if percent is not None and says_percent(ax) != percent:
            continue
        for line in ax.get_lines():
            ys = _values(line.get_ydata())
            if ys is not None and ys.shape == wanted.shape and np.allclose(ys, wanted, rtol=1e-6, atol=1e-9):
                return Curve(key, index, line)
    return None


def labelled_line(figure, panels: list, key: str):
    """The line whose legend entry (or own label) is exactly `key`, whatever it shows; or None."""
    for ax in panels:
        for line in ax.get_lines():
            label = legend_label(figure, ax, line) or line.get_label()
            if label.strip().lower() == key:
                return line
    return None


def shown_key(line, history: dict[str, list[float]]) -> str | None:
    """The history key whose values `line` draws, or None."""
    ys = _values(line.get_ydata())
    for key, values in history.items():
        wanted = np.asarray(values, dtype=np.float64)
        if ys is not None and ys.shape == wanted.shape and np.allclose(ys, wanted, rtol=1e-6, atol=1e-9):
            return key
    return None


def x_is_epochs(line, epochs: int) -> bool:
    """True when the line's x-values count the epochs, from 0 (pandas, plain ax.plot) or from 1."""
    xs = _values(line.get_xdata())
    if xs is None or xs.shape != (epochs,):
        return False
    return bool(np.allclose(xs, np.arange(epochs)) or np.allclose(xs, np.arange(1, epochs + 1)))


def legend_label(figure, ax, line) -> str | None:
    """The legend text shown for `line`, or None when no legend names it.

    A legend entry is matched to the line by its look (colour, line style, marker), which works
    whether the labels came from the lines themselves (`label=`, pandas) or from `ax.legend([...])`.
    """
    legends = [legend for legend in [ax.get_legend(), *figure.legends] if legend is not None]
    look = (str(line.get_color()), line.get_linestyle(), str(line.get_marker()))
    for legend in legends:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if handle is None or not hasattr(handle, "get_color"):
                continue
            handle_look = (str(handle.get_color()), handle.get_linestyle(), str(handle.get_marker()))
            if handle_look == look:
                return text.get_text()
    # Same-looking lines can't be told apart by look: fall back to the line's own label, if shown.
    label = line.get_label()
    shown = {text.get_text() for legend in legends for text in legend.get_texts()}
    return label if label in shown else None


def names_key(label: str, key: str) -> bool:
    """A legend text names a history key: the key itself, or any text that says 'val' exactly for validation."""
    text = label.strip().lower()
    if not text:
        return False
    if text == key:
        return True
    return ("val" in text) == key.startswith("val_")


def panel_text(ax) -> str:
    """The panel's title and y-axis label, lower-cased, for checking that they name the metric."""
    return f"{ax.get_title()} {ax.get_ylabel()}".lower()


def comes_first(first, second) -> bool:
    """True when panel `first` comes before `second` in reading order: left of it, or above it."""
    a, b = first.get_position(), second.get_position()
    side_by_side = min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5 * min(a.height, b.height)
    if side_by_side:
        return a.x0 < b.x0
    return a.y0 > b.y0


# Recording models that come over the channel (into the learner's sandbox) get their guards from here.
use_guards(lambda fields: guard_for(Request(**fields)))
