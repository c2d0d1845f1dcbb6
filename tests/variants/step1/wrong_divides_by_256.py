EXPECT = "divide by 255, not 256"
def scale_pixels(images):
    return images.astype("float32") / 256.0
