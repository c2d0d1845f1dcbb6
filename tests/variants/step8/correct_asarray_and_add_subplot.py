EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np


def first_layer_kernels(model):
    conv = next(layer for layer in model.layers if type(layer).__name__ == "Conv2D")
    return np.asarray(conv.weights[0])


def plot_kernels(kernels):
    fig = plt.figure(figsize=(10, 5))
    for i in range(kernels.shape[-1]):
        ax = fig.add_subplot(4, 8, i + 1)
        ax.imshow(np.squeeze(kernels[..., i]), cmap="binary", vmin=kernels.min(), vmax=kernels.max())
        ax.set_title(f"Kernel {i}")
        ax.axis("off")
    return fig
