EXPECT = "axis=0 puts the new axis in front of the samples"
import numpy as np


def add_channel_axis(images):
    return np.expand_dims(images, axis=0)
