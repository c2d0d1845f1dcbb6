EXPECT = "values between 0 and 1"
def scale_pixels(images):
    return images.astype("float32")
