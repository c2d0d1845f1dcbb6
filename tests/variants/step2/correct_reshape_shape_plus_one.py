EXPECT = "pass"
def add_channel_axis(images):
    return images.reshape(images.shape + (1,))
