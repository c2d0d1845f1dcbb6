EXPECT = "pass"
import numpy as np


def scale_pixels(images):
    return np.asarray(images, dtype=np.float32) * np.float32(1 / 255)
