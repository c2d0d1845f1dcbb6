EXPECT = "returned a Python list"
def add_channel_axis(images):
    return [image[..., None] for image in images]
