"""Checks for step 2, add_channel_axis(images): (N, H, W) -> (N, H, W, 1), same values and dtype.

Run with `pytest exercises/step2` (or `--solutions` to check the reference solution).
This suite needs numpy only: it must stay fast, so it never imports TensorFlow.
"""

import numpy as np
import pytest

from mnistkit.checks.channels import CALL, call, check_same_values, returned, with_channel
from mnistkit.checks.messages import FirstProblem, check, describe_array

SAID = FirstProblem()  # A mistake that several tests meet fails the first of them; the others skip.


@pytest.fixture(scope="module")
def add_channel_axis(step_function):
    return step_function("add_channel_axis")


def pixels(shape: tuple[int, ...], dtype: str = "uint8") -> np.ndarray:
    """Seeded images of `shape`: uint8 pixels 0..255, or float32 pixels in [0, 1] as step 1 makes them."""
    values = np.random.default_rng(sum(shape)).integers(0, 256, size=shape, dtype=np.uint8)
    return values if dtype == "uint8" else values.astype(np.float32) / np.float32(255)


@pytest.fixture(scope="module")
def images():
    """100 MNIST-sized uint8 images, shape (100, 28, 28). Not 60,000: the number must not matter."""
    return pixels((100, 28, 28))


def test_returns_one_array(add_channel_axis, images):
    returned(SAID, add_channel_axis, images)


def test_channel_axis_is_added_last(add_channel_axis, images):
    with_channel(SAID, add_channel_axis, images)  # Checks the shape: (100, 28, 28) -> (100, 28, 28, 1).


def test_pixel_values_are_unchanged(add_channel_axis, images):
    check_same_values(SAID, with_channel(SAID, add_channel_axis, images), images)


def test_dtype_is_kept(add_channel_axis, images):
    result = with_channel(SAID, add_channel_axis, images)
    check(result.dtype == images.dtype, "add_channel_axis(<uint8 images>)", "a uint8 array (the input's dtype)",
          describe_array(result), "step 2 only adds the axis; scaling was step 1 (no astype, no division here)")


def test_works_for_float32_images_from_step_1(add_channel_axis):
    scaled = pixels((10, 28, 28), "float32")
    called = "add_channel_axis(<float32 images in [0, 1]>)"
    result = with_channel(SAID, add_channel_axis, scaled, called)
    check(result.dtype == np.float32, called, "a float32 array (the input's dtype)", describe_array(result),
          "step 2 only adds the axis; keep the dtype step 1 gave")
    check_same_values(SAID, result, scaled, called)


def test_works_for_any_number_of_images(add_channel_axis):
    for n in (7, 250):
        given = pixels((n, 28, 28))
        called = f"add_channel_axis(<{n} images of 28 x 28>)"
        check_same_values(SAID, with_channel(SAID, add_channel_axis, given, called), given, called)


def test_a_single_image_keeps_its_sample_axis(add_channel_axis):
    one = pixels((1, 28, 28))
    called = "add_channel_axis(<1 image of 28 x 28>)"
    check_same_values(SAID, with_channel(SAID, add_channel_axis, one, called), one, called)


def test_works_for_any_image_size(add_channel_axis):
    for shape in [(4, 5, 7), (2, 14, 56), (3, 9, 9)]:  # Not square, and square but not 28 x 28.
        given = pixels(shape)
        called = f"add_channel_axis(<images of shape {shape}>)"
        check_same_values(SAID, with_channel(SAID, add_channel_axis, given, called), given, called)


def test_input_images_are_left_unchanged(add_channel_axis, images):
    given = images.copy()
    call(SAID, add_channel_axis, given)
    check(given.shape == images.shape and given.dtype == images.dtype and np.array_equal(given, images), CALL,
          f"the input left as it was ({describe_array(images)})", f"an input changed to {describe_array(given)}",
          "don't assign to images.shape or resize the input; return a new array or view such as np.expand_dims(images, -1)")
