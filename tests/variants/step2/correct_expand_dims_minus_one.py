EXPECT = "pass"
import numpy as np


def add_channel_axis(images):
    return np.expand_dims(images, -1)
