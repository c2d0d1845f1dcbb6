EXPECT = "returned a list, not a numpy array"
FAILURES = 1
def scale_pixels(images):
    # A list of Python floats: numpy reads it back as float64.
    return (images.astype("float32") / 255).tolist()
