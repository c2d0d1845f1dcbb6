EXPECT = "NameError: name 'image' is not defined"
import numpy as np


def add_channel_axis(images):
    return np.expand_dims(image, -1)
