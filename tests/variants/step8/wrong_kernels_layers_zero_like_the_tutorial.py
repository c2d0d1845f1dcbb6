EXPECT = 'model.layers[0] is a Rescaling layer'
import matplotlib.pyplot as plt
import numpy as np
from keras import layers


def first_layer_kernels(model):
    conv_layer = model.layers[0]
    return conv_layer.weights[0].numpy()


def plot_kernels(kernels):
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for idx, ax in enumerate(np.ravel(axs)):
        ax.set_title(f"Kernel {idx}")
        ax.imshow(kernels[:, :, 0, idx], cmap="binary")
        ax.axis("off")
    fig.tight_layout()
    return fig
