"""Step 6's held-out checks (see mnistkit/checks/heldout.py): train_model on other data with other
settings, watched through the kit's tiny recording model as the visible suite watches it, and
plot_history on another history.
"""

from __future__ import annotations

import numpy as np

from mnistkit.checks.heldout import FunctionOf, call, differs, other_than
from mnistkit.checks.history_plot import ACCURACY_KEYS, LOSS_KEYS, find_curve, history_with, panels_of, x_is_epochs
from mnistkit.checks.training import (
    BATCH_SIZE, CALLS, DATA, EPOCHS, VALIDATION_SPLIT, Request, check_arguments, guard_for, quick_model, the_fit_call,
)
from mnistkit.mistakes import KeyedMistake

# What a fit() call's problem (checks.training's names for them) is, in a held-out failure.
KINDS = {CALLS: "its calls of model.fit()", DATA: "the images and labels it gives model.fit()",
         EPOCHS: "the epochs it trains", BATCH_SIZE: "the batch size it gives model.fit()",
         VALIDATION_SPLIT: "the validation split it gives model.fit()"}
HINT = "Pass train_model's own arguments on to model.fit(...), whatever their values"

# The settings the visible suite asks for: (batch_size, epochs, validation_split).
VISIBLE_SETTINGS = ((64, 2, 0.2), (250, 3, 0.0), (128, 10, 0.1), (32, 1, 0.1))


def training(function_of: FunctionOf, rng: np.random.Generator) -> None:
    trains(function_of, rng)
    plots(function_of, rng)


def trains(function_of: FunctionOf, rng: np.random.Generator) -> None:
    """train_model(model, <40-160 images>, ..., other batch_size, epochs and validation_split) on a
    tiny recording model whose guard refuses, before training, a fit() call with other arguments."""
    count = int(rng.integers(40, 161))
    batch_size, epochs, split = other_than(
        lambda: (int(rng.integers(8, 49)), int(rng.integers(1, 4)), float(rng.choice([0.0, *np.round(rng.uniform(0.1, 0.4, 3), 2)]))),
        VISIBLE_SETTINGS)
    x = rng.random((count, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, size=count).astype(np.uint8)
    request = Request(x, y, batch_size, epochs, split)
    model = quick_model(guard=guard_for(request))
    try:
        result = call(function_of("train_model"), model, x.copy(), y.copy(), batch_size=batch_size, epochs=epochs,
                      validation_split=split)
        fit = the_fit_call(model, request)
        check_arguments(fit, request)
    except KeyedMistake as problem:  # Its message names the inputs: only its kind is said.
        raise differs("train_model", KINDS.get(problem.problem, "its call of model.fit()"), HINT) from None
    if result is not fit.history:
        raise differs("train_model", "what it returns (not the History its model.fit() call returned)")
    if len(fit.history.epoch) != epochs:
        raise differs("train_model", "the epochs it trains", HINT)


def other_history(rng: np.random.Generator) -> dict[str, list[float]]:
    """A made-up training log of 2 to 15 epochs (never the visible 10 or 4): falling losses, rising accuracies."""
    epochs = other_than(lambda: int(rng.integers(2, 16)), (10, 4))
    values = {}
    for key in ("accuracy", "loss", "val_accuracy", "val_loss"):
        steps = np.sort(rng.uniform(0.01, 0.9, epochs))
        values[key] = [round(float(v), 4) for v in (steps[::-1] * 2 if "loss" in key else steps)]
    return values


def plots(function_of: FunctionOf, rng: np.random.Generator) -> None:
    """plot_history on another history: each curve shows its values, one point per epoch, loss and
    val_loss in one panel, accuracy and val_accuracy in another."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    values = other_history(rng)
    try:
        figure = call(function_of("plot_history"), history_with(values))
        if not isinstance(figure, Figure):
            raise differs("plot_history", "what it returns (not a Figure)")
        panels = panels_of(figure)
        where = {}
        for key in (*LOSS_KEYS, *ACCURACY_KEYS):
            found = find_curve(panels, key, values[key])
            if found is None and key in ACCURACY_KEYS:
                found = find_curve(panels, key, values[key], scale=100, percent=True)
            if found is None:
                raise differs("plot_history", f"the values of the curves it draws (no curve shows history['{key}'])",
                              "Draw the history it is given")
            if not x_is_epochs(found.line, len(values[key])):
                raise differs("plot_history", "the epochs along the x-axis", "Draw one point per epoch of the history given")
            where[key] = found.panel
        if where["loss"] != where["val_loss"] or where["accuracy"] != where["val_accuracy"] or where["loss"] == where["accuracy"]:
            raise differs("plot_history", "the panels its curves are in")
    finally:
        plt.close("all")
