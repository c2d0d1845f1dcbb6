"""Checks for step 2, add_channel_axis(images): (N, H, W) -> (N, H, W, 1), same values and dtype.

Run with `pytest exercises/step2` (or `--solutions` to check the reference solution).
This suite needs numpy only: it must stay fast, so it never imports TensorFlow.
"""

import numpy as np
import pytest

from mnistkit.checks import Mistake, check, describe_array, ulp_close

CALL = "add_channel_axis(images)"


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


def shape_hint(given: tuple[int, ...], got: tuple[int, ...]) -> str:
    """The likely mistake behind a result of shape `got` for images of shape `given` (N, H, W)."""
    n, h, w = given
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


def returned(add_channel_axis, images: np.ndarray, called: str = CALL) -> np.ndarray:
    """Call the learner's function on a copy of `images`; return the result once it is one array."""
    try:
        result = add_channel_axis(images.copy())
    except NotImplementedError:
        raise  # The untouched stub: the plugin says "step 2 not started".
    except Exception as error:  # noqa: BLE001  (any error in the learner's code, shown with a hint)
        raise Mistake(
            f"{called} raised {type(error).__name__}: {error}; expected an array of shape {images.shape + (1,)}: "
            f"don't hard-code the shape (these images are {images.shape}); np.expand_dims(images, -1) works for any N, H, W"
        ) from None
    if result is None:
        raise Mistake(f"{called} returned None, expected an array: did you forget the `return` statement?")
    if isinstance(result, (list, tuple)):
        raise Mistake(
            f"{called} returned a Python {type(result).__name__}, expected a numpy array of shape {images.shape + (1,)}: "
            "Keras reads a list as several separate inputs; return one array (np.expand_dims(images, -1))"
        )
    return np.asarray(result)


def with_channel(add_channel_axis, images: np.ndarray, called: str = CALL) -> np.ndarray:
    """The learner's result for `images`, once it is one array of shape (N, H, W, 1)."""
    result = returned(add_channel_axis, images, called)
    expected = images.shape + (1,)
    check(result.shape == expected, called, f"shape {expected}", f"shape {result.shape}", shape_hint(images.shape, result.shape))
    return result


def test_returns_one_array(add_channel_axis, images):
    returned(add_channel_axis, images)


def test_channel_axis_is_added_last(add_channel_axis, images):
    with_channel(add_channel_axis, images)  # Checks the shape: (100, 28, 28) -> (100, 28, 28, 1).


def test_pixel_values_are_unchanged(add_channel_axis, images):
    result = with_channel(add_channel_axis, images)
    if not np.array_equal(result[..., 0], images):
        hint = "only add the axis; the values stay as they are"
        if np.allclose(result[..., 0].astype(np.float64), images / 255.0, atol=1e-6):
            hint = "step 2 only adds the axis; scaling was step 1"
        raise Mistake(f"{CALL} changed the pixel values (first image, first row: {result[0, 0, :5, 0].tolist()}), "
                      f"expected the same values ({images[0, 0, :5].tolist()}): {hint}")


def test_dtype_is_kept(add_channel_axis, images):
    result = with_channel(add_channel_axis, images)
    check(result.dtype == images.dtype, "add_channel_axis(<uint8 images>)", "a uint8 array (the input's dtype)",
          describe_array(result), "step 2 only adds the axis; scaling was step 1 (no astype, no division here)")


def test_works_for_float32_images_from_step_1(add_channel_axis):
    scaled = pixels((10, 28, 28), "float32")
    called = "add_channel_axis(<float32 images in [0, 1]>)"
    result = with_channel(add_channel_axis, scaled, called)
    check(result.dtype == np.float32, called, "a float32 array (the input's dtype)", describe_array(result),
          "step 2 only adds the axis; keep the dtype step 1 gave")
    if not ulp_close(result[..., 0], scaled):
        hint = "only add the axis"
        if ulp_close(result[..., 0], scaled / np.float32(255)):
            hint = "these images were already scaled: step 2 only adds the axis; scaling was step 1"
        raise Mistake(f"{called} changed the values (largest {float(result.max()):g}), "
                      f"expected the same values (largest {float(scaled.max()):g}): {hint}")


def test_works_for_any_number_of_images(add_channel_axis):
    for n in (7, 250):
        given = pixels((n, 28, 28))
        result = with_channel(add_channel_axis, given, f"add_channel_axis(<{n} images of 28 x 28>)")
        check(np.array_equal(result[..., 0], given), f"add_channel_axis(<{n} images of 28 x 28>)",
              "the same values", "different values", "only add the axis")


def test_a_single_image_keeps_its_sample_axis(add_channel_axis):
    one = pixels((1, 28, 28))
    result = with_channel(add_channel_axis, one, "add_channel_axis(<1 image of 28 x 28>)")
    check(np.array_equal(result[..., 0], one), "add_channel_axis(<1 image of 28 x 28>)",
          "the same values", "different values", "only add the axis")


def test_works_for_any_image_size(add_channel_axis):
    for shape in [(4, 5, 7), (2, 14, 56), (3, 9, 9)]:
        called = f"add_channel_axis(<images of shape {shape}>)"
        given = pixels(shape)
        result = with_channel(add_channel_axis, given, called)
        check(np.array_equal(result[..., 0], given), called, "the same values in the same places", "values moved",
              "keep the axes in their order and add the channel axis at the end")


def test_input_images_are_left_unchanged(add_channel_axis, images):
    given = images.copy()
    add_channel_axis(given)
    check(given.shape == images.shape and given.dtype == images.dtype and np.array_equal(given, images), CALL,
          f"the input left as it was ({describe_array(images)})", f"an input changed to {describe_array(given)}",
          "don't assign to images.shape or resize the input; return a new array or view such as np.expand_dims(images, -1)")
