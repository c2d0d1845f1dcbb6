EXPECT = "has no function scale_pixels()"
def scale_images(images):
    return images.astype("float32") / 255.0
