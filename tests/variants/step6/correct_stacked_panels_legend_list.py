EXPECT = "pass"
import matplotlib.pyplot as plt


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    settings = dict(batch_size=batch_size, epochs=epochs, validation_split=validation_split)
    return model.fit(x_train, y_train, verbose=0, **settings)


def plot_history(history):
    # One panel above the other, the epochs taken from history.epoch, legends given as lists.
    fig, axs = plt.subplots(2, 1, figsize=(6, 8), sharex=True)
    axs[0].plot(history.epoch, history.history['loss'], color='black')
    axs[0].plot(history.epoch, history.history['val_loss'], color='tab:orange')
    axs[0].legend(['train', 'val'])
    axs[0].set_ylabel('Loss')
    axs[1].plot(history.epoch, history.history['accuracy'], color='black')
    axs[1].plot(history.epoch, history.history['val_accuracy'], color='tab:orange')
    axs[1].legend(['train', 'val'])
    axs[1].set_ylabel('Accuracy')
    for ax in axs:
        ax.set_xlabel('Epoch')
    return fig
