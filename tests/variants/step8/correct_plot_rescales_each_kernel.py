EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np
from keras import layers


def first_layer_kernels(model):
    # Extract the first convolutional layer (model.layers[0] in the tutorial's models).
    conv_layer = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)][0]
    # Transform the layer weights to a numpy array
    return conv_layer.weights[0].numpy()


def plot_kernels(kernels):
    weights = kernels
    # Visualize the 32 kernels from the first convolutional layer, exactly as the tutorial does:
    # weights[..., idx] has shape (3, 3, 1), which imshow shows as a 3x3 grey image.
    fig, axs = plt.subplots(4, 8, figsize=(10, 5))
    axs = np.ravel(axs)

    for idx, ax in enumerate(axs):
        ax.set_title(f"Kernel {idx}")
        k = weights[:, :, 0, idx]
        ax.imshow((k - k.min()) / (k.max() - k.min()), cmap='binary')  # 0..1: imshow would stretch it anyway.
        ax.axis('off')
    plt.tight_layout()
    return fig
