"""Step 2: add the channel axis.

Run the checks with `pytest exercises/step2`; the README beside this file explains the step.
"""

import numpy as np


def add_channel_axis(images: np.ndarray) -> np.ndarray:
    """Give a stack of grayscale images the channel axis that Conv2D layers expect.

    Tutorial section "1. Load and Prepare Dataset": a Conv2D layer reads images as
    (samples, height, width, channels). MNIST images are grayscale, so they have one channel, and
    the shape changes from (samples, height, width) to (samples, height, width, 1).

    Args:
        images: an array of shape (N, H, W) of any dtype, such as MNIST's (60000, 28, 28)
            training images after step 1.

    Returns:
        An array of shape (N, H, W, 1) holding the same values with the same dtype. The input
        array is left unchanged.

    Example:
        >>> add_channel_axis(np.zeros((60000, 28, 28), dtype=np.float32)).shape
        (60000, 28, 28, 1)
    """
    return np.expand_dims(images, -1)
