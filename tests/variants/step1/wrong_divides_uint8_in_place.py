EXPECT = "in-place division of a uint8 array"
FAILURES = 1
def scale_pixels(images):
    images /= 255
    return images.astype("float32")
