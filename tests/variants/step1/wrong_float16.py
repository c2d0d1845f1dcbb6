EXPECT = "expected a float32 array"
def scale_pixels(images):
    return images.astype("float16") / 255.0
