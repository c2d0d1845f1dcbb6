EXPECT = "did you forget `.astype('float32')`"
def scale_pixels(images):
    return images / 255.0
