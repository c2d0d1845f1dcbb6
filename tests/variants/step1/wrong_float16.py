EXPECT = "use 'float32', as the tutorial does"
def scale_pixels(images):
    return images.astype("float16") / 255.0
