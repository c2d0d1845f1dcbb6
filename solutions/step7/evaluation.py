"""Step 7: evaluate the trained model: test score, predicted labels, confusion matrix.

Run the checks with `pytest exercises/step7`; the README beside this file explains the step.
"""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import tensorflow as tf
from matplotlib.figure import Figure


def evaluate_model(model, x_test: np.ndarray, y_test: np.ndarray) -> tuple[float, float]:
    """Score a trained, compiled model on the test set.

    Tutorial section "4. Model investigation": `model.evaluate(x_test, y_test, verbose=0)`
    returns the test loss and the test accuracy, in the order the model was compiled with
    (the loss first, then the metric).

    Args:
        model: a trained Keras model, compiled with a loss and the accuracy metric.
        x_test: the test images, float32 of shape (N, 28, 28, 1).
        y_test: their labels, integers of shape (N,).

    Returns:
        `(test_loss, test_accuracy)`: two Python floats, the loss first, as a tuple or as the
        list `[loss, accuracy]` that `model.evaluate` returns. The accuracy
        is a fraction between 0 and 1.

    Example:
        >>> test_loss, test_accuracy = evaluate_model(model, x_test, y_test)
        >>> print(f"Test accuracy: {test_accuracy * 100:.2f}%")
        Test accuracy: 98.93%
    """
    score = model.evaluate(x_test, y_test, verbose=0)
    return float(score[0]), float(score[1])


def predict_labels(model, images: np.ndarray) -> np.ndarray:
    """The class the model finds most likely for each image.

    Tutorial section "4. Model investigation": `model.predict(images)` gives one row of 10
    class probabilities per image (shape (N, 10)); the predicted label is the position of the
    largest probability in each row.

    Args:
        model: a trained Keras model ending in a softmax over the classes.
        images: float32 images of shape (N, 28, 28, 1).

    Returns:
        An integer array of shape (N,): the predicted digit of each image.

    Example:
        >>> predict_labels(model, x_test[:5])
        array([7, 2, 1, 0, 4])
    """
    probabilities = model.predict(images, verbose=0)  # (N, 10)
    return np.argmax(probabilities, axis=1)  # (N,)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Count how often each true label was predicted as each class.

    Tutorial section "4. Model investigation": `tf.math.confusion_matrix(labels, predictions)`.
    Entry [i, j] counts the images whose true label is i and whose predicted label is j, so the
    rows are the true labels and the columns the predictions; a perfect model fills the diagonal only.

    Args:
        labels: the true labels, integers 0..num_classes-1 of shape (N,).
        predictions: the predicted labels, integers of shape (N,).
        num_classes: the number of classes; the matrix has this many rows and columns even when
            some classes never occur in `labels` or `predictions`.

    Returns:
        An integer array of shape (num_classes, num_classes).

    Example:
        >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), num_classes=3)
        array([[1, 0, 0],
               [1, 1, 0],
               [0, 0, 0]], dtype=int32)
    """
    return tf.math.confusion_matrix(labels, predictions, num_classes=num_classes).numpy()


def plot_confusion_matrix(matrix: np.ndarray) -> Figure:
    """Draw a confusion matrix as an annotated heatmap, like the tutorial's Figure 2.

    Tutorial section "4. Model investigation": a heatmap with each cell's count written in it
    (rows are the true labels, top to bottom; columns the predictions, left to right), titled
    "Confusion matrix".

    Args:
        matrix: an integer confusion matrix of shape (num_classes, num_classes).

    Returns:
        The matplotlib Figure holding the heatmap.

    Example:
        >>> fig = plot_confusion_matrix(confusion_matrix(y_test, predictions))
        >>> fig.savefig("confusion_matrix.png")
    """
    fig, ax = plt.subplots(figsize=(6, 6))
    sns.heatmap(matrix, square=True, annot=True, fmt="d", cbar=False, ax=ax)
    ax.set_title("Confusion matrix")
    return fig
