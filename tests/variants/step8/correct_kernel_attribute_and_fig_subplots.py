EXPECT = "pass"
import keras
import matplotlib.pyplot as plt


def first_layer_kernels(model):
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            return layer.kernel.numpy()
    raise ValueError("no Conv2D layer in the model")


def plot_kernels(kernels):
    fig = plt.figure(figsize=(10, 5), layout="constrained")
    axs = fig.subplots(4, 8)
    for idx, ax in enumerate(axs.flat):
        ax.imshow(kernels[:, :, 0, idx], cmap="gray")
        ax.set_title("Kernel %d" % idx, fontsize=8)
        ax.set_axis_off()
    return fig
