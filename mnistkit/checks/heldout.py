"""Held-out checks: in a grade that counts, each step's functions are called again on inputs drawn
for that grade, and their answers compared with the kit's reference (mnistkit/reference.py,
mnistkit/kitmodel.py), computed here in the judge.

The visible suites call the learner's functions on fixed inputs, so a function could pass them by
returning, for exactly those inputs, what the checks expect. The held-out inputs come from a seed
the grader chooses for each grade (`--mnistkit-seed`), which is written into the step's result so
that the grade can be reproduced; a learner never sees them. A function that answers otherwise
fails with a message naming the function and the kind of difference (its shape, dtype or values),
never the inputs nor the seed.

They run only once every visible test of the step has passed (`first_problem`): a mistake the
suite already names is never reported again as a held-out failure.

This module holds what every step shares and the checks of steps 1 to 5; step 6's are in
`heldout_training`, steps 7 and 8's in `heldout_evaluation`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

import numpy as np

from mnistkit import facts, reference
from mnistkit.checks.messages import Mistake, ulp_close
from mnistkit.checks.models import not_checked_yet

# Learner's functions by name, as `step_function` gives them: `function_of("scale_pixels")`.
FunctionOf = Callable[[str], Callable[..., Any]]

SHAPE, DTYPE, VALUES = "the shape of its answer", "the dtype of its answer", "the values of its answer"


def differs(name: str, kind: str, hint: str = "") -> Mistake:
    """The held-out failure: `name`() answered otherwise than the reference on other inputs, in `kind`."""
    return Mistake(
        f"{name}() gave a different answer on other inputs than the visible checks use (held out by this grade): "
        f"it differs from the kit's reference in {kind}. " + (f"{hint}. " if hint else "")
        + "Compute the answer from the arguments: an answer that fits only the checks' own inputs does not make the step done")


def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`function(*args, **kwargs)`; an exception of the learner's code becomes a held-out failure
    that says where it arose but not its message (which might describe the inputs). A KeyedMistake
    (step 6's guard refusing a fit() call) goes through, for the check to name its problem alone."""
    from mnistkit.learner import LearnerCodeError
    from mnistkit.mistakes import KeyedMistake

    try:
        return function(*args, **kwargs)
    except (NotImplementedError, LearnerCodeError, KeyedMistake):
        raise
    except Mistake:  # What came back can't be read (its message may quote it): said without it.
        raise differs(function.__name__, "what it returns") from None
    except Exception as error:  # noqa: BLE001  (the learner's code failed on inputs it was not shown)
        where = getattr(error, "where", None)
        raise Mistake(f"{function.__name__}() raised {type(error).__name__} on other inputs than the visible checks use "
                      f"(held out by this grade)" + (f", at {where}" if where else "")
                      + ": it must work for every input its contract allows") from None


def same_array(name: str, got: Any, expected: np.ndarray, exact: bool = True, hint: str = "",
               dtype: bool = True) -> np.ndarray:
    """`got` as an array equal to `expected` (to a few float32 ulps unless `exact`; of its dtype too
    if `dtype`, where the visible suite asks for it), else `differs`."""
    try:
        array = np.asarray(got)
    except Exception:  # noqa: BLE001
        raise differs(name, "the type of its answer") from None
    if array.shape != expected.shape:
        raise differs(name, SHAPE, hint)
    if dtype and array.dtype != expected.dtype:
        raise differs(name, DTYPE, hint)
    same = np.array_equal(array, expected) if exact else ulp_close(array, expected)
    if not same:
        raise differs(name, VALUES, hint)
    return array


def first_problem(visible: list[tuple[str, str | None]]) -> None:
    """Skip ("not checked yet") unless every visible test of the step passed: (name, status) of each."""
    problems = [name for name, status in visible if status != "pass"]
    if problems:
        failed = [name for name, status in visible if status not in ("pass", "skip")]
        not_checked_yet(f"first fix {(failed or problems)[0]} (see the failure above); the held-out inputs come after "
                        "every visible check passes")


def rng_for(seed: int, step: int) -> np.random.Generator:
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, step])


def other_than(draw: Callable[[], Any], seen: tuple) -> Any:
    """`draw()` again until it gives something the visible suites never use."""
    while True:
        value = draw()
        if value not in seen:
            return value


# --- Steps 1 and 2: numpy only ---------------------------------------------------------------


def scaling(function_of: FunctionOf, rng: np.random.Generator) -> None:
    """scale_pixels on uint8 images of another count and size."""
    shape = other_than(lambda: (int(rng.integers(2, 40)), int(rng.integers(4, 33)), int(rng.integers(4, 33))),
                       ((100, 28, 28), (2, 3, 8, 8)))
    images = rng.integers(0, 256, size=shape, dtype=np.uint8)
    got = call(function_of("scale_pixels"), images.copy())
    same_array("scale_pixels", got, reference.scale(images), exact=False)


def channels(function_of: FunctionOf, rng: np.random.Generator) -> None:
    """add_channel_axis on images of another count and size, uint8 or float32."""
    shape = other_than(lambda: (int(rng.integers(2, 40)), int(rng.integers(4, 33)), int(rng.integers(4, 33))),
                       ((100, 28, 28), (10, 28, 28), (7, 28, 28), (1, 28, 28), (4, 5, 7), (3, 9, 9)))
    images = rng.integers(0, 256, size=shape, dtype=np.uint8)
    if rng.random() < 0.5:
        images = reference.scale(images)
    got = call(function_of("add_channel_axis"), images.copy())
    same_array("add_channel_axis", got, reference.with_channel(images))


# --- Steps 3 and 4: the model follows its arguments --------------------------------------------

VISIBLE_ARGUMENTS = (((28, 28, 1), 10), ((32, 32, 3), 10), ((28, 28, 1), 5), ((32, 32, 3), 5))


def model_arguments(rng: np.random.Generator) -> tuple[tuple[int, int, int], int]:
    """An input shape (images of 16 to 40 pixels a side, 1 to 4 channels) and a number of classes."""
    return other_than(lambda: ((int(rng.integers(16, 41)), int(rng.integers(16, 41)), int(rng.integers(1, 5))),
                               int(rng.integers(2, 21))), VISIBLE_ARGUMENTS)


def builds_model(name: str, layered: bool) -> Callable[[FunctionOf, np.random.Generator], None]:
    def check(function_of: FunctionOf, rng: np.random.Generator) -> None:
        input_shape, num_classes = model_arguments(rng)
        build = function_of(name)
        build = build.fresh() if hasattr(build, "fresh") else build
        model = call(build, input_shape=input_shape, num_classes=num_classes)
        expected = reference.build_model(input_shape, num_classes, layered=layered)
        for kind, read in (("the input shape of its model", lambda m: tuple(m.input_shape)),
                           ("the output shape of its model", lambda m: tuple(m.output_shape)),
                           ("the number of parameters of its model", lambda m: m.count_params())):
            try:
                same = read(model) == read(expected)
            except Exception:  # noqa: BLE001  (no input shape, not built: not the reference's model)
                same = False
            if not same:
                raise differs(name, kind, "The model's input and its output layer must follow input_shape and "
                                          "num_classes, whatever their values")
    return check


# --- Step 5: another, small model to compile ----------------------------------------------------


def compiles(function_of: FunctionOf, rng: np.random.Generator) -> None:
    """compile_model on a small classifier of another input size and number of classes."""
    import keras

    from mnistkit.checks import compiling

    size, classes = (int(rng.integers(4, 13)), int(rng.integers(4, 13))), int(rng.integers(2, 16))
    given = keras.Sequential([keras.Input(shape=(*size, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(classes, activation="softmax")])
    returned = call(function_of("compile_model"), given)
    if returned is not given:
        raise differs("compile_model", "what it returns (not the model it was given)")
    if not compiling.is_compiled(given):
        raise differs("compile_model", "the model it leaves (uncompiled)")
    if type(given.optimizer) is not keras.optimizers.Adam or compiling.adam_differences(given.optimizer):
        raise differs("compile_model", "the optimizer")
    labels = rng.integers(0, classes, size=12)
    probabilities = rng.dirichlet(np.ones(classes), size=12).astype(np.float32)
    try:
        loss = float(given.compute_loss(y=labels, y_pred=probabilities))
        metrics = {key: float(value) for key, value in given.compute_metrics(None, labels, probabilities, None).items()}
    except Exception:  # noqa: BLE001  (a loss or metric that can't take these labels)
        raise differs("compile_model", "the loss and metrics") from None
    expected = compiling.sparse_crossentropy(labels, probabilities)
    if abs(loss - expected) > 1e-4 * expected:
        raise differs("compile_model", "the loss")
    share = float(np.mean(np.argmax(probabilities, axis=1) == labels))
    if set(metrics) != set(facts.HISTORY_KEYS[:2]) or abs(metrics["accuracy"] - share) > 1e-6:
        raise differs("compile_model", "the metrics")


# --- Every step ---------------------------------------------------------------------------------

# step -> the module and function that check it (steps 6 to 8 need modules of their own).
CHECKS = {
    1: (__name__, "scaling"), 2: (__name__, "channels"), 3: (__name__, "sequential_model"),
    4: (__name__, "layered_model"), 5: (__name__, "compiles"),
    6: ("mnistkit.checks.heldout_training", "training"), 7: ("mnistkit.checks.heldout_evaluation", "evaluation"),
    8: ("mnistkit.checks.heldout_evaluation", "kernels"),
}
sequential_model = builds_model("build_sequential_model", layered=False)
layered_model = builds_model("build_layered_model", layered=True)


def check_held_out(step: int, function_of: FunctionOf, seed: int) -> None:
    """Every held-out check of `step`, on inputs drawn from `seed`; a `Mistake` at the first difference."""
    module, name = CHECKS[step]
    getattr(import_module(module), name)(function_of, rng_for(seed, step))
