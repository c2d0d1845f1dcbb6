EXPECT = "don't assign to images.shape"
def add_channel_axis(images):
    images.shape = images.shape + (1,)
    return images
