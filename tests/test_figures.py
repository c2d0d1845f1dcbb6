"""Figures cross from the learner's side as descriptions (mnistkit/engine/figures.py). Before one is
described, it is settled as a draw would settle it; the shortcut taken when no layout engine or
axes locator is at work must give exactly what a full draw gives."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnistkit.engine import figures  # noqa: E402
from mnistkit.engine.codec import Encoder  # noqa: E402


def kernels_grid():
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for index, ax in enumerate(axs.flat):
        ax.set_title(f"Kernel {index}")
        ax.imshow(np.random.default_rng(index).random((3, 3)), cmap="binary")
        ax.axis("off")
    fig.tight_layout()
    return fig


def kernels_grid_untidy():
    fig, axs = plt.subplots(2, 3)
    for ax in axs.flat:
        ax.imshow(np.eye(3))
    return fig


def history_panels():
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    left.plot([0.5, 0.3, 0.2], label="loss")
    left.plot([0.4, 0.3, 0.25], label="val_loss")
    left.legend()
    right.plot([0.8, 0.9, 0.95], label="accuracy")
    right.set_aspect("equal", adjustable="datalim")
    return fig


def constrained_stack():
    fig, axs = plt.subplots(2, 1, layout="constrained")
    axs[0].imshow(np.eye(4))
    axs[1].plot([1, 2, 3])
    axs[1].set_title("Loss")
    return fig


def heatmap_with_colorbar():
    fig, ax = plt.subplots()
    mesh = ax.pcolormesh(np.arange(100).reshape(10, 10))
    fig.colorbar(mesh, ax=ax)
    ax.set_aspect("equal")
    return fig


@pytest.mark.parametrize("make", [kernels_grid, kernels_grid_untidy, history_panels, constrained_stack, heatmap_with_colorbar])
def test_a_settled_figure_is_described_as_a_drawn_one(make, monkeypatch):
    try:
        settled = Encoder().bundle(make()).tree
        monkeypatch.setattr(figures, "settle", lambda fig: fig.draw_without_rendering())
        drawn = Encoder().bundle(make()).tree
    finally:
        plt.close("all")
    assert settled == drawn
