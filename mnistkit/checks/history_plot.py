"""What step 6's plot_history() is checked with: the tutorial's Figure 1, read back.

plot_history() is handed a real `keras.callbacks.History` whose `history` and `epoch` are filled
in by hand (`history_with()`), with the tutorial's own numbers: no training is needed to check a
plot, and the contract lets plot_history read no more than `history.history` (and `history.epoch`).

Figures are read through public matplotlib API only (`fig.axes`, `ax.get_lines()`,
`line.get_xdata()`, `ax.get_legend()`, `ax.get_position()`, ...). A curve is recognised by its
data, not by how it was drawn, so `pandas.DataFrame.plot` (the tutorial's way) and `ax.plot`
both pass, with epochs counted from 0 or from 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# The tutorial's training log (section 3), epoch by epoch, in the key order Keras 3 records.
TUTORIAL_HISTORY = {
    "accuracy": [0.8117, 0.9364, 0.9512, 0.9599, 0.9674, 0.9693, 0.9722, 0.9742, 0.9750, 0.9773],
    "loss": [0.5902, 0.2183, 0.1663, 0.1390, 0.1166, 0.1046, 0.0950, 0.0891, 0.0865, 0.0775],
    "val_accuracy": [0.9700, 0.9808, 0.9860, 0.9875, 0.9888, 0.9902, 0.9892, 0.9895, 0.9907, 0.9905],
    "val_loss": [0.1014, 0.0674, 0.0499, 0.0462, 0.0433, 0.0370, 0.0394, 0.0400, 0.0342, 0.0355],
}
# A shorter, made-up run, to show that a plot follows whatever history it is given.
SHORT_HISTORY = {
    "accuracy": [0.55, 0.71, 0.78, 0.82],
    "loss": [1.31, 0.88, 0.69, 0.58],
    "val_accuracy": [0.74, 0.81, 0.85, 0.86],
    "val_loss": [0.83, 0.61, 0.52, 0.47],
}
LOSS_KEYS = ("loss", "val_loss")
ACCURACY_KEYS = ("accuracy", "val_accuracy")


def history_with(values: dict[str, list[float]]):
    """A keras.callbacks.History holding `values`, as if fit() had recorded them."""
    import keras

    history = keras.callbacks.History()
    history.history = {key: list(series) for key, series in values.items()}
    epochs = len(next(iter(values.values())))
    history.epoch = list(range(epochs))
    history.params = {"verbose": 1, "epochs": epochs, "steps": 422}
    return history


@dataclass(frozen=True)
class Curve:
    """A line of the figure that shows one history key."""

    key: str
    panel: int  # Index into the list of panels (axes that hold lines).
    line: Any


def panels_of(figure) -> list:
    """The axes of `figure` that hold at least one line, in the order the figure keeps them."""
    return [ax for ax in figure.axes if ax.get_lines()]


def _values(data) -> np.ndarray | None:
    try:
        return np.asarray(data, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None


def says_percent(ax) -> bool:
    """True when the panel's y-label or title says its values are percentages ('Accuracy [%]')."""
    text = panel_text(ax)
    return "%" in text or "percent" in text


def find_curve(panels: list, key: str, values: list[float], scale: float = 1.0, percent: bool | None = None) -> Curve | None:
    """The line whose y-values are `values` (the history of `key`) times `scale`, or None.

    `percent=True` looks only in panels that say they show percentages, `False` only in the others."""
    wanted = np.asarray(values, dtype=np.float64) * scale
    for index, ax in enumerate(panels):
        if percent is not None and says_percent(ax) != percent:
            continue
        for line in ax.get_lines():
            ys = _values(line.get_ydata())
            if ys is not None and ys.shape == wanted.shape and np.allclose(ys, wanted, rtol=1e-6, atol=1e-9):
                return Curve(key, index, line)
    return None


def labelled_line(figure, panels: list, key: str):
    """The line whose legend entry (or own label) is exactly `key`, whatever it shows; or None."""
    for ax in panels:
        for line in ax.get_lines():
            label = legend_label(figure, ax, line) or line.get_label()
            if label.strip().lower() == key:
                return line
    return None


def shown_key(line, history: dict[str, list[float]]) -> str | None:
    """The history key whose values `line` draws, or None."""
    ys = _values(line.get_ydata())
    for key, values in history.items():
        wanted = np.asarray(values, dtype=np.float64)
        if ys is not None and ys.shape == wanted.shape and np.allclose(ys, wanted, rtol=1e-6, atol=1e-9):
            return key
    return None


def x_is_epochs(line, epochs: int) -> bool:
    """True when the line's x-values count the epochs, from 0 (pandas, plain ax.plot) or from 1."""
    xs = _values(line.get_xdata())
    if xs is None or xs.shape != (epochs,):
        return False
    return bool(np.allclose(xs, np.arange(epochs)) or np.allclose(xs, np.arange(1, epochs + 1)))


def legend_label(figure, ax, line) -> str | None:
    """The legend text shown for `line`, or None when no legend names it.

    A legend entry is matched to the line by its look (colour, line style, marker), which works
    whether the labels came from the lines themselves (`label=`, pandas) or from `ax.legend([...])`.
    """
    legends = [legend for legend in [ax.get_legend(), *figure.legends] if legend is not None]
    look = (str(line.get_color()), line.get_linestyle(), str(line.get_marker()))
    for legend in legends:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if handle is None or not hasattr(handle, "get_color"):
                continue
            handle_look = (str(handle.get_color()), handle.get_linestyle(), str(handle.get_marker()))
            if handle_look == look:
                return text.get_text()
    # Same-looking lines can't be told apart by look: fall back to the line's own label, if shown.
    label = line.get_label()
    shown = {text.get_text() for legend in legends for text in legend.get_texts()}
    return label if label in shown else None


def names_key(label: str, key: str) -> bool:
    """A legend text names a history key: the key itself, or any text that says 'val' exactly for validation."""
    text = label.strip().lower()
    if not text:
        return False
    if text == key:
        return True
    return ("val" in text) == key.startswith("val_")


def panel_text(ax) -> str:
    """The panel's title and y-axis label, lower-cased, for checking that they name the metric."""
    return f"{ax.get_title()} {ax.get_ylabel()}".lower()


def comes_first(first, second) -> bool:
    """True when panel `first` comes before `second` in reading order: left of it, or above it."""
    a, b = first.get_position(), second.get_position()
    side_by_side = min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5 * min(a.height, b.height)
    if side_by_side:
        return a.x0 < b.x0
    return a.y0 > b.y0
