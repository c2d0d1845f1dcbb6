"""What step 7's suite makes of evaluate_model and predict_labels, and how it says what is wrong.

evaluate_model must return (test_loss, test_accuracy) as model.evaluate gives them on the test
set it is given: `score_pair` reads the two numbers (or says why there aren't two), and the
`check_*` functions compare them with the kit model's own score. predict_labels must return one
integer label per image, the most likely class: `labels_of` reads them (or names the shape
mistake) and `check_most_likely` compares them with the kit model's probabilities.

The model handed to the learner's functions is the kit's trained CNN (`mnistkit.checks.figures.trained`);
`call_with_model` puts it back as it was afterwards.
"""

from __future__ import annotations

import numpy as np

from mnistkit.checks.figures import ModelState
from mnistkit.checks.messages import Mistake, as_array, check, describe_array, type_first

NUM_CLASSES = 10
TEST_IMAGES = 1000  # Test images handed to evaluate_model; the first 1,000 of MNIST's test set.
PREDICT_IMAGES = 500  # Images handed to predict_labels: not 10, so an argmax over the wrong axis shows in the shape.
# The loss is a mean over batches summed in float32; another batch size or a hand-written mean
# changes its last digits (measured: 1.2e-7 apart between batch sizes 32 and 128), so it is
# compared with a relative tolerance far above that and far below any real difference.
LOSS_TOLERANCE = 1e-5
ACCURACY_TOLERANCE = 1e-6  # The accuracy is a count divided by TEST_IMAGES: exact up to rounding.

EVALUATE = "evaluate_model(model, x_test, y_test)"
PREDICT = f"predict_labels(model, <{PREDICT_IMAGES} test images>)"


def call_with_model(function, model, *arguments):
    """`function(model, *arguments)`, putting the model back as it was afterwards; also says whether
    the call changed the model's weights."""
    state = ModelState(model)
    try:
        result = function(model, *[np.array(a, copy=True) for a in arguments])
        return result, state.weights_changed(model)
    finally:
        state.restore(model)


# --- evaluate_model ------------------------------------------------------------------------------


def score_pair(result) -> tuple[float, float]:
    """The two numbers evaluate_model returned, as floats, or a Mistake saying why there aren't two."""
    if result is None:
        raise Mistake(f"{EVALUATE} returned None, expected (test_loss, test_accuracy): "
                      "did you forget the `return` statement?")
    if isinstance(result, dict):
        raise Mistake(f"{EVALUATE} returned a dict with keys {sorted(result)}, expected the pair "
                      "(test_loss, test_accuracy): call model.evaluate without return_dict=True")
    if isinstance(result, (set, frozenset)):
        raise Mistake(f"{EVALUATE} returned a set, expected the pair (test_loss, test_accuracy) in that order: "
                      "a set has no order; return a tuple, or the list model.evaluate gives")
    try:
        items = list(result)
    except TypeError:
        raise Mistake(f"{EVALUATE} returned a single {type(result).__name__}, expected two numbers, "
                      "(test_loss, test_accuracy): model.evaluate gives both, the loss first") from None
    if len(items) != 2:
        raise Mistake(f"{EVALUATE} returned {len(items)} values, expected 2, (test_loss, test_accuracy): "
                      "the model is compiled with one loss and one metric, the accuracy")
    try:
        return float(np.asarray(items[0])), float(np.asarray(items[1]))
    except (TypeError, ValueError):
        raise Mistake(f"{EVALUATE} returned ({type(items[0]).__name__}, {type(items[1]).__name__}), "
                      "expected two numbers, (test_loss, test_accuracy)") from None


def close_parts(got: tuple[float, float], expected: tuple[float, float]) -> tuple[bool, bool]:
    """Whether the loss, and whether the accuracy, match within their tolerances."""
    return (abs(got[0] - expected[0]) <= LOSS_TOLERANCE * abs(expected[0]) + 1e-7,
            abs(got[1] - expected[1]) <= ACCURACY_TOLERANCE)


def close_to(got: tuple[float, float], expected: tuple[float, float]) -> bool:
    """Whether both numbers of a score match within their tolerances."""
    return all(close_parts(got, expected))


def pair(score: tuple[float, float]) -> str:
    """'(0.406068, 0.871)': both numbers of a score written the same way, to 6 significant digits."""
    return f"({score[0]:.6g}, {score[1]:.6g})"


def rounded(got: float, expected: float) -> bool:
    """True when `got` is `expected` rounded to a few decimals (round(loss, 3) gives 0.406)."""
    return any(got == round(got, digits) and abs(got - expected) <= 0.5 * 10**-digits + 1e-9 for digits in range(7))


def score_hint(got: tuple[float, float], expected: tuple[float, float]) -> str:
    """The likely mistake behind a wrong score (a swapped or percentage score has its own test)."""
    near = close_parts(got, expected)
    if not all(near) and all(n or rounded(g, e) for n, g, e in zip(near, got, expected)):
        return "return the unrounded values model.evaluate gives; round only when printing them"
    return ("evaluate the model on the x_test and y_test you are given (all of them, not the training "
            "data) with model.evaluate(x_test, y_test)")


def need_score(prerequisites, evaluation) -> tuple[float, float]:
    """The two numbers evaluate_model returned; skips the test if there aren't two."""
    prerequisites.need("score", lambda: score_pair(evaluation[0]), "what evaluate_model returns",
                       "test_evaluate_model_returns_loss_and_accuracy")
    return score_pair(evaluation[0])


def check_python_floats(result) -> None:
    """Both numbers evaluate_model returned are Python floats (not numpy or TensorFlow numbers)."""
    for name, value in zip(("test_loss", "test_accuracy"), result):
        if not isinstance(value, float):
            kind = f"{type(value).__module__.split('.')[0]}.{type(value).__name__}"
            raise Mistake(f"{EVALUATE} gave a {name} of type {kind}, expected a Python float: "
                          f"convert each number with float(...), e.g. `return float(score[0]), float(score[1])`")


def check_order(got: tuple[float, float], expected: tuple[float, float]) -> None:
    check(not (close_to(got[::-1], expected) and not close_to(got, expected)), EVALUATE,
          f"(test_loss, test_accuracy) = {pair(expected)}", pair(got),
          "loss first, then accuracy: model.evaluate returns them in that order")


def check_fraction(got: tuple[float, float], expected: tuple[float, float]) -> None:
    check(0.0 <= got[1] <= 1.0, EVALUATE, f"an accuracy between 0 and 1 ({expected[1]:.6g})",
          f"an accuracy of {got[1]:.6g}",
          "the accuracy is a fraction between 0 and 1, as model.evaluate gives it; the tutorial multiplies "
          "by 100 only to print a percentage")


def check_unchanged(changed: bool) -> None:
    check(not changed, EVALUATE, "the model's weights left as they were", "changed weights",
          "evaluating only measures the trained model; don't call model.fit here (training is step 6)")


def check_score(got: tuple[float, float], expected: tuple[float, float]) -> None:
    """The score is the one model.evaluate gives on the given test set, to within the tolerances."""
    check(close_to(got, expected), EVALUATE,
          f"(test_loss, test_accuracy) = {pair(expected)}, what model.evaluate(x_test, y_test) gives",
          pair(got), score_hint(got, expected))


# --- predict_labels ------------------------------------------------------------------------------

ARGMAX_HINT = "the label is where the largest probability sits, np.argmax(..., axis=1), not its value"


def labels_of(result, count: int, called: str) -> np.ndarray:
    """predict_labels' result as an array of shape (count,), or a Mistake naming the shape mistake."""
    labels = as_array(result, called)
    if labels.shape == (count,):
        return labels
    if labels.shape == (count, NUM_CLASSES):
        hint = ("these are the class probabilities model.predict gives; the label is the position of the "
                "largest one in each row: np.argmax(probabilities, axis=1)")
    elif labels.shape == (NUM_CLASSES,):
        hint = ("np.argmax over axis 0 picks, for each class, the image most sure of it; "
                "take the argmax over the classes of each image: axis=1")
    elif labels.shape == () and count == 1:
        # Only reached once many images give one label each (see need_labels), so the axis is right.
        hint = "np.squeeze (or .item()) turns the single label of one image into a bare number; keep the shape (1,)"
    elif labels.shape == ():
        hint = "np.argmax without an axis flattens all the probabilities into one number; pass axis=1"
    else:
        hint = "one label per image: np.argmax(model.predict(images), axis=1)"
    raise Mistake(f"{called} gave {describe_array(labels)}, expected shape ({count},), one label per image: {hint}")


def check_most_likely(labels: np.ndarray, probabilities: np.ndarray, called: str) -> None:
    """Each label is the position of its row's largest probability (ties allowed)."""
    count = len(probabilities)
    expected = np.argmax(probabilities, axis=1)
    shown = f"{labels[:5].tolist()}{'...' if count > 5 else ''}"
    if np.array_equal(labels.astype(np.float64), np.round(probabilities.max(axis=1))) and not np.array_equal(labels, expected):
        raise Mistake(f"{called} gave the rounded largest probabilities ({shown}), expected the classes "
                      f"({expected[:5].tolist()}{'...' if count > 5 else ''}): {ARGMAX_HINT}")
    best = probabilities.max(axis=1)
    chosen = probabilities[np.arange(count), np.clip(labels.astype(np.int64), 0, NUM_CLASSES - 1)]
    # A label is right when its probability is the largest, up to float rounding (ties are allowed).
    wrong = np.flatnonzero((labels < 0) | (labels >= NUM_CLASSES) | (chosen < best - 1e-6))
    if wrong.size:
        i = int(wrong[0])
        raise Mistake(f"{called} gave label {labels[i]} for image {i}, expected {expected[i]} (probability "
                      f"{best[i]:.3f}, the largest of its row); {wrong.size} of {count} labels differ: "
                      "take np.argmax(model.predict(images), axis=1)")


def need_labels(prerequisites, predicted, probabilities) -> np.ndarray:
    """The labels for PREDICT_IMAGES images; skips the test if they don't have the right shape."""
    prerequisites.need("shape", lambda: labels_of(predicted, PREDICT_IMAGES, PREDICT), "the shape of the labels",
                       "test_predict_labels_gives_one_label_per_image")
    return labels_of(predicted, PREDICT_IMAGES, PREDICT)


def check_integer_labels(predicted, labels: np.ndarray) -> None:
    """The labels are integers, class numbers; what predict_labels returned is named first if it
    is not a numpy array (`type_first`)."""
    with type_first(predicted, PREDICT):
        check(labels.dtype.kind in "iu", PREDICT, "an integer array of class labels", describe_array(labels),
              "a label is a class number, the position of the largest probability: np.argmax gives integers"
              + (" (rounding a probability gives a float, not a class)" if labels.dtype.kind == "f" else ""))


def check_labels_for(predict_labels, model, images, probabilities, count: int) -> None:
    """predict_labels on the first `count` images gives their most likely classes, `count` labels."""
    called = f"predict_labels(model, <{count} test image{'s' if count > 1 else ''}>)"
    result, _ = call_with_model(predict_labels, model, images[:count])
    with type_first(result, called):
        check_most_likely(labels_of(result, count, called), probabilities[:count], called)
