"""Steps 7 and 8's held-out checks (see mnistkit/checks/heldout.py): the kit's trained CNN scored and
asked for labels on other test images, confusion matrices of other labels and sizes, and another
seeded model's kernels; every expected value is computed here, in the judge.
"""

from __future__ import annotations

import numpy as np

from mnistkit import reference
from mnistkit.checks.confusion import counts, counts_grid
from mnistkit.checks.evaluation import NUM_CLASSES, TEST_IMAGES, call_with_model, close_parts
from mnistkit.checks.figures import ModelState, trained
from mnistkit.checks.heldout import VALUES, FunctionOf, call, differs, other_than, same_array
from mnistkit.checks.kernel_plots import check_kernel_images, numbered_axes
from mnistkit.checks.kernels import KERNEL_SHAPE, first_conv_kernel
from mnistkit.checks.messages import Mistake


def closing_figures(check):
    """`check` with every figure it opened closed afterwards."""
    def checked(function_of: FunctionOf, rng: np.random.Generator) -> None:
        import matplotlib.pyplot as plt

        try:
            check(function_of, rng)
        finally:
            plt.close("all")
    return checked


def other_test_images(rng: np.random.Generator, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """Between `low` and `high` MNIST test images the visible suite never uses (it takes the first
    TEST_IMAGES), prepared as the network expects, with their labels."""
    from mnistkit.data import load_mnist

    _, (x_test, y_test) = load_mnist()
    chosen = np.sort(rng.choice(np.arange(TEST_IMAGES, len(x_test)), size=int(rng.integers(low, high)), replace=False))
    return reference.prepare(x_test[chosen]), y_test[chosen].copy()


@closing_figures
def evaluation(function_of: FunctionOf, rng: np.random.Generator) -> None:
    model = trained().model
    scored, predicted = other_test_images(rng, 60, 241), other_test_images(rng, 20, 161)
    # One pass of the kit's model over both sets gives every expected value: its score on the first
    # (the loss as Keras computes it: measured within 2.1e-7 of model.evaluate's, relative, over 40
    # such sets, against a tolerance of LOSS_TOLERANCE = 1e-5) and its labels of the second.
    probabilities = np.asarray(model.predict(np.concatenate([scored[0], predicted[0]]), verbose=0), dtype=np.float64)
    evaluates(function_of, model, *scored, probabilities[:len(scored[0])])
    predicts(function_of, model, predicted[0], probabilities[len(scored[0]):])
    counts_confusions(function_of, rng)
    plots_confusions(function_of, rng)


def score(labels: np.ndarray, probabilities: np.ndarray) -> tuple[float, float]:
    """(loss, accuracy) as model.evaluate gives them for these predictions: the mean sparse categorical
    cross-entropy (probabilities clipped to [1e-7, 1 - 1e-7], as Keras clips them) and the share of
    images whose most likely class is their label."""
    chosen = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1 - 1e-7)
    return float(np.mean(-np.log(chosen))), float(np.mean(np.argmax(probabilities, axis=1) == labels))


def evaluates(function_of: FunctionOf, model, x: np.ndarray, y: np.ndarray, probabilities: np.ndarray) -> None:
    loss, accuracy = score(y, probabilities)
    result, _ = call_with_model(lambda *a: call(function_of("evaluate_model"), *a), model, x, y)
    try:
        got = tuple(float(np.asarray(value)) for value in result)
    except (TypeError, ValueError):
        raise differs("evaluate_model", "the type of its answer") from None
    if len(got) != 2:
        raise differs("evaluate_model", "the number of values it returns")
    right = close_parts(got, (float(loss), float(accuracy)))
    if not all(right):
        kind = "the test loss it returns" if right[1] else "the test accuracy it returns"
        raise differs("evaluate_model", kind, "Score the model on the x_test and y_test it is given")


def predicts(function_of: FunctionOf, model, x: np.ndarray, probabilities: np.ndarray) -> None:
    result, _ = call_with_model(lambda *a: call(function_of("predict_labels"), *a), model, x)
    labels = np.asarray(result)
    if labels.shape != (len(x),):
        raise differs("predict_labels", "the shape of its answer", "One label per image given")
    if labels.dtype.kind not in "iu":
        raise differs("predict_labels", "the dtype of its answer")
    chosen = probabilities[np.arange(len(x)), np.clip(labels.astype(np.int64), 0, NUM_CLASSES - 1)]
    # A label is right when its probability is the largest, up to float rounding (ties are allowed).
    if np.any((labels < 0) | (labels >= NUM_CLASSES) | (chosen < probabilities.max(axis=1) - 1e-6)):
        raise differs("predict_labels", VALUES, "The label of each image is its most likely class")


def counts_confusions(function_of: FunctionOf, rng: np.random.Generator) -> None:
    classes = other_than(lambda: int(rng.integers(2, 13)), (3, 10))
    size = int(rng.integers(20, 201))
    labels = rng.integers(0, classes, size=size)
    predictions = np.where(rng.random(size) < 0.6, labels, rng.integers(0, classes, size=size))
    got = call(function_of("confusion_matrix"), labels.copy(), predictions.copy(), num_classes=classes)
    expected = counts(labels, predictions, classes)
    try:
        array = np.asarray(got)
    except Exception:  # noqa: BLE001
        raise differs("confusion_matrix", "the type of its answer") from None
    if array.shape != expected.shape:
        raise differs("confusion_matrix", "the shape of its answer", "The matrix has num_classes rows and columns")
    if array.dtype.kind not in "iu":
        raise differs("confusion_matrix", "the dtype of its answer")
    same_array("confusion_matrix", array.astype(np.int64), expected,
               hint="Entry [i, j] counts the true labels i predicted as j")


def plots_confusions(function_of: FunctionOf, rng: np.random.Generator) -> None:
    from matplotlib.figure import Figure

    classes = other_than(lambda: int(rng.integers(2, 13)), (3, 10))
    matrix = rng.integers(0, 60, size=(classes, classes))
    figure = call(function_of("plot_confusion_matrix"), matrix.copy())
    if not isinstance(figure, Figure):
        raise differs("plot_confusion_matrix", "what it returns (not a Figure)")
    try:
        shown = counts_grid(figure, classes, "plot_confusion_matrix(matrix)")
    except Mistake:  # Its message may quote the counts: only the kind of difference is said.
        raise differs("plot_confusion_matrix", "the numbers written in its cells", "One count per cell of the matrix given") from None
    if not np.array_equal(shown, matrix):
        raise differs("plot_confusion_matrix", "the counts in its cells", "Each cell shows its own count of the matrix given")


@closing_figures
def kernels(function_of: FunctionOf, rng: np.random.Generator) -> None:
    extracts(function_of, rng)
    plots_kernels(function_of, rng)


def extracts(function_of: FunctionOf, rng: np.random.Generator) -> None:
    """first_layer_kernels on another seeded CNN, of another input size and number of classes."""
    import keras

    keras.utils.set_random_seed(int(rng.integers(0, 2**31)))
    size = other_than(lambda: (int(rng.integers(16, 41)), int(rng.integers(16, 41))), ((28, 28),))
    model = reference.build_model((*size, 1), int(rng.integers(2, 21)), layered=bool(rng.integers(0, 2)))
    expected = first_conv_kernel(model)
    state = ModelState(model)
    try:
        got = call(function_of("first_layer_kernels"), model)
    finally:
        state.restore(model)
    same_array("first_layer_kernels", got, expected, exact=False, dtype=False,
               hint="Return the first Conv2D layer's kernel of the model given")


def plots_kernels(function_of: FunctionOf, rng: np.random.Generator) -> None:
    from matplotlib.figure import Figure

    kernels = rng.normal(0.0, 0.3, size=KERNEL_SHAPE).astype(np.float32)
    figure = call(function_of("plot_kernels"), kernels.copy())
    if not isinstance(figure, Figure):
        raise differs("plot_kernels", "what it returns (not a Figure)")
    try:
        numbered_axes(figure)
        check_kernel_images(figure, kernels)
    except Mistake:  # Its message is about these kernels: only the kind of difference is said.
        raise differs("plot_kernels", "the images it draws", "Subplot \"Kernel i\" shows kernels[:, :, 0, i] of the kernels given") from None
