EXPECT = "SYNTAX ERROR in exercises/step2/channels.py, line 3"
def add_channel_axis(images):
    return images[..., None
