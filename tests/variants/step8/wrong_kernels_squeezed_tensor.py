EXPECT = "returned a tf Tensor (EagerTensor) of dtype float32, not a numpy array"
FAILURES = 1
import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers


def first_layer_kernels(model):
    conv_layer = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    # The Variable squeezed with keras.ops: a Tensor without the channel axis.
    return keras.ops.squeeze(conv_layer.kernel)


def plot_kernels(kernels):
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    for idx, ax in enumerate(np.ravel(axs)):
        ax.set_title(f"Kernel {idx}")
        ax.imshow(kernels[:, :, 0, idx], cmap="binary")
        ax.axis("off")
    fig.tight_layout()
    return fig
