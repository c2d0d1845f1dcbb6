EXPECT = "in the same panel"
import matplotlib.pyplot as plt
import pandas as pd


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=validation_split)
    return history


def plot_history(history):
    df_history = pd.DataFrame(history.history)
    fig, axs = plt.subplots(1, 2, figsize=(15, 4))
    # Training curves on the left, validation curves on the right.
    df_history[['loss', 'accuracy']].plot(title='Training', ax=axs[0])
    df_history[['val_loss', 'val_accuracy']].plot(title='Validation', ax=axs[1])
    for ax in axs:
        ax.set_xlabel('Epoch [#]')
    return fig
