"""What steps 7 and 8 look at: the kit's trained model, and the figures a learner draws.

The trained model is built once per process, however many suites or variant folders ask for it
(the kit's self-test runs every variant of a step in one pytest process), and `ModelState` puts
it back as it was after a learner's function has had it, so no test sees another test's damage.

`Prerequisites` lets a test skip ("not checked yet: first fix ...") while a check it builds on
fails, so that one mistake is reported by one test, not repeated by every test after it.

The figure helpers read a matplotlib `Figure` through public API only (`fig.axes`, `ax.texts`,
`ax.get_images()`, `ax.get_subplotspec()`, ...) and raise a `Mistake` that says, in the
tutorial's terms, what the figure lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable

import numpy as np

from mnistkit import reference
from mnistkit.checks.messages import Mistake, ulp_close

TEST_IMAGES = 1000
# Sanity floor for the kit's own model, far below the worst measured run of its training (0.839,
# mnistkit/kitmodel.py) and far above an untrained one (at most 0.14): if it fails, the kit is
# broken, not the learner's code.
MIN_TEST_ACCURACY = 0.75


@dataclass(frozen=True)
class TrainedModel:
    """The kit's trained model and what it makes of the first TEST_IMAGES test images."""

    model: Any
    x_test: np.ndarray  # (TEST_IMAGES, 28, 28, 1) float32, prepared as the network expects.
    y_test: np.ndarray  # (TEST_IMAGES,) uint8 labels, as MNIST gives them.
    probabilities: np.ndarray  # (TEST_IMAGES, 10) float64, model.predict(x_test).
    loss: float  # model.evaluate(x_test, y_test), in the compiled order: loss, then accuracy.
    accuracy: float


@cache
def trained_model():
    """The kit's compiled and trained CNN (mnistkit/kitmodel.py: its weights ship with the kit),
    built once per process (step 8 needs no more)."""
    from mnistkit import kitmodel

    return kitmodel.trained_model()


@cache
def trained() -> TrainedModel:
    """The kit's trained CNN with its predictions and score on the test images, once per process.

    Read-only by agreement: tests hand `model` to a learner's function inside `ModelState`,
    which puts its weights and compile settings back afterwards.
    """
    from mnistkit import memo
    from mnistkit.data import ARRAY_SHA256, load_mnist

    model = trained_model()
    _, (x_test, y_test) = load_mnist()
    x_test, y_test = reference.prepare(x_test[:TEST_IMAGES]), y_test[:TEST_IMAGES]

    def score() -> dict:
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        return {"loss": float(loss), "accuracy": float(accuracy),
                "probabilities": np.asarray(model.predict(x_test, verbose=0), dtype=np.float64)}

    # The same weights score the same: kept per machine with them (mnistkit/memo.py).
    scored = memo.remembered("scored", memo.model_digest(model, "trained", TEST_IMAGES, ARRAY_SHA256), score)
    loss, accuracy, probabilities = scored["loss"], scored["accuracy"], scored["probabilities"]
    if accuracy < MIN_TEST_ACCURACY:
        raise RuntimeError(f"the kit's own model reached only {accuracy:.3f} test accuracy "
                           f"(expected at least {MIN_TEST_ACCURACY}); the kit is broken, not your code")
    for array in (x_test, y_test, probabilities):
        array.flags.writeable = False  # Shared by every test of the process: nobody may change them.
    return TrainedModel(model, x_test, y_test, probabilities, float(loss), float(accuracy))


_built: dict[str, Any] = {}


def shared_model(key: str, build: Callable[[], Any]) -> Any:
    """`build()`'s model, built once per process under `key` and shared by every test that asks: for
    models the tests only hand to a learner's function to read (step 8's untrained CNNs), inside
    `ModelState`. Each costs some 0.05 s to build, and as much again to load on the learner's side,
    which keeps a model it is handed again between calls (mnistkit/engine/kerascodec.py). Not
    `models.built_once`, which builds the learner's model."""
    if key not in _built:
        _built[key] = build()
    return _built[key]


class ModelState:
    """A model's weights and compile settings, to tell whether a learner's function changed them
    and to put them back."""

    def __init__(self, model) -> None:
        self.weights = [np.array(w, copy=True) for w in model.get_weights()]
        self.compile_config = model.get_compile_config()

    def weights_changed(self, model) -> bool:
        now = model.get_weights()
        return len(now) != len(self.weights) or any(
            a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(now, self.weights)
        )

    def restore(self, model) -> None:
        if self.weights_changed(model):
            model.set_weights(self.weights)
        if model.get_compile_config() != self.compile_config:
            reference.compile_model(model)


# --- Checks that later tests build on ------------------------------------------------------------


class Prerequisites:
    """The outcomes of checks that later tests build on, each check run at most once per module.

    The test that owns a check calls `own(name, check)`, which raises the check's failure. A later
    test that only makes sense once that check passes calls `need(name, check, what, test)`: if the
    check failed, the later test is skipped ("not checked yet: first fix ..."), so that one mistake
    is reported once, by its own test, instead of again by every test after it. A skip never counts
    as a pass. A failure is remembered (the learner's code is not run again for it); a pass too.
    """

    def __init__(self) -> None:
        self._failures: dict[str, BaseException | None] = {}

    def _outcome(self, name: str, check) -> BaseException | None:
        if name not in self._failures:
            try:
                check()
                self._failures[name] = None
            except NotImplementedError:
                raise  # "Not started" is the plugin's to say, in every test.
            except Exception as error:  # noqa: BLE001  (a Mistake, or the learner's code failing)
                self._failures[name] = error
        return self._failures[name]

    def own(self, name: str, check) -> None:
        failure = self._outcome(name, check)
        if failure is not None:
            raise failure

    def need(self, name: str, check, what: str, test: str) -> None:
        import pytest

        if self._outcome(name, check) is not None:
            pytest.skip(f"not checked yet: first fix {what} ({test} says how)")


# --- Figures ------------------------------------------------------------------------------------


def as_figure(result: Any, called: str):
    """`result` if it is a matplotlib Figure, else a Mistake naming what came back instead."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(result, Figure):
        return result
    if result is None:
        raise Mistake(f"{called} returned None, expected a matplotlib Figure: did you forget the `return` statement? "
                      "`fig, ax = plt.subplots(...)` gives you the figure to return (or `plt.gcf()`)")
    if isinstance(result, Axes):
        raise Mistake(f"{called} returned an Axes, expected the Figure that holds it: "
                      "return `ax.figure` (sns.heatmap and plt.subplot return Axes, not the Figure)")
    if isinstance(result, np.ndarray) and result.dtype == object:
        raise Mistake(f"{called} returned an array of Axes, expected the Figure: "
                      "`fig, axs = plt.subplots(...)` gives both; return `fig`")
    if isinstance(result, tuple):
        raise Mistake(f"{called} returned a tuple of {len(result)} items, expected just the Figure: return `fig` alone")
    raise Mistake(f"{called} returned a {type(result).__name__}, expected a matplotlib Figure")


def pictures(ax) -> list:
    """The pictures drawn in `ax`: images (imshow, matshow) and colour meshes (sns.heatmap, pcolormesh)."""
    from matplotlib.collections import QuadMesh

    return list(ax.get_images()) + [c for c in ax.collections if isinstance(c, QuadMesh)]


def picture_array(picture) -> np.ndarray:
    """The values a picture shows, as a float array of its own shape (a channel axis of 1 squeezed)."""
    values = np.ma.getdata(picture.get_array())
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 3 and values.shape[-1] == 1:
        values = values[..., 0]
    return values


def looks_like(shown: np.ndarray, expected: np.ndarray) -> bool:
    """True when a picture's values draw `expected`: the same values (to float32 rounding), or the
    same values rescaled by a positive factor and shifted, e.g. normalised to 0..1 first. imshow and
    sns.heatmap stretch their colour scale from the smallest value to the largest, so both look the
    same on screen."""
    shown = np.asarray(shown, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if shown.shape != expected.shape or not np.all(np.isfinite(shown)):
        return False
    if ulp_close(shown, expected):
        return True
    span_shown, span_expected = np.ptp(shown), np.ptp(expected)
    if span_shown == 0 or span_expected == 0:
        return False
    # Both brought to 0..1 the way the colour scale does; 1e-5 is far above float32 rounding
    # (about 1e-7) and far below the difference between two kernels.
    return bool(np.allclose((shown - shown.min()) / span_shown, (expected - expected.min()) / span_expected,
                            rtol=0, atol=1e-5))


def titles(ax) -> list[str]:
    """The non-empty titles of an Axes (centre, left and right)."""
    return [ax.get_title(loc).strip() for loc in ("center", "left", "right") if ax.get_title(loc).strip()]


def figure_titles(fig) -> list[str]:
    """Every title of the figure: its suptitle and the titles of all its Axes."""
    found = [fig.get_suptitle().strip()] if fig.get_suptitle().strip() else []
    for ax in fig.axes:
        found += titles(ax)
    return found


def axes_are_off(ax) -> bool:
    """True after `ax.axis('off')` / `ax.set_axis_off()`, or when every axis line and spine is hidden."""
    if not ax.axison:
        return True
    return not ax.xaxis.get_visible() and not ax.yaxis.get_visible() and not any(
        spine.get_visible() for spine in ax.spines.values()
    )


_COUNT = re.compile(r"[+-]?\d+")


def read_count(text: str) -> int | None:
    """The whole number an annotation shows ('980', '1,135'), or None if it is not one."""
    cleaned = text.strip().replace(",", "").replace("\u2212", "-")
    return int(cleaned) if _COUNT.fullmatch(cleaned) else None


def _line_up(positions: list[float], tolerance: float = 1.0) -> list[int]:
    """The rank of each position among the distinct positions, treating positions closer than
    `tolerance` pixels as one (so texts of one column share a column number)."""
    order = sorted(range(len(positions)), key=positions.__getitem__)
    ranks = [0] * len(positions)
    rank = 0
    for previous, index in zip([None] + order, order):
        if previous is not None and positions[index] - positions[previous] > tolerance:
            rank += 1
        ranks[index] = rank
    return ranks


def _drawn_positions(ax, texts: list) -> list:
    """Where `texts` stand on the figure once drawn, in display coordinates. A draw settles limits
    and layout, so that positions are where the reader sees them; it costs about 50 ms for a 10x10
    heatmap, and a step's tests read the same heatmap more than once, so the positions are kept on
    the Axes for as long as it holds the same texts (the checks never change a figure)."""
    kept = getattr(ax, "_mnistkit_text_positions", None)
    if kept is not None and len(kept[0]) == len(texts) and all(a is b for a, b in zip(kept[0], texts)):
        return kept[1]
    ax.figure.draw_without_rendering()
    points = [t.get_transform().transform(t.get_position()) for t in texts]
    ax._mnistkit_text_positions = (tuple(texts), points)
    return points


def annotation_grid(ax, size: int, called: str) -> list[list[str]]:
    """The texts written in the cells of `ax`, as `size` rows (top to bottom) of `size` texts (left
    to right), read from where they are drawn on the figure, whatever drew them."""
    texts = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
    if not texts:
        raise Mistake(f"{called} drew a heatmap without numbers in its cells, expected every cell annotated "
                      "with its count: pass `annot=True` to sns.heatmap (or write each count with ax.text)")
    if len(texts) != size * size:
        raise Mistake(f"{called} wrote {len(texts)} numbers on the heatmap, expected {size * size} "
                      f"(one per cell of the {size}x{size} matrix, zeros included)")
    points = _drawn_positions(ax, texts)
    columns = _line_up([float(x) for x, _ in points])
    rows = _line_up([-float(y) for _, y in points])  # Display y grows upwards; rows are read downwards.
    if max(columns) + 1 != size or max(rows) + 1 != size:
        raise Mistake(f"{called} placed its {len(texts)} numbers in {max(rows) + 1} rows and {max(columns) + 1} columns, "
                      f"expected a {size}x{size} grid with one number in the middle of each cell")
    grid = [["" for _ in range(size)] for _ in range(size)]
    for text, row, column in zip(texts, rows, columns):
        grid[row][column] = text.get_text()
    return grid


def learner_line(error: BaseException) -> str:
    """'exercises/step8/kernels.py, line 12: ax.imshow(...)': where in the learner's file `error` was
    raised, for messages that explain an error instead of letting it through."""
    import traceback
    from pathlib import Path

    from mnistkit.learner import display_path

    found = ""
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if ("exercises" in path.parts or "solutions" in path.parts) and not path.name.startswith("test_"):
            found = f"{display_path(path)}, line {frame.lineno}: {(frame.line or '').strip()}"
    return found
