"""Checks for step 8: first_layer_kernels(model) and plot_kernels(kernels).

Run with `pytest exercises/step8` (or `--solutions` to check the reference solution).

The models your functions are given are the kit's own (mnistkit/kitmodel.py and
mnistkit/reference.py): the tutorial's CNN trained by the kit on a small seeded subset (its weights
ship with the kit), and a few untrained variants of it. Expected kernels are read from each model
with `get_weights()` (the checks and their messages: mnistkit/checks/kernels.py and
mnistkit/checks/kernel_plots.py).

A test whose premise another test checks (that the kernels have the right shape, say) is skipped
("not checked yet") while that one fails, so a mistake counts once, as the failure that names it.
"""

import pytest

from mnistkit.checks.figures import Prerequisites, trained_model
from mnistkit.checks.kernel_plots import (
    check_axes_off,
    check_grid,
    check_images,
    check_kernel_images,
    check_row_by_row,
    draw,
    figure_needing,
    figure_of,
    numbered_axes,
)
from mnistkit.checks.kernels import check_first_conv2d_found_after_another_layer, first_conv_kernel, run_extract_check
from mnistkit.checks.messages import Mistake


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that none piles up in memory."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def model():
    """The kit's trained CNN (the tutorial's Sequential-API model), loaded once per session."""
    return trained_model()


@pytest.fixture(scope="session")
def kit_kernels(model):
    """The trained model's first-layer kernels, float32 of shape (3, 3, 1, 32)."""
    kernels = first_conv_kernel(model)
    kernels.flags.writeable = False
    return kernels


@pytest.fixture(scope="module")
def prerequisites():
    """Checks later tests build on: a test whose premise failed is skipped, not failed again."""
    return Prerequisites()


# --- first_layer_kernels -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_layer_kernels(step_function):
    return step_function("first_layer_kernels")


def test_kernels_have_shape_3_3_1_32(first_layer_kernels, model, prerequisites):
    run_extract_check("shape", prerequisites, first_layer_kernels, model)


def test_kernels_are_the_first_conv2d_layers_weights(first_layer_kernels, model, prerequisites):
    run_extract_check("values", prerequisites, first_layer_kernels, model)


def test_works_for_the_layer_by_layer_model(first_layer_kernels, model, prerequisites):
    run_extract_check("layered", prerequisites, first_layer_kernels, model)


def test_works_for_a_model_built_with_input_shape(first_layer_kernels, model, prerequisites):
    run_extract_check("input_shape", prerequisites, first_layer_kernels, model)


def test_finds_the_first_conv2d_layer_when_another_layer_comes_first(first_layer_kernels, model, prerequisites):
    run_extract_check(None, prerequisites, first_layer_kernels, model)
    check_first_conv2d_found_after_another_layer(first_layer_kernels)


# --- plot_kernels --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plot_kernels(step_function):
    return step_function("plot_kernels")


@pytest.fixture(scope="module")
def drawn(plot_kernels, kit_kernels):
    """What plot_kernels returned for the trained model's kernels, or the Mistake its error became
    (said once, by test_plot_kernels_returns_a_figure, instead of by every test)."""
    try:
        return draw(plot_kernels, kit_kernels)
    except Mistake as mistake:
        return mistake


def test_plot_kernels_returns_a_figure(drawn, prerequisites):
    prerequisites.own("figure", lambda: figure_of(drawn))


def test_figure_shows_one_image_per_kernel(drawn, prerequisites):
    fig = figure_needing(prerequisites, drawn)
    prerequisites.own("images", lambda: check_images(fig))


def test_kernels_are_laid_out_in_4_rows_of_8(drawn, prerequisites):
    fig = figure_needing(prerequisites, drawn, "images")
    prerequisites.own("grid", lambda: check_grid(fig))


def test_each_subplot_is_titled_kernel_and_its_number(drawn, prerequisites):
    fig = figure_needing(prerequisites, drawn, "images")
    prerequisites.own("titles", lambda: numbered_axes(fig))


def test_axes_are_switched_off(drawn, prerequisites):
    check_axes_off(figure_needing(prerequisites, drawn, "images"))


def test_each_image_shows_the_kernel_named_in_its_title(drawn, kit_kernels, prerequisites):
    check_kernel_images(figure_needing(prerequisites, drawn, "images", "titles"), kit_kernels)


def test_kernels_fill_the_grid_row_by_row(drawn, prerequisites):
    check_row_by_row(figure_needing(prerequisites, drawn, "images", "grid", "titles"))
