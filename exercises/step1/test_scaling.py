"""Checks for step 1, scale_pixels(images): float32, divided by 255, same shape, input untouched.

Run with `pytest exercises/step1` (or `--solutions` to check the reference solution).
"""

import numpy as np
import pytest

from mnistkit.checks import Mistake, as_array, check, describe_array, ulp_close

CALL = "scale_pixels(images)"


@pytest.fixture(scope="module")
def scale_pixels(step_function):
    return step_function("scale_pixels")


@pytest.fixture(scope="module")
def images():
    """1,000 MNIST-sized uint8 images holding every pixel value 0..255, seeded.

    Made here rather than loaded: the checks need every value, not real digits, and loading
    MNIST would cost a third of the suite's second."""
    pixels = np.random.default_rng(1).integers(0, 256, size=(1000, 28, 28), dtype=np.uint8)
    pixels[0, 0, :2] = (0, 255)
    return pixels


def scaled(scale_pixels, images):
    return as_array(scale_pixels(images.copy()), CALL)


def test_scaled_pixels_are_float32(scale_pixels, images):
    result = scaled(scale_pixels, images)
    if result.dtype == np.float64:
        raise Mistake(f"{CALL} returned float64 pixels, expected float32: did you forget `.astype('float32')`?")
    check(result.dtype == np.float32, CALL, "a float32 array", describe_array(result),
          "cast with `.astype('float32')` before dividing" if result.dtype.kind in "iu" else None)


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
    result = as_array(scale_pixels(white), "scale_pixels(<all pixels 255>)").astype(np.float64)
    top = float(result.max())
    if abs(top - 256 / 255 * 255 / 256) > 1e-6 and abs(top - 255 / 256) < 1e-6:
        raise Mistake("scale_pixels(<all pixels 255>) gave 0.99609375 (255/256), expected 1.0: "
                      "divide by 255, not 256 (the largest pixel value is 255)")
    check(abs(top - 1.0) < 1e-6, "scale_pixels(<all pixels 255>)", "1.0", f"{top:g}", "divide by 255")


def test_every_pixel_is_divided_by_255(scale_pixels, images):
    result = scaled(scale_pixels, images)
    expected = images.astype(np.float32) / np.float32(255)
    if not ulp_close(result, expected):
        where = np.unravel_index(np.argmax(np.abs(result.astype(np.float64) - expected)), images.shape)
        raise Mistake(
            f"{CALL} gave {float(result[where]):.6g} for a pixel of value {int(images[where])}, "
            f"expected {float(expected[where]):.6g} ({int(images[where])} / 255): every pixel must be divided by 255"
        )


def test_works_for_arrays_of_any_shape(scale_pixels):
    for shape in [(5,), (4, 7), (2, 3, 8, 8)]:
        pixels = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
        result = as_array(scale_pixels(pixels), f"scale_pixels(<uint8 array of shape {shape}>)")
        check(result.shape == shape and ulp_close(result, pixels.astype(np.float32) / np.float32(255)),
              f"scale_pixels(<uint8 array of shape {shape}>)", f"the pixels / 255 in shape {shape}",
              describe_array(result), "don't assume MNIST's shape; scaling works element by element")


def test_input_images_are_left_unchanged(scale_pixels, images):
    original = images.copy()
    given = images.copy()
    scale_pixels(given)
    check(np.array_equal(given, original) and given.dtype == original.dtype, CALL,
          "the input array left as it was", f"an input changed to {describe_array(given)}",
          "return a new array instead of changing `images` in place (no `images /= 255` or `out=`)")


def test_result_is_a_new_array(scale_pixels, images):
    given = images.copy()
    result = scale_pixels(given)
    check(result is not given, CALL, "a new array", "the input array itself",
          "return `images.astype('float32') / 255`, a new array")
