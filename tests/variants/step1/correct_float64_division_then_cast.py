EXPECT = "pass"
import numpy as np


def scale_pixels(images):
    return (images / 255).astype(np.float32)
