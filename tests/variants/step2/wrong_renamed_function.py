EXPECT = "has no function add_channel_axis()"
import numpy as np


def add_channel(images):
    return np.expand_dims(images, -1)
