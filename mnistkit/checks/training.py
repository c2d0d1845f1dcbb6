"""What step 6's train_model() is checked with: how it calls fit() on the kit's recording model.

Training is watched through the recording model (`mnistkit.engine.recording`), a
`keras.Sequential` subclass whose `fit()` writes down each call; the checks here read those calls
and, as the recording model's guard, refuse a wrong call before it trains. Checks of fit()'s
arguments use a tiny model that trains in milliseconds (`quick_model`), the check of what
training achieves the tutorial's CNN (`recording_cnn`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnistkit import facts, reference
from mnistkit.checks.messages import plural
from mnistkit.engine.recording import FitCall, Guard, recording_model, use_guards
from mnistkit.mistakes import KeyedMistake

KERAS_DEFAULT_BATCH_SIZE = 32  # What fit() uses when batch_size is left out.


# ---------------------------------------------------------------------------------------------
# Training: the kit's recording models (mnistkit.engine.recording), and what a fit() call shows
# ---------------------------------------------------------------------------------------------


def quick_model(seed: int = reference.SEED, dry_run: bool = False, guard: Guard | None = None):
    """A tiny compiled classifier (Flatten -> Dense(10, softmax)) that records its fit() calls.

    Checks of fit()'s arguments need a model that trains in milliseconds, not the CNN; it is
    compiled with the tutorial's settings, so its history has the same keys as the CNN's.
    Its starting weights come from an initializer seeded with `seed` (not from Keras's global
    state, which depends on what ran before), so every quick model starts the same and its
    training is remembered once per machine (mnistkit.engine.fitting). A `guard` refuses, before
    training, a fit() call other than the one it was made for.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    dense = layers.Dense(facts.NUM_CLASSES, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
    model = recording_model([keras.Input(shape=facts.INPUT_SHAPE), layers.Flatten(), dense], dry_run=dry_run, guard=guard)
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


# Recording models that come over the channel (into the learner's sandbox) get their guards from here.
use_guards(lambda fields: guard_for(Request(**fields)))
