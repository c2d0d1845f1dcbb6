EXPECT = "did you forget the `return` statement"
import numpy as np


def add_channel_axis(images):
    result = np.expand_dims(images, -1)
