EXPECT = 'model.layers[0] is a Rescaling layer'
import matplotlib.pyplot as plt
import numpy as np


def first_layer_kernels(model):
    # The tutorial's models start with their Conv2D layer, but not every model does.
    weights = model.layers[0].get_weights()
    return weights[0] if weights else np.array([])


def plot_kernels(kernels):
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for idx, ax in enumerate(np.ravel(axs)):
        ax.set_title(f"Kernel {idx}")
        ax.imshow(kernels[:, :, 0, idx], cmap="binary")
        ax.axis("off")
    fig.tight_layout()
    return fig
