EXPECT = "pass"
import numpy as np


def add_channel_axis(images):
    n, h, w = images.shape
    return np.reshape(images, (n, h, w, 1))
