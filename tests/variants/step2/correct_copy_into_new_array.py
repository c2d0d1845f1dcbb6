EXPECT = "pass"
import numpy as np


def add_channel_axis(images):
    # A fresh array rather than a view: also correct.
    result = np.empty(images.shape + (1,), dtype=images.dtype)
    result[..., 0] = images
    return result
