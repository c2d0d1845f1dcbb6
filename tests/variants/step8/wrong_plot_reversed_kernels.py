EXPECT = 'use the same index for the title and the image'
import matplotlib.pyplot as plt
import numpy as np
from keras import layers


def first_layer_kernels(model):
    conv_layer = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    return conv_layer.get_weights()[0]


def plot_kernels(kernels):
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for idx, ax in enumerate(np.ravel(axs)):
        ax.set_title(f"Kernel {idx}")
        ax.imshow(kernels[:, :, 0, 31 - idx], cmap="binary")
        ax.axis("off")
    fig.tight_layout()
    return fig
