EXPECT = "height and width are swapped"
def add_channel_axis(images):
    n, h, w = images.shape
    return images.reshape(n, w, h, 1)
