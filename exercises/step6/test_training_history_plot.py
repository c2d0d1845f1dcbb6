"""Checks for step 6, plot_history(history): two panels like the tutorial's Figure 1.

Run with `pytest exercises/step6` (or `--solutions` to check the reference solution).
The file is named to sort after test_train_model.py: pytest runs the files in name order, and the
README introduces train_model first, so its failures come first.
plot_history gets a real keras.callbacks.History filled with the tutorial's own training log
(10 epochs), so no training is needed here. Curves are recognised by their values, so any way
of drawing them passes: the tutorial's `DataFrame.plot`, or `ax.plot` with labels; epochs may
be numbered from 0 or from 1; the panels may sit side by side or one above the other; accuracy
may be drawn in percent when its panel says so ('Accuracy [%]').

What is checked, and why: plot_history returns the Figure (so that it can be saved or shown
later); loss and val_loss share one panel, accuracy and val_accuracy the other (their scales
differ), loss first; each curve has one point per epoch, a legend entry that names it, and each
panel a title or y-label naming its metric and an x-label naming the epochs; and a History of
another length and other values is drawn just as faithfully, so nothing is fixed in the code.
A mistake that several tests meet fails the first of them; the others are skipped ("not checked
yet"). The checks and their messages: mnistkit/checks/history_figure.py, reading the figure
with mnistkit/checks/history_plot.py.
"""

import pytest

from mnistkit.checks.history_figure import (
    as_figure,
    check_follows_the_history,
    check_legends,
    check_loss_panel_first,
    check_one_point_per_epoch,
    check_titles_and_labels,
    check_two_panels,
    metric_panels,
    plot_history_progress,
    plotted,
)
from mnistkit.checks.history_plot import ACCURACY_KEYS, LOSS_KEYS, TUTORIAL_HISTORY
from mnistkit.checks.messages import FirstProblem

SAID = FirstProblem()  # A mistake that several tests meet fails the first of them; the others skip.


@pytest.fixture(scope="module")
def plot_history(step_function):
    return step_function("plot_history")


@pytest.fixture(scope="module")
def progress(step_function):
    """Which functions of step 6 are written: an unwritten plot_history says "not started yet"
    rather than "step 6 not started" once train_model is written (probed without training)."""
    return plot_history_progress(step_function)


@pytest.fixture(scope="module")
def drawn(plot_history, progress):
    """What plot_history returns for the tutorial's history (or Raised, if it raised); every figure
    is closed afterwards. The tests, not this fixture, fail on an exception: once, as a test failure."""
    import matplotlib.pyplot as plt

    try:
        yield plotted(plot_history, progress, TUTORIAL_HISTORY)
    finally:
        plt.close("all")


def test_plot_history_returns_a_matplotlib_figure(drawn):
    as_figure(SAID, drawn)


def test_figure_has_two_panels(drawn):
    check_two_panels(SAID, as_figure(SAID, drawn))


def test_one_panel_shows_loss_and_val_loss(drawn):
    metric_panels(SAID, as_figure(SAID, drawn), pairs=(LOSS_KEYS,))


def test_other_panel_shows_accuracy_and_val_accuracy(drawn):
    metric_panels(SAID, as_figure(SAID, drawn), pairs=(ACCURACY_KEYS,))


def test_curves_have_one_point_per_epoch(drawn):
    check_one_point_per_epoch(SAID, as_figure(SAID, drawn))


def test_loss_panel_comes_before_accuracy_panel(drawn):
    check_loss_panel_first(SAID, as_figure(SAID, drawn))


def test_legends_name_every_curve(drawn):
    check_legends(SAID, as_figure(SAID, drawn))


def test_panels_have_titles_and_axis_labels(drawn):
    check_titles_and_labels(SAID, as_figure(SAID, drawn))


def test_plot_follows_the_history_it_is_given(plot_history, progress):
    check_follows_the_history(SAID, plot_history, progress)
