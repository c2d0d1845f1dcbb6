"""What step 8's suite makes of plot_kernels' figure, and how it says what is wrong.

plot_kernels(kernels) must draw the tutorial's Figure 3: 32 subplots in 4 rows of 8, filled row
by row, each titled "Kernel i" with its axes switched off and showing kernel i,
`kernels[:, :, 0, i]`, as a 3x3 image. The figure is read through public matplotlib API
(`mnistkit.checks.figures`); `numbered_axes` finds each kernel's subplot by its title, and
`PLOT_CHECKS` are the checks later tests build on.
"""

from __future__ import annotations

import re

import numpy as np

from mnistkit.checks.figures import as_figure, axes_are_off, learner_line, looks_like, picture_array, pictures, titles
from mnistkit.checks.kernels import KERNEL_SHAPE, KERNELS
from mnistkit.checks.messages import Mistake, check

GRID = (4, 8)  # The tutorial's Figure 3: 4 rows of 8 subplots.

PLOT = "plot_kernels(kernels)"


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


def figure_of(drawn):
    """The Figure plot_kernels returned; the Mistake its error became, raised; or a Mistake naming
    what it returned instead."""
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


def check_axes_off(fig) -> None:
    """Every kernel's subplot has its axes switched off."""
    on = [ax for ax in kernel_axes(fig) if not axes_are_off(ax)]
    check(not on, PLOT, "every subplot's axes switched off", f"{len(on)} of {len(kernel_axes(fig))} subplots with their axes showing",
          "call ax.axis('off') for each subplot: ticks and frames mean nothing on a 3x3 kernel")


def check_kernel_images(fig, kernels: np.ndarray) -> None:
    """The subplot titled "Kernel i" shows kernels[:, :, 0, i], as it is (or rescaled)."""
    for number, ax in sorted(numbered_axes(fig).items()):
        shown = picture_array(pictures(ax)[0])
        expected = kernels[:, :, 0, number]
        # An image rescaled first (to 0..1, say) looks the same: imshow stretches its colours anyway.
        if looks_like(shown, expected):
            continue
        if looks_like(shown, expected.T):
            raise Mistake(f'{PLOT} drew "Kernel {number}" transposed, expected kernels[:, :, 0, {number}] as it is '
                          "(rows are the kernel's height): drop the .T or transpose")
        others = [i for i in range(KERNELS) if looks_like(shown, kernels[:, :, 0, i])]
        if others:
            raise Mistake(f'{PLOT} drew kernel {others[0]} in the subplot titled "Kernel {number}", expected kernel '
                          f"{number}, kernels[:, :, 0, {number}]: use the same index for the title and the image")
        size = f"{shown.shape[0]}x{shown.shape[1] if shown.ndim > 1 else 1}"
        raise Mistake(f'{PLOT} drew a {size} image that is no kernel in the subplot titled "Kernel {number}", '
                      f"expected kernel {number}: draw kernels[:, :, 0, {number}] as it is, a 3x3 image of its weights")


def check_row_by_row(fig) -> None:
    """"Kernel i" sits in row i // 8, column i % 8 of the grid."""
    for number, ax in sorted(numbered_axes(fig).items()):
        spec = ax.get_subplotspec()
        where = (spec.rowspan.start, spec.colspan.start)
        expected = divmod(number, GRID[1])
        check(where == expected, PLOT, f'"Kernel {number}" in row {expected[0]}, column {expected[1]} (counting from 0)',
              f'"Kernel {number}" in row {where[0]}, column {where[1]}',
              "fill the grid row by row, Kernel 0 to 7 on the first row: np.ravel(axs) lists the subplots in that order")
