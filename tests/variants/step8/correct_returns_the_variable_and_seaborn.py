EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from keras import layers


def first_layer_kernels(model):
    # The Keras variable itself: numpy.asarray turns it into the (3, 3, 1, 32) array.
    conv_layers = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]
    return conv_layers[0].kernel


def plot_kernels(kernels):
    kernels = np.asarray(kernels)
    fig, axs = plt.subplots(nrows=4, ncols=8, figsize=(12, 6))
    for row in range(4):
        for column in range(8):
            idx = row * 8 + column
            ax = axs[row, column]
            sns.heatmap(kernels[:, :, 0, idx], cmap="binary", cbar=False, square=True, ax=ax)
            ax.set_title(f"Kernel {idx}")
            ax.axis("off")
    return fig
