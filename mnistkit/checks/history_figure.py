"""Step 6's suite for plot_history() (exercises/step6/test_training_history_plot.py): what it drew
for a History of the tutorial's training log, and one check, with its failure message, per test.

The figure is read with mnistkit.checks.history_plot (a curve is recognised by its values, not by
how it was drawn). `said` is the test file's own FirstProblem: a mistake that several tests meet
(no Figure returned, one panel, a missing curve) fails the first of them, the others skip.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from mnistkit.checks.figures import learner_line
from mnistkit.checks.history_plot import (
    ACCURACY_KEYS,
    LOSS_KEYS,
    SHORT_HISTORY,
    TUTORIAL_HISTORY,
    Curve,
    comes_first,
    find_curve,
    history_with,
    labelled_line,
    legend_label,
    names_key,
    panel_text,
    panels_of,
    shown_key,
    x_is_epochs,
)
from mnistkit.checks.messages import FirstProblem, Mistake, PartlyWritten
from mnistkit.checks.training import quick_model
from mnistkit.engine.recording import DryRun

CALL = "plot_history(history)"
EPOCHS = len(TUTORIAL_HISTORY["loss"])
PAIRS = {LOSS_KEYS: ACCURACY_KEYS, ACCURACY_KEYS: LOSS_KEYS}  # Each pair of curves, and the pair it must not mix with.


def plot_history_progress(step_function: Callable[[str], Callable]) -> PartlyWritten:
    """Which functions of step 6 are written: an unwritten plot_history says "not started yet"
    rather than "step 6 not started" once train_model is written. train_model is probed on a
    dry-run model, which stops it at its fit() call: no training."""

    def probe_train_model():
        images, labels = np.zeros((10, 28, 28, 1), np.float32), np.zeros(10, np.uint8)
        try:
            step_function("train_model")(quick_model(dry_run=True), images, labels)
        except DryRun:
            pass

    return PartlyWritten(6, {"train_model": probe_train_model, "plot_history": lambda: None})


class Raised:
    """The exception plot_history raised, kept by the fixture for the tests to re-raise, and the
    "not started yet" message if it is a stub's while train_model is written."""

    def __init__(self, error: Exception, unwritten: str | None = None) -> None:
        self.error = error
        self.unwritten = unwritten


def plotted(plot_history: Callable, progress: PartlyWritten, values: dict):
    """What plot_history returns for a History of `values`, or Raised if it raised."""
    try:
        return plot_history(history_with(values))
    except Exception as error:  # noqa: BLE001  (re-raised by as_figure, which shows where it arose)
        return Raised(error, progress.message("plot_history", error))


def key_error_hint(error: KeyError) -> str:
    """Why plot_history asked history.history for a key it doesn't have."""
    key = error.args[0] if error.args else None
    if key in ("acc", "val_acc"):
        return (f"Keras 3 records the accuracy under 'accuracy' and 'val_accuracy' (older Keras wrote 'acc' and "
                f"'val_acc'): read history.history['{key.replace('acc', 'accuracy')}']")
    return f"history.history holds the keys {sorted(TUTORIAL_HISTORY)}: read only those"


def as_figure(said: FirstProblem, result, called: str = CALL):
    """The Figure plot_history returned, or a Mistake naming what came back instead."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(result, Figure):
        return result
    if isinstance(result, Raised):
        if result.unwritten:
            said.fail("the unwritten plot_history()", result.unwritten)
        if isinstance(result.error, KeyError):
            where = learner_line(result.error)
            said.fail("the KeyError plot_history() raised", (
                f"{called} raised KeyError: {result.error}" + (f" at {where}" if where else "")
                + f", expected it to read the keys fit() recorded: {key_error_hint(result.error)}"))
        said.reraise(f"the {type(result.error).__name__} plot_history() raised", result.error)
    if result is None:
        said.fail("the missing `return fig`", f"{called} returned None, expected the matplotlib Figure: "
                  "`fig, axs = plt.subplots(1, 2)`, draw, then `return fig` (plt.show() returns nothing)")
    if isinstance(result, tuple) and any(isinstance(item, Figure) for item in result):
        said.fail("the value returned", f"{called} returned a tuple (fig, axs), expected just the Figure: `return fig`")
    if isinstance(result, Axes) or (isinstance(result, np.ndarray) and result.dtype == object):
        said.fail("the value returned", f"{called} returned the axes, expected the Figure that holds them: "
                  "`fig, axs = plt.subplots(1, 2)` ... `return fig`")
    said.fail("the value returned",
              f"{called} returned a {type(result).__name__}, expected a matplotlib Figure: `return fig`")


def locate(figure, key: str, history: dict = TUTORIAL_HISTORY) -> Curve | None:
    """The curve showing history[key] (an accuracy also x 100 in a panel labelled as percent), or None."""
    panels = panels_of(figure)
    found = find_curve(panels, key, history[key])
    if found is None and key in ACCURACY_KEYS:
        found = find_curve(panels, key, history[key], scale=100, percent=True)
    return found


def curve(said: FirstProblem, figure, key: str, history: dict = TUTORIAL_HISTORY, called: str = CALL) -> Curve:
    """The curve showing history[key], or a Mistake saying no line shows it."""
    found = locate(figure, key, history)
    if found is not None:
        return found
    panels = panels_of(figure)
    shown = ", ".join(f"{v:g}" for v in history[key][:3])
    if key in ACCURACY_KEYS and find_curve(panels, key, history[key], scale=100) is not None:
        percents = ", ".join(f"{100 * v:g}" for v in history[key][:3])
        said.fail("the accuracy in percent", (
            f"{called} drew history.history['{key}'] times 100 ({percents}, ...) in a panel whose y-label and title "
            f"don't say percent, expected the values as recorded ({shown}, ...): plot them unchanged, or keep the "
            "percentages and say so, ax.set_ylabel('Accuracy [%]')"))
    labelled = labelled_line(figure, panels, key)
    other = None if labelled is None else shown_key(labelled, history)
    if other is not None:
        # A curve labelled for `key` draws another list (a copy-paste slip such as h['loss'] twice).
        drawn = ", ".join(f"{v:g}" for v in history[other][:3])
        said.fail(f"the {key} curve", (
            f"{called} drew history.history['{other}'] ({drawn}, ...) under the label '{key}', expected "
            f"history.history['{key}'] ({shown}, ...) there: the curve labelled '{key}' shows the values of "
            f"'{other}'; plot history.history['{key}']"))
    hint = ("plot the validation curves too: they show how the model does on images it doesn't train on"
            if key.startswith("val_") else f"plot history.history['{key}'], one point per epoch")
    article = "an" if key[0] in "aeiou" else "a"
    said.fail(f"the {key} curve", f"{called} drew no line with the values of history.history['{key}'] ({shown}, ...), "
                                  f"expected {article} {key} curve: {hint}")


def metric_panels(said: FirstProblem, figure, history: dict = TUTORIAL_HISTORY, called: str = CALL,
                  pairs=(LOSS_KEYS, ACCURACY_KEYS)) -> tuple:
    """The panel of each pair in `pairs` (loss panel, accuracy panel by default): each pair drawn together,
    in a panel without a curve of the other pair. A curve of the other pair that is not drawn at all is
    left to that pair's own test, so that the loss test never reports a missing accuracy curve."""
    panels = panels_of(figure)
    where = {key: curve(said, figure, key, history, called) for keys in pairs for key in keys}
    for keys in pairs:
        for o in PAIRS[keys]:
            if o not in where and locate(figure, o, history) is not None:
                where[o] = locate(figure, o, history)
        other = [o for o in PAIRS[keys] if o in where]
        for key in keys:
            mixed = [o for o in other if where[o].panel == where[key].panel]
            if mixed:
                said.fail("the panels", (
                    f"{called} drew {key} and {mixed[0]} in the same panel, expected loss and val_loss in "
                    "one panel and accuracy and val_accuracy in the other (their scales differ): "
                    "draw the loss columns on axs[0] and the accuracy columns on axs[1]"))
        first, second = keys
        if where[first].panel != where[second].panel:
            said.fail("the panels", (
                f"{called} drew {first} and {second} in different panels, expected them together in one "
                f"panel: draw both {first} curves on the same axes, so training and validation can be compared"))
    return tuple(panels[where[keys[0]].panel] for keys in pairs)


def check_two_panels(said: FirstProblem, figure) -> None:
    """Two panels of curves, like the tutorial's Figure 1."""
    panels = panels_of(figure)
    if not panels:
        said.fail("the panels", (
            f"{CALL} returned a Figure without any curve, expected two panels of curves: "
            "draw on the figure's axes (df.plot(ax=axs[0]) or axs[0].plot(...)) and return that figure"))
    if len(panels) == 1:
        said.fail("the panels", (
            f"{CALL} drew only one panel, expected two side by side like the tutorial's Figure 1: "
            "`fig, axs = plt.subplots(1, 2)`, loss curves on axs[0], accuracy curves on axs[1]"))
    if len(panels) != 2:
        said.fail("the panels", (
            f"{CALL} drew {len(panels)} panels with curves, expected two (loss, then accuracy): put loss "
            "and val_loss in one panel and accuracy and val_accuracy in the other"))


def check_one_point_per_epoch(said: FirstProblem, figure) -> None:
    """Each curve is drawn against the epochs, 0..9 or 1..10."""
    for key in (*LOSS_KEYS, *ACCURACY_KEYS):
        line = curve(said, figure, key).line
        if not x_is_epochs(line, EPOCHS):
            raise Mistake(f"{CALL} drew the {key} curve at x-values {list(line.get_xdata())}, expected the epochs "
                          f"0..{EPOCHS - 1} (or 1..{EPOCHS}): plot each history list against its epoch number; "
                          "df.plot() and ax.plot(values) do that by themselves")


def check_loss_panel_first(said: FirstProblem, figure) -> None:
    """The loss panel comes first (left, or above), the accuracy panel second."""
    loss_panel, accuracy_panel = metric_panels(said, figure)
    if not comes_first(loss_panel, accuracy_panel):
        raise Mistake(f"{CALL} drew the accuracy panel first, expected the loss panel first (left) and the accuracy "
                      "panel second (right), as in the tutorial's Figure 1: loss curves on axs[0], accuracy on axs[1]")


def check_legends(said: FirstProblem, figure) -> None:
    """A legend names every curve, validation curves with 'val' and training curves without."""
    panels = panels_of(figure)
    for key in (*LOSS_KEYS, *ACCURACY_KEYS):
        found = curve(said, figure, key)
        label = legend_label(figure, panels[found.panel], found.line)
        if label is None:
            raise Mistake(f"{CALL} drew the {key} curve without a legend entry, expected a legend naming each "
                          f"curve: ax.plot(..., label='{key}') and then ax.legend() (DataFrame.plot adds one itself)")
        if not names_key(label, key):
            raise Mistake(f"{CALL} labelled the {key} curve '{label}' in its legend, expected a label naming it "
                          f"(such as '{key}'): validation curves say 'val' in their label, training curves don't; "
                          "check which label goes with which curve")


def check_titles_and_labels(said: FirstProblem, figure) -> None:
    """Each panel names its metric in its title or y-label, and the epochs in its x-label."""
    loss_panel, accuracy_panel = metric_panels(said, figure)
    for panel, word, metric in ((loss_panel, "loss", "Loss"), (accuracy_panel, "acc", "Accuracy")):
        if word not in panel_text(panel):
            raise Mistake(f"{CALL} gave the {metric.lower()} panel the title {panel.get_title()!r} and the y-label "
                          f"{panel.get_ylabel()!r}, expected one of them to name '{metric}': as the tutorial does, "
                          f"title='{metric} during training' and ax.set_ylabel('{metric}')")
        if "epoch" not in panel.get_xlabel().lower():
            raise Mistake(f"{CALL} gave the {metric.lower()} panel the x-label {panel.get_xlabel()!r}, expected a "
                          "label naming the epochs: ax.set_xlabel('Epoch [#]') on both panels")


def check_follows_the_history(said: FirstProblem, plot_history: Callable, progress: PartlyWritten) -> None:
    """plot_history draws SHORT_HISTORY (4 epochs, other values) as it draws the tutorial's: every
    curve from the history it is given, one point per epoch."""
    import matplotlib.pyplot as plt

    called = "plot_history(<a History of 4 epochs>)"
    try:
        figure = as_figure(said, plotted(plot_history, progress, SHORT_HISTORY), called)
        metric_panels(said, figure, SHORT_HISTORY, called)
        for key in (*LOSS_KEYS, *ACCURACY_KEYS):
            found = curve(said, figure, key, SHORT_HISTORY, called)
            if not x_is_epochs(found.line, len(SHORT_HISTORY[key])):
                raise Mistake(f"{called} drew the {key} curve at x-values {list(found.line.get_xdata())}, expected "
                              "the 4 epochs: read everything from the history you are given; fix no number of epochs")
    finally:
        plt.close("all")
