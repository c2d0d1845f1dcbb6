EXPECT = "pass"
import numpy as np


def scale_pixels(images):
    # A list of float32 arrays: numpy.asarray makes it the right float32 array, which the contract accepts.
    return [np.float32(row) / np.float32(255) for row in images]
