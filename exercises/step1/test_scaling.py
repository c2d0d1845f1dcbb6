"""Checks for step 1, scale_pixels(images): float32, divided by 255, same shape, input untouched.

Run with `pytest exercises/step1` (or `--solutions` to check the reference solution).
"""

import numpy as np
import pytest

from mnistkit.checks.messages import FirstProblem, Mistake, as_array, check, describe_array, type_first, ulp_close
from mnistkit.checks.figures import learner_line

CALL = "scale_pixels(images)"


@pytest.fixture(scope="module")
def scale_pixels(step_function):
    return step_function("scale_pixels")


@pytest.fixture(scope="module")
def images():
    """100 MNIST-sized uint8 images holding every pixel value 0..255, seeded.

    Made here rather than loaded: the checks need every value, not real digits, and loading
    MNIST would cost a third of the suite's second. 100 images hold each value about 300 times;
    each call carries them to the learner's code and back, so more would only cost time."""
    pixels = np.random.default_rng(1).integers(0, 256, size=(100, 28, 28), dtype=np.uint8)
    pixels[0, 0, :2] = (0, 255)
    assert len(np.unique(pixels)) == 256
    return pixels


SAID = FirstProblem()  # A mistake that several tests meet fails the first of them; the others skip.


def call(scale_pixels, images: np.ndarray):
    """What scale_pixels returns for `images`; an exception it raises fails the first test only."""
    try:
        return scale_pixels(images)
    except TypeError as error:
        # numpy's UFuncTypeError: `images /= 255` (or np.divide(..., out=images)) can't put the
        # fractions back into a uint8 array.
        if "Cannot cast ufunc" not in str(error) or "output" not in str(error):
            SAID.reraise(f"the {type(error).__name__} scale_pixels() raised", error)
        where = learner_line(error)
        SAID.fail("the in-place division", (
            f"{CALL} raised numpy's {type(error).__name__} ({error})" + (f" at {where}" if where else "")
            + ", expected a new float32 array: in-place division of a uint8 array (`images /= 255`) can't store "
            "the fractions, and must not change the input anyway; return `images.astype('float32') / 255`"))
    except Exception as error:  # noqa: BLE001  (the plugin shows the line of the learner's file that raised it)
        SAID.reraise(f"the {type(error).__name__} scale_pixels() raised", error)


def scaled(scale_pixels, images: np.ndarray, called: str = CALL) -> np.ndarray:
    """The learner's result for a copy of `images`, once it is an array.

    Something else numpy turns into the right array (a list of float32 rows, say) passes; if it is
    not right, one failure names its type first, since the type explains the dtype."""
    result = call(scale_pixels, images.copy())
    if result is None:
        SAID.fail("the missing `return`",
                  f"{called} returned None, expected an array: did you forget the `return` statement?")
    array = as_array(result, called)
    if not isinstance(result, np.ndarray):
        try:
            with type_first(result, called):
                check(array.dtype == np.float32, called, "a float32 array", describe_array(array))
                check(array.shape == images.shape, called, f"shape {images.shape}", describe_array(array))
                check_pixel_values(array, images, called)
        except Mistake as mistake:
            SAID.fail(f"the {type(result).__name__} returned", str(mistake))
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


def test_scaled_pixels_are_float32(scale_pixels, images):
    result = scaled(scale_pixels, images)
    if result.dtype == np.float64:
        raise Mistake(f"{CALL} returned float64 pixels, expected float32: did you forget `.astype('float32')`?")
    if result.dtype.kind in "iu":
        hint = "cast with `.astype('float32')` before dividing"
    elif result.dtype.kind == "f":
        hint = "use 'float32', as the tutorial does"
    else:
        hint = None
    check(result.dtype == np.float32, CALL, "a float32 array", describe_array(result), hint)


def test_scaled_images_keep_their_shape(scale_pixels, images):
    result = scaled(scale_pixels, images)
    check(result.shape == images.shape, CALL, f"shape {images.shape} (the same as the input)", f"shape {result.shape}",
          "scaling changes the values only; reshaping and the channel axis come later (step 2)")


def test_scaled_pixels_lie_between_zero_and_one(scale_pixels, images):
    result = scaled(scale_pixels, images).astype(np.float64)
    low, high = float(result.min()), float(result.max())
    check(low >= 0.0 and high <= 1.0, CALL, "values between 0 and 1", f"values from {low:g} to {high:g}",
          "divide by 255, the largest pixel value")


def test_brightest_pixel_becomes_exactly_one(scale_pixels):
    white = np.full((2, 3), 255, dtype=np.uint8)
    called = "scale_pixels(<all pixels 255>)"
    top = float(scaled(scale_pixels, white, called).astype(np.float64).max())
    if abs(top - 255 / 256) < 1e-6:
        raise Mistake(f"{called} gave 0.99609375 (255/256), expected 1.0: "
                      "divide by 255, not 256 (the largest pixel value is 255)")
    check(abs(top - 1.0) < 1e-6, called, "1.0", f"{top:g}", "divide by 255")


def test_every_pixel_is_divided_by_255(scale_pixels, images):
    check_pixel_values(scaled(scale_pixels, images), images, CALL)


def test_works_for_arrays_of_any_shape(scale_pixels):
    for shape in [(5,), (4, 7), (2, 3, 8, 8)]:
        pixels = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
        called = f"scale_pixels(<uint8 array of shape {shape}>)"
        result = scaled(scale_pixels, pixels, called)
        check(result.shape == shape, called, f"the pixels / 255 in shape {shape}", describe_array(result),
              "don't assume MNIST's shape; scaling works element by element")
        check_pixel_values(result, pixels, called)


def test_input_images_are_left_unchanged(scale_pixels, images):
    given = images.copy()
    call(scale_pixels, given)
    if given.shape != images.shape or given.dtype != images.dtype:
        raise Mistake(f"{CALL} changed the input into a {describe_array(given)}, expected the input left as it was "
                      f"({describe_array(images)}): return a new array instead of changing `images` in place")
    changed = np.argwhere(given != images)
    if len(changed):
        where = tuple(int(i) for i in changed[0])
        raise Mistake(f"{CALL} changed a pixel of the input from {int(images[where])} to {int(given[where])} "
                      f"({len(changed):,} pixels changed in all), expected the input left as it was: return a new "
                      "array instead of changing `images` in place (no `images /= 255`, `out=` or in-place clip)")


def test_result_is_a_new_array(scale_pixels, images):
    given = images.copy()
    result = call(scale_pixels, given)
    check(result is not given, CALL, "a new array", "the input array itself",
          "return `images.astype('float32') / 255`, a new array")
