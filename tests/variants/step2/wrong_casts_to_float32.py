EXPECT = "step 2 only adds the axis; scaling was step 1"
import numpy as np


def add_channel_axis(images):
    return np.expand_dims(images, -1).astype("float32")
