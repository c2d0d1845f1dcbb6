"""Step 8: look at the kernels the first convolutional layer has learned.

Run the checks with `pytest exercises/step8`; the README beside this file explains the step.
"""

import matplotlib.pyplot as plt
import numpy as np
from keras import layers
from matplotlib.figure import Figure


def first_layer_kernels(model) -> np.ndarray:
    """The kernel weights of the model's first Conv2D layer, as a numpy array.

    Tutorial section "5. Model parameters": a layer's `weights` (or `get_weights()`) are its
    kernel, then its bias. The kernel of `Conv2D(32, kernel_size=(3, 3))` on grayscale images
    has shape (3, 3, 1, 32): height, width, input channels, and one 3x3 filter per output channel.

    Args:
        model: a Keras model holding at least one Conv2D layer, such as the tutorial's CNN. Its
            first layer need not be the Conv2D one.

    Returns:
        A numpy array with the first Conv2D layer's kernel, shape (3, 3, 1, 32) for the
        tutorial's models; the bias is not part of it.

    Example:
        >>> first_layer_kernels(model).shape
        (3, 3, 1, 32)
    """
    # TODO(step 8): find the model's first Conv2D layer and return its kernel as a numpy array.
    raise NotImplementedError("step 8: first_layer_kernels() is not written yet")


def plot_kernels(kernels: np.ndarray) -> Figure:
    """Draw each kernel as a small image, like the tutorial's Figure 3.

    Tutorial section "5. Model parameters": a 4x8 grid of subplots, filled row by row; subplot i
    shows kernel i, `kernels[:, :, 0, i]` (a 3x3 image), is titled "Kernel i" (counting from 0)
    and has its axes switched off.

    Args:
        kernels: first-layer kernels of shape (3, 3, 1, 32), as first_layer_kernels returns them.

    Returns:
        The matplotlib Figure holding the 32 images.

    Example:
        >>> fig = plot_kernels(first_layer_kernels(model))
        >>> fig.savefig("kernels.png")
    """
    # TODO(step 8): draw kernels[:, :, 0, i] in a 4x8 grid titled "Kernel i", axes off; return the Figure.
    raise NotImplementedError("step 8: plot_kernels() is not written yet")
