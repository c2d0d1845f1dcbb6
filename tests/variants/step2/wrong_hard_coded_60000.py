EXPECT = "don't hard-code the shape"
def add_channel_axis(images):
    return images.reshape(60000, 28, 28, 1)
