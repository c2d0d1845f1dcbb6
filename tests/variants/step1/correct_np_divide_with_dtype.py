EXPECT = "pass"
import numpy as np


def scale_pixels(images):
    return np.divide(images, 255, dtype=np.float32)
