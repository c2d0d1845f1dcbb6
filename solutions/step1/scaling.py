"""Step 1: scale the pixels.

Run the checks with `pytest exercises/step1`; the README beside this file explains the step.
"""

import numpy as np


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixel values (0..255) to float32 values in [0, 1].

    Tutorial section "1. Load and Prepare Dataset": neural networks train more stably on small
    input values, so every pixel is divided by 255 after a cast to float32.

    Args:
        images: a uint8 array of any shape, such as MNIST's (60000, 28, 28) training images.

    Returns:
        A new float32 array of the same shape with values `images / 255`. The input array is
        left unchanged.

    Example:
        >>> scale_pixels(np.array([[0, 51, 255]], dtype=np.uint8))
        array([[0. , 0.2, 1. ]], dtype=float32)
    """
    return images.astype("float32") / 255.0
