"""Step 2's diagnostics: add_channel_axis(images) called, and what its result says of the mistake.

Each call that meets a mistake says it through `said`, the test file's FirstProblem: the first test
that meets it fails with its message, and later ones skip. Numpy only: step 2's suite never
imports TensorFlow.
"""

import numpy as np

from mnistkit.checks.messages import FirstProblem, Mistake, check, describe_array, type_first

CALL = "add_channel_axis(images)"


def shape_hint(given: tuple[int, ...], got: tuple[int, ...]) -> str:
    """The likely mistake behind a result of shape `got` for images of shape `given` (N, H, W)."""
    n, h, w = given
    if n == 1 and got == (1, 1, h, w):
        # One image: axis=0 (in front of the samples) and axis=1 (channels first) give the same shape.
        return ("the new axis is not last: with one image, this is the shape that axis=0 (in front of the samples) "
                "and axis=1 (channels first) both give; channels go last, so add the axis at the end (axis=-1)")
    if got == (n, 1, h, w):
        return "channels go last: Conv2D reads (samples, height, width, channels), so add the axis at the end (axis=-1)"
    if got == (1, n, h, w):
        return "axis=0 puts the new axis in front of the samples; channels go last (axis=-1)"
    if got == given:
        return "the shape is unchanged: add an axis of length 1 at the end, e.g. np.expand_dims(images, -1)"
    if n == 1 and got in ((h, w), (h, w, 1)):
        return ("the sample axis is gone: squeeze() drops every axis of length 1, and a batch of one image has one; "
                "only add an axis, don't squeeze")
    if got == (n, w, h, 1):
        return "height and width are swapped: keep the input's order, (N, H, W) -> (N, H, W, 1)"
    if len(got) == 4 and got[1:3] == (28, 28):
        return "don't hard-code 28 x 28: take the height and width from images.shape (or use np.expand_dims)"
    return "add one axis of length 1 at the end and keep the other axes as they are"


def returned(said: FirstProblem, add_channel_axis, images: np.ndarray, called: str = CALL) -> np.ndarray:
    """Call the learner's function on a copy of `images`; return the result once it is one array."""
    result = call(said, add_channel_axis, images.copy(), called)
    if result is None:
        said.fail("the missing `return`",
                  f"{called} returned None, expected an array: did you forget the `return` statement?")
    if isinstance(result, (list, tuple)):
        said.fail(
            f"the {type(result).__name__} returned",
            f"{called} returned a Python {type(result).__name__}, expected a numpy array of shape {images.shape + (1,)}: "
            "Keras reads a list as several separate inputs; return one array (np.expand_dims(images, -1))",
        )
    array = np.asarray(result)
    if not isinstance(result, np.ndarray):
        # Something numpy turns into the right array (a tf Tensor, say) passes; if it is not right,
        # one failure names its type first, since the type explains the shape or dtype.
        try:
            with type_first(result, called):
                check(array.shape == images.shape + (1,), called, f"shape {images.shape + (1,)}", describe_array(array))
                check(array.dtype == images.dtype, called, f"a {images.dtype} array (the input's dtype)",
                      describe_array(array))
        except Mistake as mistake:
            said.fail(f"the {type(result).__name__} returned", str(mistake))
    return array


def call(said: FirstProblem, add_channel_axis, images: np.ndarray, called: str = CALL):
    """What add_channel_axis returns for `images`; an exception it raises fails the first test only."""
    try:
        return add_channel_axis(images)
    except ValueError as error:
        if "reshape" not in str(error):
            said.reraise("the ValueError add_channel_axis() raised", error)
        said.fail(
            "the hard-coded shape",
            f"{called} raised ValueError: {error}; expected an array of shape {images.shape + (1,)}: "
            f"don't hard-code the shape (these images are {images.shape}); np.expand_dims(images, -1) works for any N, H, W",
        )
    except Exception as error:  # noqa: BLE001  (the plugin shows the line of the learner's file that raised it)
        said.reraise(f"the {type(error).__name__} add_channel_axis() raised", error)


def with_channel(said: FirstProblem, add_channel_axis, images: np.ndarray, called: str = CALL) -> np.ndarray:
    """The learner's result for `images`, once it is one array of shape (N, H, W, 1)."""
    result = returned(said, add_channel_axis, images, called)
    expected = images.shape + (1,)
    if result.shape != expected:
        said.fail("the shape of the result",
                  f"{called} gave shape {result.shape}, expected shape {expected}: "
                  + shape_hint(images.shape, result.shape))
    return result


def check_same_values(said: FirstProblem, result: np.ndarray, given: np.ndarray, called: str = CALL) -> None:
    """The pixels of `result` (N, H, W, 1) must be those of `given` (N, H, W), each in its place."""
    got, want = result[..., 0].astype(np.float64), given.astype(np.float64)
    tolerance = 0.0 if given.dtype.kind in "iu" else 4 * np.spacing(np.abs(given).astype(np.float32)).astype(np.float64)
    wrong = np.abs(got - want) > tolerance
    if not wrong.any():
        return
    image, row, column = (int(i) for i in np.argwhere(wrong)[0])
    if np.allclose(got, want / 255, rtol=1e-5, atol=1e-7):
        hint = "step 2 only adds the axis; scaling was step 1"
        if given.dtype.kind == "f":
            hint = "these images were already scaled by step 1: " + hint
    else:
        hint = "only add the axis: every pixel keeps its value and its place (no transposing, no reordering)"
    said.fail(
        "the pixel values",
        f"{called} gave {got[image, row, column]:g} for the pixel of image {image}, row {row}, column {column}, "
        f"expected {want[image, row, column]:g} (the input's pixel there): {hint}",
    )
