EXPECT = "changed a pixel of the input from 255 to 254"
import numpy as np


def scale_pixels(images):
    # Tries to save memory by reusing the input's buffer for a clipped copy first.
    np.clip(images, 0, 254, out=images)
    return images.astype("float32") / 255.0
