"""Checks for step 1, scale_pixels(images): float32, divided by 255, same shape, input untouched.

Run with `pytest exercises/step1` (or `--solutions` to check the reference solution).
"""

import numpy as np
import pytest

from mnistkit.checks.messages import FirstProblem, Mistake, check, describe_array
from mnistkit.checks.scaling import CALL, call, check_pixel_values, scaled


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


def test_scaled_pixels_are_float32(scale_pixels, images):
    result = scaled(SAID, scale_pixels, images)
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
    result = scaled(SAID, scale_pixels, images)
    check(result.shape == images.shape, CALL, f"shape {images.shape} (the same as the input)", f"shape {result.shape}",
          "scaling changes the values only; reshaping and the channel axis come later (step 2)")


def test_scaled_pixels_lie_between_zero_and_one(scale_pixels, images):
    result = scaled(SAID, scale_pixels, images).astype(np.float64)
    low, high = float(result.min()), float(result.max())
    check(low >= 0.0 and high <= 1.0, CALL, "values between 0 and 1", f"values from {low:g} to {high:g}",
          "divide by 255, the largest pixel value")


def test_brightest_pixel_becomes_exactly_one(scale_pixels):
    white = np.full((2, 3), 255, dtype=np.uint8)
    called = "scale_pixels(<all pixels 255>)"
    top = float(scaled(SAID, scale_pixels, white, called).astype(np.float64).max())
    if abs(top - 255 / 256) < 1e-6:
        raise Mistake(f"{called} gave 0.99609375 (255/256), expected 1.0: "
                      "divide by 255, not 256 (the largest pixel value is 255)")
    check(abs(top - 1.0) < 1e-6, called, "1.0", f"{top:g}", "divide by 255")


def test_every_pixel_is_divided_by_255(scale_pixels, images):
    check_pixel_values(scaled(SAID, scale_pixels, images), images, CALL)


def test_works_for_arrays_of_any_shape(scale_pixels):
    for shape in [(5,), (4, 7), (2, 3, 8, 8)]:
        pixels = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
        called = f"scale_pixels(<uint8 array of shape {shape}>)"
        result = scaled(SAID, scale_pixels, pixels, called)
        check(result.shape == shape, called, f"the pixels / 255 in shape {shape}", describe_array(result),
              "don't assume MNIST's shape; scaling works element by element")
        check_pixel_values(result, pixels, called)


def test_input_images_are_left_unchanged(scale_pixels, images):
    given = images.copy()
    call(SAID, scale_pixels, given)
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
    result = call(SAID, scale_pixels, given)
    check(result is not given, CALL, "a new array", "the input array itself",
          "return `images.astype('float32') / 255`, a new array")
