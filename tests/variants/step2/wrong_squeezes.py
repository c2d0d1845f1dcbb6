EXPECT = "the sample axis is gone"
import numpy as np


def add_channel_axis(images):
    # squeeze() "to be safe" drops the sample axis of a batch of one image.
    return np.squeeze(images)[..., np.newaxis]
