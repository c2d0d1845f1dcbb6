EXPECT = "axis=0 (in front of the samples) and axis=1 (channels first) both give"
import numpy as np


def add_channel_axis(images):
    # Thinks a single image needs a batch axis in front, as when predicting one image.
    if len(images) == 1:
        return images[np.newaxis]
    return np.expand_dims(images, -1)
