EXPECT = "scaling was step 1"
import numpy as np


def add_channel_axis(images):
    return np.expand_dims(images.astype("float32") / 255.0, -1)
