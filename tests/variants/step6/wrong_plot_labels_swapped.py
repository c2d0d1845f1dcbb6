EXPECT = "labelled the loss curve 'val_loss'"
import matplotlib.pyplot as plt
import pandas as pd


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    # Not written yet: this learner started with plot_history.
    raise NotImplementedError("step 6: train_model() is not written yet")


def plot_history(history):
    fig, axs = plt.subplots(1, 2, figsize=(15, 4))
    axs[0].plot(history.history['loss'])
    axs[0].plot(history.history['val_loss'])
    axs[0].legend(['val_loss', 'loss'])
    axs[1].plot(history.history['accuracy'])
    axs[1].plot(history.history['val_accuracy'])
    axs[1].legend(['val_accuracy', 'accuracy'])
    for ax, name in zip(axs, ['Loss', 'Accuracy']):
        ax.set(title=name + ' during training', xlabel='Epoch [#]', ylabel=name)
    return fig
