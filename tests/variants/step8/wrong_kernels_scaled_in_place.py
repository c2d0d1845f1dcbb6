EXPECT = "layer.get_weights()[0], unchanged"
import matplotlib.pyplot as plt
import numpy as np
from keras import layers, ops


def first_layer_kernels(model):
    conv_layer = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    # Scaled to [-1, 1] for the plot, but in the layer itself: the model is no longer the trained one.
    conv_layer.kernel.assign(conv_layer.kernel / ops.max(ops.abs(conv_layer.kernel)))
    return conv_layer.get_weights()[0]


def plot_kernels(kernels):
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for idx, ax in enumerate(np.ravel(axs)):
        ax.set_title(f"Kernel {idx}")
        ax.imshow(kernels[:, :, 0, idx], cmap="binary")
        ax.axis("off")
    fig.tight_layout()
    return fig
