EXPECT = "pass"
import numpy as np


def add_channel_axis(images):
    return images[:, :, :, np.newaxis]
