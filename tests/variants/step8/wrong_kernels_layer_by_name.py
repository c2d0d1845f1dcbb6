EXPECT = "layer names change every time a model is built"
import matplotlib.pyplot as plt
import numpy as np
from keras import layers


def first_layer_kernels(model):
    conv_layer = model.get_layer("conv2d")
    return conv_layer.get_weights()[0]


def plot_kernels(kernels):
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for idx, ax in enumerate(np.ravel(axs)):
        ax.set_title(f"Kernel {idx}")
        ax.imshow(kernels[:, :, 0, idx], cmap="binary")
        ax.axis("off")
    fig.tight_layout()
    return fig
