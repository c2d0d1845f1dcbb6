EXPECT = "did you forget the `return` statement"
def scale_pixels(images):
    scaled = images.astype("float32") / 255.0
