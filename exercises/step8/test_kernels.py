"""Checks for step 8: first_layer_kernels(model) and plot_kernels(kernels).

Run with `pytest exercises/step8` (or `--solutions` to check the reference solution).

The models your functions are given are the kit's own (mnistkit/kitmodel.py and
mnistkit/reference.py): the tutorial's CNN trained by the kit on a small seeded subset (its weights
ship with the kit), and a few untrained variants of it. Expected kernels are read from each model
with `get_weights()`.
"""

import re
import warnings

import numpy as np
import pytest

from mnistkit import reference
from mnistkit.checks.messages import Mistake, as_array, check, describe_array, type_first, ulp_close
from mnistkit.checks.figures import (
    ModelState,
    Prerequisites,
    as_figure,
    axes_are_off,
    learner_line,
    looks_like,
    picture_array,
    pictures,
    shared_model,
    titles,
    trained_model,
)

KERNEL_SHAPE = (3, 3, 1, 32)  # Height, width, input channels (grayscale: 1), kernels.
GRID = (4, 8)  # The tutorial's Figure 3: 4 rows of 8 subplots.
KERNELS = KERNEL_SHAPE[-1]

EXTRACT = "first_layer_kernels(model)"
PLOT = "plot_kernels(kernels)"


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so that none piles up in memory."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def first_conv_kernel(model) -> np.ndarray:
    """The kernel of the model's first Conv2D layer, read with get_weights()."""
    from keras import layers

    conv = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    return np.asarray(conv.get_weights()[0])


@pytest.fixture(scope="session")
def model():
    """The kit's trained CNN (the tutorial's Sequential-API model), loaded once per session."""
    return trained_model()


@pytest.fixture(scope="session")
def kit_kernels(model) -> np.ndarray:
    """The trained model's first-layer kernels, float32 of shape (3, 3, 1, 32)."""
    kernels = first_conv_kernel(model)
    kernels.flags.writeable = False
    return kernels


# --- first_layer_kernels -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_layer_kernels(step_function):
    return step_function("first_layer_kernels")


def kernels_of(result, called: str) -> np.ndarray:
    """first_layer_kernels' result as an array of shape (3, 3, 1, 32), or a Mistake naming what it is."""
    if isinstance(result, (list, tuple)) and len(result) == 2 and np.shape(result[0]) == KERNEL_SHAPE:
        raise Mistake(f"{called} returned a {type(result).__name__} of 2 arrays, expected the kernel alone: "
                      "a layer's get_weights() (and .weights) hold [kernel, bias]; take the first, [0]")
    kernels = as_array(result, called)
    if kernels.shape == KERNEL_SHAPE:
        return kernels
    shape = tuple(kernels.shape)
    if shape == (KERNELS,):
        hint = "that is the first layer's bias (weights[1]), one number per kernel; the kernel is weights[0]"
    elif shape == (3, 3, 32, 64):
        hint = "that is the kernel of the second Conv2D layer (64 kernels of 3x3x32); take the first Conv2D layer"
    elif shape == (64,):
        hint = "that is the second Conv2D layer's bias; take the kernel (weights[0]) of the first Conv2D layer"
    elif shape == (3, 3, KERNELS):
        hint = "keep the channel axis: the kernel as Keras stores it is (3, 3, 1, 32), without np.squeeze"
    elif sorted(shape) == sorted(KERNEL_SHAPE):
        hint = "keep Keras's order (height, width, input channels, kernels); don't transpose or reshape the kernel"
    elif shape == (0,):
        hint = "the layer you picked has no weights; take the first layer that is a Conv2D"
    else:
        hint = "return the first Conv2D layer's kernel, its weights[0], as it is"
    raise Mistake(f"{called} gave a {describe_array(kernels)}, expected shape {KERNEL_SHAPE} "
                  f"(3x3 pixels, 1 input channel, 32 kernels): {hint}")


def call_first_layer_kernels(first_layer_kernels, model, called: str):
    """first_layer_kernels(model), explaining the error of looking a layer up by a name that changes;
    the model is put back as it was afterwards (the same models serve every test)."""
    state = ModelState(model)
    try:
        return first_layer_kernels(model)
    except ValueError as error:
        if "No such layer" not in str(error):
            raise
        from keras import layers

        name = next(layer.name for layer in model.layers if isinstance(layer, layers.Conv2D))
        where = learner_line(error)
        raise Mistake(f"{called} raised ValueError: {str(error).split('.')[0]}" + (f" (at {where})" if where else "")
                      + f": layer names change every time a model is built (here the first Conv2D layer is named "
                      f"{name!r}); find the first layer by type, isinstance(layer, layers.Conv2D)") from None
    finally:
        state.restore(model)


def checked_kernels(first_layer_kernels, model, called: str) -> np.ndarray:
    """The kernels as an array of the right shape. A Variable or Tensor that numpy turns into the right
    array passes; when it is wrong, the message names its type first."""
    result = call_first_layer_kernels(first_layer_kernels, model, called)
    with type_first(result, called):
        return kernels_of(result, called)


def check_kernels(first_layer_kernels, model, called: str) -> None:
    expected = first_conv_kernel(model)  # Read first: a function that changes the kernel returns another.
    result = call_first_layer_kernels(first_layer_kernels, model, called)
    with type_first(result, called):
        kernels = kernels_of(result, called)
        if not ulp_close(kernels, expected):
            i = np.unravel_index(np.argmax(np.abs(kernels.astype(np.float64) - expected)), KERNEL_SHAPE)
            raise Mistake(f"{called} gave {float(kernels[i]):.6g} at {tuple(int(n) for n in i)}, expected "
                          f"{float(expected[i]):.6g}: return the first Conv2D layer's own kernel, "
                          "layer.get_weights()[0], unchanged")


@pytest.fixture(scope="module")
def prerequisites():
    """Checks later tests build on: a test whose premise failed is skipped, not failed again."""
    return Prerequisites()


def layered_model():
    """The tutorial's second model (keras.Input, separate ReLU layers), untrained: random kernels.
    Built once per session, as the other models below: the checks only read them."""
    return shared_model("step 8: layered model", lambda: reference.build_model(layered=True))


def input_shape_model():
    """The tutorial's CNN built the older way, with input_shape= on its first layer, untrained."""
    return shared_model("step 8: input_shape model", _input_shape_model)


def _input_shape_model():
    import keras
    from keras import layers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 3 prefers keras.Input, but the tutorial's way works.
        return keras.Sequential([
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])


def rescaling_model():
    """A CNN whose first layer is not a Conv2D, untrained."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Rescaling(1 / 255),  # Scales raw pixels inside the model; it has no weights.
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])


# Each check of first_layer_kernels, coarse to fine: (name, what a later test says to fix first,
# the test that reports it). A later check is skipped while an earlier one fails.
EXTRACT_CHECKS = [
    ("shape", "the shape of the kernels", "test_kernels_have_shape_3_3_1_32"),
    ("values", "the kernels of the trained model", "test_kernels_are_the_first_conv2d_layers_weights"),
    ("layered", "the kernels of the layer-by-layer model", "test_works_for_the_layer_by_layer_model"),
    ("input_shape", "the kernels of the model built with input_shape=", "test_works_for_a_model_built_with_input_shape"),
]


def extract_check(name: str, first_layer_kernels, model):
    """The check of EXTRACT_CHECKS called `name`, as a function of no arguments."""
    if name == "shape":
        return lambda: checked_kernels(first_layer_kernels, model, EXTRACT)
    if name == "values":
        return lambda: check_kernels(first_layer_kernels, model, EXTRACT)
    if name == "layered":
        return lambda: check_kernels(first_layer_kernels, layered_model(), "first_layer_kernels(<the layer-by-layer model>)")
    return lambda: check_kernels(first_layer_kernels, input_shape_model(), "first_layer_kernels(<a model built with input_shape=>)")


def run_extract_check(name: str | None, prerequisites, first_layer_kernels, model) -> None:
    """Skip unless every check of EXTRACT_CHECKS before `name` passes; then run (and own) check
    `name`. With None, all of them must pass and nothing more is run."""
    names = [n for n, _, _ in EXTRACT_CHECKS]
    for earlier, what, test in EXTRACT_CHECKS[: names.index(name) if name else len(names)]:
        prerequisites.need(earlier, extract_check(earlier, first_layer_kernels, model), what, test)
    if name:
        prerequisites.own(name, extract_check(name, first_layer_kernels, model))


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
    model = shared_model("step 8: rescaling model", rescaling_model)
    called = "first_layer_kernels(<a model whose layers are Rescaling, Conv2D, ...>)"
    # The Rescaling layer has no weights: code that reads model.layers[0]'s weights either fails
    # or returns nothing, and only then is model.layers[0] the thing to explain.
    explanation = ("here model.layers[0] is a Rescaling layer, not a Conv2D, and it has no weights: look for the "
                   "first layer that is a Conv2D (isinstance(layer, keras.layers.Conv2D)); in the tutorial's "
                   "models it happens to be model.layers[0]")
    try:
        result = call_first_layer_kernels(first_layer_kernels, model, called)
    except (NotImplementedError, Mistake):
        raise
    except Exception as error:  # noqa: BLE001  (the learner's code failed on this model: say why)
        where = learner_line(error)
        raise Mistake(f"{called} raised {type(error).__name__}: {error}"
                      + (f" (at {where})" if where else "") + f"; {explanation}") from None
    if result is None or (isinstance(result, (list, tuple)) and not result) or (isinstance(result, np.ndarray) and not result.size):
        raise Mistake(f"{called} returned {result!r}, expected the first Conv2D layer's kernel, shape {KERNEL_SHAPE}; "
                      f"{explanation}")
    check_kernels(lambda _: result, model, called)


# --- plot_kernels --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plot_kernels(step_function):
    return step_function("plot_kernels")


def draw(plot_kernels, kernels: np.ndarray):
    """plot_kernels(kernels), explaining the kernels' layout if the learner's code chokes on it."""
    try:
        return plot_kernels(np.array(kernels, copy=True))
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001  (an error about shapes deserves the shape explained)
        where = learner_line(error)
        channel = ("; kernels[..., i] still has the channel axis, shape (3, 3, 1), which imshow accepts but "
                   "sns.heatmap does not" if "(3, 3, 1)" in str(error) else "")
        raise Mistake(
            f"{PLOT} raised {type(error).__name__}: {error}" + (f" (at {where})" if where else "")
            + f". kernels has shape {KERNEL_SHAPE}: height, width, input channel, kernel; kernel i is "
            f"kernels[:, :, 0, i], a 3x3 image{channel}"
        ) from None


@pytest.fixture(scope="module")
def drawn(plot_kernels, kit_kernels):
    """What plot_kernels returned for the trained model's kernels, or the Mistake its error became
    (said once, by test_plot_kernels_returns_a_figure, instead of by every test)."""
    try:
        return draw(plot_kernels, kit_kernels)
    except Mistake as mistake:
        return mistake


def figure_of(drawn):
    if isinstance(drawn, Mistake):
        raise drawn
    return as_figure(drawn, PLOT)


def kernel_axes(fig) -> list:
    """The Axes of the figure that show a picture (one per kernel, if all is well)."""
    return [ax for ax in fig.axes if pictures(ax)]


def numbered_axes(fig) -> dict[int, object]:
    """{kernel number: its Axes}, read from titles like "Kernel 7"; a Mistake if they aren't 0..31."""
    found: dict[int, object] = {}
    for ax in kernel_axes(fig):
        for title in titles(ax):
            match = re.fullmatch(r"kernel\s*#?\s*(\d+)", title.strip(), flags=re.IGNORECASE)
            if match:
                found[int(match.group(1))] = ax
    numbers = sorted(found)
    if numbers == list(range(1, KERNELS + 1)):
        raise Mistake(f'{PLOT} titled the subplots "Kernel 1" to "Kernel {KERNELS}", expected "Kernel 0" to '
                      f'"Kernel {KERNELS - 1}": count from 0 like the kernels\' index, f"Kernel {{idx}}" with idx '
                      "from enumerate")
    if numbers != list(range(KERNELS)):
        shown = sorted({t for ax in kernel_axes(fig) for t in titles(ax)})
        raise Mistake(f'{PLOT} gave titles {shown[:6]}{"..." if len(shown) > 6 else ""}, expected "Kernel 0" to '
                      f'"Kernel {KERNELS - 1}", one per subplot: ax.set_title(f"Kernel {{idx}}")')
    return found


def check_images(fig) -> None:
    axes = kernel_axes(fig)
    check(len(axes) == KERNELS and all(len(pictures(ax)) == 1 for ax in axes), PLOT,
          f"{KERNELS} subplots with one image each", f"{len(axes)} subplots with images",
          "one subplot per kernel, each showing it with ax.imshow(kernels[:, :, 0, i])")


def check_grid(fig) -> None:
    """The kernel images sit in the cells of one 4x8 grid of subplots, one image per cell."""
    specs = [ax.get_subplotspec() for ax in kernel_axes(fig)]
    check(bool(specs) and all(spec is not None for spec in specs), PLOT, "subplots in a 4x8 grid",
          "images placed outside a subplot grid", "make the grid with plt.subplots(4, 8)")
    grids = {spec.get_gridspec().get_geometry() for spec in specs}
    shown = " and ".join(f"{rows} rows of {columns}" for rows, columns in sorted(grids))
    check(grids == {GRID}, PLOT, "4 rows of 8 subplots", shown,
          "plt.subplots(4, 8): rows first, then columns" if grids == {GRID[::-1]} else "plt.subplots(4, 8)")
    cells = {(spec.rowspan.start, spec.colspan.start) for spec in specs}
    check(len(cells) == len(specs), PLOT, "each kernel in a subplot of its own", "several images in one cell")


# The checks of plot_kernels that others build on: name -> (the check of a figure, what a later
# test says to fix first, the test that reports it).
PLOT_CHECKS = {
    "images": (check_images, "the number of images", "test_figure_shows_one_image_per_kernel"),
    "grid": (check_grid, "the grid of subplots", "test_kernels_are_laid_out_in_4_rows_of_8"),
    "titles": (numbered_axes, "the subplot titles", "test_each_subplot_is_titled_kernel_and_its_number"),
}


def figure_needing(prerequisites, drawn, *names: str):
    """The figure plot_kernels drew; skips the test unless it is a Figure that passes the named checks."""
    what = "the error plot_kernels raises" if isinstance(drawn, Mistake) else "what plot_kernels returns"
    prerequisites.need("figure", lambda: figure_of(drawn), what, "test_plot_kernels_returns_a_figure")
    fig = figure_of(drawn)
    for name in names:
        check_figure, what, test = PLOT_CHECKS[name]
        prerequisites.need(name, lambda: check_figure(fig), what, test)
    return fig


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
    fig = figure_needing(prerequisites, drawn, "images")
    on = [ax for ax in kernel_axes(fig) if not axes_are_off(ax)]
    check(not on, PLOT, "every subplot's axes switched off", f"{len(on)} of {len(kernel_axes(fig))} subplots with their axes showing",
          "call ax.axis('off') for each subplot: ticks and frames mean nothing on a 3x3 kernel")


def test_each_image_shows_the_kernel_named_in_its_title(drawn, kit_kernels, prerequisites):
    fig = figure_needing(prerequisites, drawn, "images", "titles")
    for number, ax in sorted(numbered_axes(fig).items()):
        shown = picture_array(pictures(ax)[0])
        expected = kit_kernels[:, :, 0, number]
        # An image rescaled first (to 0..1, say) looks the same: imshow stretches its colours anyway.
        if looks_like(shown, expected):
            continue
        if looks_like(shown, expected.T):
            raise Mistake(f'{PLOT} drew "Kernel {number}" transposed, expected kernels[:, :, 0, {number}] as it is '
                          "(rows are the kernel's height): drop the .T or transpose")
        others = [i for i in range(KERNELS) if looks_like(shown, kit_kernels[:, :, 0, i])]
        if others:
            raise Mistake(f'{PLOT} drew kernel {others[0]} in the subplot titled "Kernel {number}", expected kernel '
                          f"{number}, kernels[:, :, 0, {number}]: use the same index for the title and the image")
        size = f"{shown.shape[0]}x{shown.shape[1] if shown.ndim > 1 else 1}"
        raise Mistake(f'{PLOT} drew a {size} image that is no kernel in the subplot titled "Kernel {number}", '
                      f"expected kernel {number}: draw kernels[:, :, 0, {number}] as it is, a 3x3 image of its weights")


def test_kernels_fill_the_grid_row_by_row(drawn, prerequisites):
    fig = figure_needing(prerequisites, drawn, "images", "grid", "titles")
    for number, ax in sorted(numbered_axes(fig).items()):
        spec = ax.get_subplotspec()
        where = (spec.rowspan.start, spec.colspan.start)
        expected = divmod(number, GRID[1])
        check(where == expected, PLOT, f'"Kernel {number}" in row {expected[0]}, column {expected[1]} (counting from 0)',
              f'"Kernel {number}" in row {where[0]}, column {where[1]}',
              "fill the grid row by row, Kernel 0 to 7 on the first row: np.ravel(axs) lists the subplots in that order")
