EXPECT = "pass"
import numpy as np


def scale_pixels(images):
    return images.astype("float32") / 255.0
