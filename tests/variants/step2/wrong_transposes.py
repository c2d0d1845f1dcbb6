EXPECT = "every pixel keeps its value and its place"
def add_channel_axis(images):
    # Right shape for square images, but the pixels are transposed.
    return images.transpose(0, 2, 1)[..., None] if images.shape[1] == images.shape[2] else images[..., None]
