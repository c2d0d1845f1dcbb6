"""Checks for step 7: evaluate_model, predict_labels, confusion_matrix and plot_confusion_matrix.

Run with `pytest exercises/step7` (or `--solutions` to check the reference solution).

The model your functions are given is the kit's own tutorial CNN, trained by the kit for one
seeded epoch on 3,000 training images (its weights ship with the kit: mnistkit/kitmodel.py),
never the model of your steps 3 to 6, so that this step is judged on its own. Every expected value
is recomputed from that model with Keras and numpy (the checks and their messages:
mnistkit/checks/evaluation.py and mnistkit/checks/confusion.py).

A test whose premise another test checks (that evaluate_model returns two numbers, say) is
skipped ("not checked yet") while that one fails, so a mistake counts once, as the failure that
names it.
"""

import numpy as np
import pytest

from mnistkit.checks.confusion import (
    PLOT,
    check_every_class,
    check_heatmap,
    check_integer_counts,
    check_model_counts,
    check_model_matrix_drawn,
    check_num_classes,
    check_orientation,
    check_plot_of_three_classes,
    check_title,
    counts,
    counts_grid,
    need_figure,
)
from mnistkit.checks.evaluation import (
    NUM_CLASSES,
    PREDICT,
    PREDICT_IMAGES,
    call_with_model,
    check_fraction,
    check_integer_labels,
    check_labels_for,
    check_most_likely,
    check_order,
    check_python_floats,
    check_score,
    check_unchanged,
    labels_of,
    need_labels,
    need_score,
    score_pair,
)
from mnistkit.checks.figures import Prerequisites, as_figure, trained
from mnistkit.checks.messages import type_first


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


def test_evaluate_model_returns_loss_and_accuracy(evaluation, prerequisites):
    # Any sequence of two numbers: a tuple, or the list [loss, accuracy] model.evaluate returns.
    prerequisites.own("score", lambda: score_pair(evaluation[0]))


def test_loss_and_accuracy_are_python_floats(evaluation, prerequisites):
    need_score(prerequisites, evaluation)
    check_python_floats(evaluation[0])


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
    check_score(got, kit_score)


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


# A Tensor or list that numpy turns into the right labels passes; when it is wrong, `type_first`
# names its type before the advice, since the type may be what explains a dtype or shape.


def test_predict_labels_gives_one_label_per_image(predicted, prerequisites):
    with type_first(predicted, PREDICT):
        prerequisites.own("shape", lambda: labels_of(predicted, PREDICT_IMAGES, PREDICT))


def test_predicted_labels_are_integers(predicted, probabilities, prerequisites):
    labels = need_labels(prerequisites, predicted, probabilities)
    check_integer_labels(predicted, labels)


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
    check_labels_for(predict_labels, model, images, probabilities, count)


# --- confusion_matrix ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def confusion_matrix(step_function):
    return step_function("confusion_matrix")


def test_confusion_matrix_has_a_row_and_column_for_every_class(confusion_matrix, prerequisites):
    prerequisites.own("every class", lambda: check_every_class(confusion_matrix))


def test_confusion_matrix_honours_num_classes(confusion_matrix, prerequisites):
    # A matrix sized from the labels it sees fails the test above as well as this one: one mistake,
    # reported once, there.
    prerequisites.need("every class", lambda: check_every_class(confusion_matrix), "the matrix for labels 0..7",
                       "test_confusion_matrix_has_a_row_and_column_for_every_class")
    prerequisites.own("num_classes", lambda: check_num_classes(confusion_matrix))


def test_confusion_matrix_holds_integer_counts(confusion_matrix):
    check_integer_counts(confusion_matrix)


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
    check_model_counts(confusion_matrix, kit)


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


def test_plot_confusion_matrix_returns_a_figure(drawn, prerequisites):
    prerequisites.own("figure", lambda: as_figure(drawn, PLOT))


def test_figure_shows_the_matrix_as_a_heatmap(drawn, model_matrix, prerequisites):
    check_heatmap(need_figure(prerequisites, drawn), model_matrix)


def test_every_cell_shows_its_count_as_a_whole_number(drawn, prerequisites):
    fig = need_figure(prerequisites, drawn)
    prerequisites.own("counts", lambda: counts_grid(fig, NUM_CLASSES, PLOT))


def test_counts_sit_in_their_cells_with_true_labels_as_rows(drawn, model_matrix, prerequisites):
    fig = need_figure(prerequisites, drawn)
    prerequisites.need("counts", lambda: counts_grid(fig, NUM_CLASSES, PLOT), "the numbers in the cells",
                       "test_every_cell_shows_its_count_as_a_whole_number")
    prerequisites.own("in place", lambda: check_model_matrix_drawn(fig, model_matrix))


def test_figure_is_titled_confusion_matrix(drawn, prerequisites):
    check_title(need_figure(prerequisites, drawn))


def test_plot_confusion_matrix_works_for_any_number_of_classes(plot_confusion_matrix, drawn, model_matrix, prerequisites):
    fig = need_figure(prerequisites, drawn)
    prerequisites.need("counts", lambda: counts_grid(fig, NUM_CLASSES, PLOT), "the numbers in the cells",
                       "test_every_cell_shows_its_count_as_a_whole_number")
    prerequisites.need("in place", lambda: check_model_matrix_drawn(fig, model_matrix), "where the counts sit",
                       "test_counts_sit_in_their_cells_with_true_labels_as_rows")
    check_plot_of_three_classes(plot_confusion_matrix)
