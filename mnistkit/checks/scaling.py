"""Step 1's diagnostics: scale_pixels(images) called, and what its result says of the mistake.

Each call that meets a mistake says it through `said`, the test file's FirstProblem: the first test
that meets it fails with its message, and later ones skip.
"""

import numpy as np

from mnistkit.checks.figures import learner_line
from mnistkit.checks.messages import FirstProblem, Mistake, as_array, check, describe_array, type_first, ulp_close

CALL = "scale_pixels(images)"


def call(said: FirstProblem, scale_pixels, images: np.ndarray):
    """What scale_pixels returns for `images`; an exception it raises fails the first test only."""
    try:
        return scale_pixels(images)
    except TypeError as error:
        # numpy's UFuncTypeError: `images /= 255` (or np.divide(..., out=images)) can't put the
        # fractions back into a uint8 array.
        if "Cannot cast ufunc" not in str(error) or "output" not in str(error):
            said.reraise(f"the {type(error).__name__} scale_pixels() raised", error)
        where = learner_line(error)
        said.fail("the in-place division", (
            f"{CALL} raised numpy's {type(error).__name__} ({error})" + (f" at {where}" if where else "")
            + ", expected a new float32 array: in-place division of a uint8 array (`images /= 255`) can't store "
            "the fractions, and must not change the input anyway; return `images.astype('float32') / 255`"))
    except Exception as error:  # noqa: BLE001  (the plugin shows the line of the learner's file that raised it)
        said.reraise(f"the {type(error).__name__} scale_pixels() raised", error)


def scaled(said: FirstProblem, scale_pixels, images: np.ndarray, called: str = CALL) -> np.ndarray:
    """The learner's result for a copy of `images`, once it is an array.

    Something else numpy turns into the right array (a list of float32 rows, say) passes; if it is
    not right, one failure names its type first, since the type explains the dtype."""
    result = call(said, scale_pixels, images.copy())
    if result is None:
        said.fail("the missing `return`",
                  f"{called} returned None, expected an array: did you forget the `return` statement?")
    array = as_array(result, called)
    if not isinstance(result, np.ndarray):
        try:
            with type_first(result, called):
                check(array.dtype == np.float32, called, "a float32 array", describe_array(array))
                check(array.shape == images.shape, called, f"shape {images.shape}", describe_array(array))
                check_pixel_values(array, images, called)
        except Mistake as mistake:
            said.fail(f"the {type(result).__name__} returned", str(mistake))
    return array


def value_hint(result: np.ndarray, pixels: np.ndarray) -> str:
    """The likely mistake behind scaled values that are not `pixels / 255`."""
    got, given = result.astype(np.float64), pixels.astype(np.float64)
    if result.dtype.kind in "iu":
        return "cast with `.astype('float32')` before dividing: integer division rounds every pixel down"
    if result.dtype == np.float16:
        return "float16 keeps only about 3 digits of each pixel; use 'float32', as the tutorial does"
    if np.allclose(got, given / 256, rtol=1e-3, atol=1e-6):
        return "divide by 255, not 256 (the largest pixel value is 255)"
    if np.allclose(got, given, rtol=1e-6):
        return "the pixels were not divided: divide every pixel by 255"
    top = given.max()
    if 0 < top < 255 and np.allclose(got, given / top, rtol=1e-3, atol=1e-6):
        return (f"divide by 255, not by images.max() (here {top:g}): 255 is the largest possible pixel value, "
                "whatever the images hold")
    return "every pixel must be divided by 255"


def check_pixel_values(result: np.ndarray, pixels: np.ndarray, called: str) -> None:
    """`result` must hold `pixels / 255` in float32, to within a few ulps; else name the worst pixel."""
    expected = pixels.astype(np.float32) / np.float32(255)
    if ulp_close(result, expected):
        return
    where = np.unravel_index(np.argmax(np.abs(result.astype(np.float64) - expected)), pixels.shape)
    value = f"{float(result[where]):.6g}"
    if result.dtype.kind != "f" or result.dtype == np.float16:
        value += f" ({result.dtype})"  # The dtype is the mistake there: say it beside the value.
    raise Mistake(
        f"{called} gave {value} for a pixel of value {int(pixels[where])}, "
        f"expected {float(expected[where]):.6g} ({int(pixels[where])} / 255): {value_hint(result, pixels)}"
    )
