"""Checks for step 7: evaluate_model, predict_labels, confusion_matrix and plot_confusion_matrix.

Run with `pytest exercises/step7` (or `--solutions` to check the reference solution).

The model your functions are given is the kit's own tutorial CNN, trained by the kit for one
seeded epoch on 3,000 training images (its weights ship with the kit: mnistkit/kitmodel.py),
never the model of your steps 3 to 6, so that this step is judged on its own. Every expected value
is recomputed here from that model with Keras and numpy.
"""

from contextlib import contextmanager

import numpy as np
import pytest

from mnistkit.checks.messages import Mistake, as_array, check, describe_array, type_first
from mnistkit.checks.figures import (
    ModelState,
    Prerequisites,
    annotation_grid,
    as_figure,
    figure_titles,
    picture_array,
    pictures,
    read_count,
    trained,
)

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
PLOT = "plot_confusion_matrix(matrix)"


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that none piles up in memory."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def kit():
    """The kit's trained and compiled CNN, with its predictions and score on the test images,
    computed once per session."""
    return trained()


@pytest.fixture(scope="session")
def model(kit):
    return kit.model


@pytest.fixture(scope="session")
def test_set(kit):
    """The first 1,000 test images, prepared as the network expects, and their uint8 labels."""
    return kit.x_test, kit.y_test


def call_with_model(function, model, *arguments):
    """`function(model, *arguments)`, putting the model back as it was afterwards; also says whether
    the call changed the model's weights."""
    state = ModelState(model)
    try:
        result = function(model, *[np.array(a, copy=True) for a in arguments])
        return result, state.weights_changed(model)
    finally:
        state.restore(model)


@pytest.fixture(scope="module")
def prerequisites():
    """Checks later tests build on: a test whose premise failed is skipped, not failed again."""
    return Prerequisites()


# --- evaluate_model ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kit_score(kit):
    """(loss, accuracy) as the kit's own model.evaluate computes them on the same arrays."""
    return kit.loss, kit.accuracy


@pytest.fixture(scope="module")
def evaluation(step_function, model, test_set):
    """What evaluate_model returned, and whether it changed the model's weights."""
    return call_with_model(step_function("evaluate_model"), model, *test_set)


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


def test_evaluate_model_returns_loss_and_accuracy(evaluation, prerequisites):
    # Any sequence of two numbers: a tuple, or the list [loss, accuracy] model.evaluate returns.
    prerequisites.own("score", lambda: score_pair(evaluation[0]))


def test_loss_and_accuracy_are_python_floats(evaluation, prerequisites):
    need_score(prerequisites, evaluation)
    for name, value in zip(("test_loss", "test_accuracy"), evaluation[0]):
        if not isinstance(value, float):
            kind = f"{type(value).__module__.split('.')[0]}.{type(value).__name__}"
            raise Mistake(f"{EVALUATE} gave a {name} of type {kind}, expected a Python float: "
                          f"convert each number with float(...), e.g. `return float(score[0]), float(score[1])`")


def test_loss_comes_first_then_accuracy(evaluation, kit_score, prerequisites):
    got = need_score(prerequisites, evaluation)
    prerequisites.own("order", lambda: check_order(got, kit_score))


def test_accuracy_is_a_fraction_between_zero_and_one(evaluation, kit_score, prerequisites):
    got = need_score(prerequisites, evaluation)
    prerequisites.need("order", lambda: check_order(got, kit_score), "the order of loss and accuracy",
                       "test_loss_comes_first_then_accuracy")
    prerequisites.own("fraction", lambda: check_fraction(got, kit_score))


def test_evaluating_leaves_the_model_unchanged(evaluation, prerequisites):
    prerequisites.own("unchanged", lambda: check_unchanged(evaluation[1]))


def test_score_is_model_evaluate_on_the_given_test_set(evaluation, kit_score, prerequisites):
    got = need_score(prerequisites, evaluation)
    prerequisites.need("order", lambda: check_order(got, kit_score), "the order of loss and accuracy",
                       "test_loss_comes_first_then_accuracy")
    prerequisites.need("fraction", lambda: check_fraction(got, kit_score), "the accuracy's scale",
                       "test_accuracy_is_a_fraction_between_zero_and_one")
    prerequisites.need("unchanged", lambda: check_unchanged(evaluation[1]), "evaluate_model training the model",
                       "test_evaluating_leaves_the_model_unchanged")
    check(close_to(got, kit_score), EVALUATE,
          f"(test_loss, test_accuracy) = {pair(kit_score)}, what model.evaluate(x_test, y_test) gives",
          pair(got), score_hint(got, kit_score))


# --- predict_labels ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def images(test_set):
    return test_set[0][:PREDICT_IMAGES]


@pytest.fixture(scope="session")
def probabilities(kit):
    """The kit model's class probabilities for the images, shape (PREDICT_IMAGES, 10)."""
    return kit.probabilities[:PREDICT_IMAGES]


@pytest.fixture(scope="module")
def predict_labels(step_function):
    return step_function("predict_labels")


@pytest.fixture(scope="module")
def predicted(predict_labels, model, images):
    result, _ = call_with_model(predict_labels, model, images)
    return result


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


# A Tensor or list that numpy turns into the right labels passes; when it is wrong, `type_first`
# names its type before the advice, since the type may be what explains a dtype or shape.


def test_predict_labels_gives_one_label_per_image(predicted, prerequisites):
    with type_first(predicted, PREDICT):
        prerequisites.own("shape", lambda: labels_of(predicted, PREDICT_IMAGES, PREDICT))


def test_predicted_labels_are_integers(predicted, probabilities, prerequisites):
    labels = need_labels(prerequisites, predicted, probabilities)
    with type_first(predicted, PREDICT):
        check(labels.dtype.kind in "iu", PREDICT, "an integer array of class labels", describe_array(labels),
              "a label is a class number, the position of the largest probability: np.argmax gives integers"
              + (" (rounding a probability gives a float, not a class)" if labels.dtype.kind == "f" else ""))


def test_each_label_is_the_most_likely_class(predicted, probabilities, prerequisites):
    labels = need_labels(prerequisites, predicted, probabilities)
    with type_first(predicted, PREDICT):
        prerequisites.own("labels", lambda: check_most_likely(labels, probabilities, PREDICT))


@pytest.mark.parametrize("count", [7, 1])
def test_predict_labels_works_for_any_number_of_images(predict_labels, model, predicted, images, probabilities,
                                                       prerequisites, count):
    labels = need_labels(prerequisites, predicted, probabilities)
    prerequisites.need("labels", lambda: check_most_likely(labels, probabilities, PREDICT),
                       f"the labels for {PREDICT_IMAGES} images", "test_each_label_is_the_most_likely_class")
    called = f"predict_labels(model, <{count} test image{'s' if count > 1 else ''}>)"
    result, _ = call_with_model(predict_labels, model, images[:count])
    with type_first(result, called):
        check_most_likely(labels_of(result, count, called), probabilities[:count], called)


# --- confusion_matrix ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def confusion_matrix(step_function):
    return step_function("confusion_matrix")


def counts(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """The kit's confusion matrix: entry [i, j] counts true label i predicted as j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, dtype=np.int64), np.asarray(predictions, dtype=np.int64)), 1)
    return matrix


@contextmanager
def matrix_from(confusion_matrix, labels, predictions, called: str, **num_classes):
    """`with matrix_from(...) as matrix:` the learner's matrix as an array. A Tensor or list that numpy
    turns into the right matrix passes; a Mistake raised inside names its type first."""
    result = confusion_matrix(labels.copy(), predictions.copy(), **num_classes)
    with type_first(result, called):
        yield as_array(result, called)


TRANSPOSED_HINT = ("your matrix is transposed; row i must hold the images whose TRUE label is i, column j those "
                   "predicted as j (the true labels go first: tf.math.confusion_matrix(labels, predictions))")


def size_hint(shape: tuple[int, ...], num_classes: int, largest_label: int) -> str:
    """Why a confusion matrix has the wrong size."""
    seen = largest_label + 1
    if shape == (seen, seen):
        return ("tf.math.confusion_matrix sizes the matrix from the largest label it sees "
                f"({largest_label} here, so {seen}x{seen}) unless you pass it num_classes=num_classes")
    if shape == (NUM_CLASSES, NUM_CLASSES):
        return "use the num_classes argument instead of a fixed 10"
    return "num_classes rows and columns, one per class"


def check_size(matrix: np.ndarray, labels: np.ndarray, predictions: np.ndarray, num_classes: int, called: str) -> None:
    check(matrix.shape == (num_classes, num_classes), called, f"shape ({num_classes}, {num_classes})",
          describe_array(matrix), size_hint(matrix.shape, num_classes, int(max(labels.max(), predictions.max()))))


def check_counts(matrix: np.ndarray, labels: np.ndarray, predictions: np.ndarray, num_classes: int, called: str) -> None:
    """Every entry [i, j] holds the number of images of true label i predicted as j."""
    expected = counts(labels, predictions, num_classes)
    if np.array_equal(matrix, expected):
        return
    missing = [tuple(int(n) for n in cell) for cell in np.argwhere(matrix < expected)]
    extra = [tuple(int(n) for n in cell) for cell in np.argwhere(matrix > expected)]
    said = []
    for cell in (missing[:1] + extra[:1]):
        said.append(f"{matrix[cell]} at [{cell[0]}, {cell[1]}] (expected {expected[cell]})")
    binned, _, _ = np.histogram2d(labels, predictions, bins=num_classes)
    if np.array_equal(matrix, expected.T):
        hint = TRANSPOSED_HINT
    elif np.array_equal(matrix, binned):
        hint = ("np.histogram2d spreads its bins over the labels it sees, from the smallest to the largest; "
                "give it edges, bins=[edges, edges] with edges = np.arange(num_classes + 1) - 0.5, or use "
                "tf.math.confusion_matrix(labels, predictions, num_classes=num_classes)")
    else:
        hint = (f"entry [i, j] counts the images with true label i predicted as j, for every i and j from 0 to "
                f"{num_classes - 1}, even for classes that never occur")
    raise Mistake(f"{called} gave {' and '.join(said)}: {hint}")


def check_every_class(confusion_matrix) -> None:
    # Classes 8 and 9 never occur: a matrix sized from the data would miss them, and bins spread
    # from the smallest to the largest label seen would put the counts in the wrong cells.
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 7, 3])
    predictions = np.array([0, 1, 2, 3, 4, 5, 6, 7, 1, 5])
    called = "confusion_matrix(labels, predictions) with labels 0..7 only"
    with matrix_from(confusion_matrix, labels, predictions, called) as matrix:
        check_size(matrix, labels, predictions, NUM_CLASSES, called)
        check_counts(matrix, labels, predictions, NUM_CLASSES, called)


def test_confusion_matrix_has_a_row_and_column_for_every_class(confusion_matrix, prerequisites):
    prerequisites.own("every class", lambda: check_every_class(confusion_matrix))


NUM_CLASSES_CALL = (np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), "confusion_matrix(labels, predictions, num_classes=3)")


def check_num_classes(confusion_matrix) -> None:
    labels, predictions, called = NUM_CLASSES_CALL
    with matrix_from(confusion_matrix, labels, predictions, called, num_classes=3) as matrix:
        check_size(matrix, labels, predictions, 3, called)


def test_confusion_matrix_honours_num_classes(confusion_matrix, prerequisites):
    # A matrix sized from the labels it sees fails the test above as well as this one: one mistake,
    # reported once, there.
    prerequisites.need("every class", lambda: check_every_class(confusion_matrix), "the matrix for labels 0..7",
                       "test_confusion_matrix_has_a_row_and_column_for_every_class")
    prerequisites.own("num_classes", lambda: check_num_classes(confusion_matrix))


def test_confusion_matrix_holds_integer_counts(confusion_matrix):
    labels, predictions = np.array([0, 2, 2, 1]), np.array([0, 2, 1, 1])
    called = "confusion_matrix(labels, predictions, num_classes=3)"
    with matrix_from(confusion_matrix, labels, predictions, called, num_classes=3) as matrix:
        check(matrix.dtype.kind in "iu", called, "an integer array of counts", describe_array(matrix),
              "counts are whole numbers; convert with .astype(int) (np.histogram2d and np.zeros give floats)")


def check_orientation(confusion_matrix) -> None:
    labels = np.array([0, 0, 1, 2, 2, 2, 1, 0])
    predictions = np.array([0, 1, 1, 2, 0, 2, 1, 2])
    expected = counts(labels, predictions, 3)  # [[1, 1, 1], [0, 2, 0], [1, 0, 2]]
    called = f"confusion_matrix({labels.tolist()}, {predictions.tolist()}, num_classes=3)"
    with matrix_from(confusion_matrix, labels, predictions, called, num_classes=3) as matrix:
        check_size(matrix, labels, predictions, 3, called)
        if np.array_equal(matrix, expected.T):
            raise Mistake(f"{called} gave {matrix.tolist()}, expected {expected.tolist()}: {TRANSPOSED_HINT}")
        check(np.array_equal(matrix, expected), called, f"{expected.tolist()}", f"{matrix.tolist()}",
              "entry [i, j] counts the images with true label i predicted as j")


def test_rows_are_true_labels_and_columns_are_predictions(confusion_matrix, prerequisites):
    prerequisites.need("every class", lambda: check_every_class(confusion_matrix), "the matrix for labels 0..7",
                       "test_confusion_matrix_has_a_row_and_column_for_every_class")
    prerequisites.need("num_classes", lambda: check_num_classes(confusion_matrix), "the size of the matrix",
                       "test_confusion_matrix_honours_num_classes")
    prerequisites.own("orientation", lambda: check_orientation(confusion_matrix))


def test_confusion_matrix_counts_the_models_predictions(confusion_matrix, kit, prerequisites):
    prerequisites.need("every class", lambda: check_every_class(confusion_matrix), "the matrix for labels 0..7",
                       "test_confusion_matrix_has_a_row_and_column_for_every_class")
    prerequisites.need("orientation", lambda: check_orientation(confusion_matrix), "the rows and columns",
                       "test_rows_are_true_labels_and_columns_are_predictions")
    y_test = kit.y_test
    predictions = np.argmax(kit.probabilities, axis=1)  # int64, shape (1000,)
    called = f"confusion_matrix(y_test, predictions) for {TEST_IMAGES} test images"
    with matrix_from(confusion_matrix, y_test, predictions, called) as matrix:
        check_size(matrix, y_test, predictions, NUM_CLASSES, called)
        check_counts(matrix, y_test, predictions, NUM_CLASSES, called)


# --- plot_confusion_matrix -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def model_matrix(kit):
    """The kit model's 10x10 confusion matrix on the test images (not symmetric, so a transposed plot shows)."""
    matrix = counts(kit.y_test, np.argmax(kit.probabilities, axis=1), NUM_CLASSES)
    assert not np.array_equal(matrix, matrix.T), "the kit's confusion matrix should not be symmetric"
    return matrix


@pytest.fixture(scope="module")
def plot_confusion_matrix(step_function):
    return step_function("plot_confusion_matrix")


@pytest.fixture(scope="module")
def drawn(plot_confusion_matrix, model_matrix):
    """What plot_confusion_matrix returned for the kit model's matrix."""
    return plot_confusion_matrix(model_matrix.copy())


def heatmap_axes(fig, called: str):
    """The Axes holding the annotated heatmap: the one with the most texts."""
    if not fig.axes:
        raise Mistake(f"{called} returned an empty Figure, expected a heatmap in it: draw with "
                      "sns.heatmap(matrix, annot=True, fmt='d', ax=ax) on the figure's Axes")
    return max(fig.axes, key=lambda ax: len(ax.texts))


def counts_grid(fig, size: int, called: str) -> np.ndarray:
    """The counts written in the heatmap's cells, as a (size, size) integer array, rows top to bottom."""
    grid = annotation_grid(heatmap_axes(fig, called), size, called)
    values = np.zeros((size, size), dtype=np.int64)
    for row in range(size):
        for column in range(size):
            number = read_count(grid[row][column])
            if number is None:
                raise Mistake(f"{called} wrote {grid[row][column]!r} in the cell at row {row}, column {column}, "
                              "expected a whole number (a count): pass fmt='d' to sns.heatmap; its default format "
                              "writes large counts like 9.8e+02")
            values[row, column] = number
    return values


def need_figure(prerequisites, drawn):
    """The Figure plot_confusion_matrix returned; skips the test if it returned something else."""
    prerequisites.need("figure", lambda: as_figure(drawn, PLOT), "what plot_confusion_matrix returns",
                       "test_plot_confusion_matrix_returns_a_figure")
    return as_figure(drawn, PLOT)


def test_plot_confusion_matrix_returns_a_figure(drawn, prerequisites):
    prerequisites.own("figure", lambda: as_figure(drawn, PLOT))


def test_figure_shows_the_matrix_as_a_heatmap(drawn, model_matrix, prerequisites):
    fig = need_figure(prerequisites, drawn)
    cells = [picture_array(p).size for ax in fig.axes for p in pictures(ax)]
    check(model_matrix.size in cells, PLOT, f"a heatmap of {model_matrix.size} coloured cells (10x10)",
          f"pictures of {cells} cells" if cells else "no heatmap",
          "draw the counts with sns.heatmap(matrix, ...) (or ax.imshow(matrix))")


def test_every_cell_shows_its_count_as_a_whole_number(drawn, prerequisites):
    fig = need_figure(prerequisites, drawn)
    prerequisites.own("counts", lambda: counts_grid(fig, NUM_CLASSES, PLOT))


def check_counts_in_place(shown: np.ndarray, matrix: np.ndarray, called: str) -> None:
    """The counts drawn must be the matrix itself: row i from the top is true label i."""
    if np.array_equal(shown, matrix.T) and not np.array_equal(shown, matrix):
        raise Mistake(f"{called} drew the matrix transposed: row i (from the top) must show the true label i, "
                      "column j the prediction j; plot the matrix as it is, without .T")
    if not np.array_equal(shown, matrix):
        row, column = np.argwhere(shown != matrix)[0]
        raise Mistake(f"{called} wrote {shown[row, column]} in the cell at row {row}, column {column}, expected "
                      f"{matrix[row, column]} (matrix[{row}, {column}]): each cell shows its own count, "
                      "rows top to bottom, columns left to right")


def check_model_matrix_drawn(fig, model_matrix) -> None:
    check_counts_in_place(counts_grid(fig, NUM_CLASSES, PLOT), model_matrix, PLOT)


def test_counts_sit_in_their_cells_with_true_labels_as_rows(drawn, model_matrix, prerequisites):
    fig = need_figure(prerequisites, drawn)
    prerequisites.need("counts", lambda: counts_grid(fig, NUM_CLASSES, PLOT), "the numbers in the cells",
                       "test_every_cell_shows_its_count_as_a_whole_number")
    prerequisites.own("in place", lambda: check_model_matrix_drawn(fig, model_matrix))


def test_figure_is_titled_confusion_matrix(drawn, prerequisites):
    found = figure_titles(need_figure(prerequisites, drawn))
    check(any("confusion matrix" in title.lower() for title in found), PLOT, 'the title "Confusion matrix"',
          f"titles {found}" if found else "no title", 'add it with ax.set_title("Confusion matrix") (or plt.title)')


def test_plot_confusion_matrix_works_for_any_number_of_classes(plot_confusion_matrix, drawn, model_matrix, prerequisites):
    fig = need_figure(prerequisites, drawn)
    prerequisites.need("counts", lambda: counts_grid(fig, NUM_CLASSES, PLOT), "the numbers in the cells",
                       "test_every_cell_shows_its_count_as_a_whole_number")
    prerequisites.need("in place", lambda: check_model_matrix_drawn(fig, model_matrix), "where the counts sit",
                       "test_counts_sit_in_their_cells_with_true_labels_as_rows")
    matrix = np.array([[5, 1, 0], [2, 7, 3], [0, 4, 9]])
    called = "plot_confusion_matrix(<3x3 matrix>)"
    check_counts_in_place(counts_grid(as_figure(plot_confusion_matrix(matrix.copy()), called), 3, called), matrix, called)
