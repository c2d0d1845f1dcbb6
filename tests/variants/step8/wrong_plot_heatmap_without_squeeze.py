EXPECT = 'still has the channel axis'
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from keras import layers


def first_layer_kernels(model):
    conv_layer = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    return conv_layer.get_weights()[0]


def plot_kernels(kernels):
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for idx, ax in enumerate(np.ravel(axs)):
        ax.set_title(f"Kernel {idx}")
        sns.heatmap(kernels[..., idx], cmap="binary", cbar=False, ax=ax)
        ax.axis("off")
    fig.tight_layout()
    return fig
