"""What step 7's suite makes of confusion_matrix and plot_confusion_matrix, and how it says what is wrong.

confusion_matrix must count, in entry [i, j], the images of true label i predicted as j, with a
row and a column for every one of num_classes classes: `counts` is the kit's own matrix, and the
`check_*` functions compare the learner's with it, naming a transposed matrix, one sized from the
labels seen, or np.histogram2d's bins. plot_confusion_matrix must draw the matrix as an annotated
heatmap titled "Confusion matrix": `counts_grid` reads the counts back from where they are drawn.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from mnistkit.checks.evaluation import NUM_CLASSES, TEST_IMAGES
from mnistkit.checks.figures import annotation_grid, as_figure, figure_titles, picture_array, pictures, read_count
from mnistkit.checks.messages import Mistake, as_array, check, describe_array, type_first

PLOT = "plot_confusion_matrix(matrix)"


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


# --- confusion_matrix ----------------------------------------------------------------------------

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


NUM_CLASSES_CALL = (np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), "confusion_matrix(labels, predictions, num_classes=3)")


def check_num_classes(confusion_matrix) -> None:
    labels, predictions, called = NUM_CLASSES_CALL
    with matrix_from(confusion_matrix, labels, predictions, called, num_classes=3) as matrix:
        check_size(matrix, labels, predictions, 3, called)


def check_integer_counts(confusion_matrix) -> None:
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


def check_model_counts(confusion_matrix, kit) -> None:
    """The matrix of the kit model's predictions on the test images counts them all, in place."""
    y_test = kit.y_test
    predictions = np.argmax(kit.probabilities, axis=1)  # int64, shape (1000,)
    called = f"confusion_matrix(y_test, predictions) for {TEST_IMAGES} test images"
    with matrix_from(confusion_matrix, y_test, predictions, called) as matrix:
        check_size(matrix, y_test, predictions, NUM_CLASSES, called)
        check_counts(matrix, y_test, predictions, NUM_CLASSES, called)


# --- plot_confusion_matrix -----------------------------------------------------------------------


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


def check_heatmap(fig, matrix: np.ndarray) -> None:
    """One of the figure's pictures has a coloured cell per entry of the matrix."""
    cells = [picture_array(p).size for ax in fig.axes for p in pictures(ax)]
    check(matrix.size in cells, PLOT, f"a heatmap of {matrix.size} coloured cells (10x10)",
          f"pictures of {cells} cells" if cells else "no heatmap",
          "draw the counts with sns.heatmap(matrix, ...) (or ax.imshow(matrix))")


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


def check_title(fig) -> None:
    """Some title of the figure says "Confusion matrix"."""
    found = figure_titles(fig)
    check(any("confusion matrix" in title.lower() for title in found), PLOT, 'the title "Confusion matrix"',
          f"titles {found}" if found else "no title", 'add it with ax.set_title("Confusion matrix") (or plt.title)')


def check_plot_of_three_classes(plot_confusion_matrix) -> None:
    """plot_confusion_matrix draws a 3x3 matrix as it draws a 10x10 one: every count in its cell."""
    matrix = np.array([[5, 1, 0], [2, 7, 3], [0, 4, 9]])
    called = "plot_confusion_matrix(<3x3 matrix>)"
    check_counts_in_place(counts_grid(as_figure(plot_confusion_matrix(matrix.copy()), called), 3, called), matrix, called)
