EXPECT = "pass"
import matplotlib.pyplot as plt
import numpy as np


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    history = model.fit(x=np.asarray(x_train), y=y_train, epochs=epochs, batch_size=batch_size,
                        validation_split=validation_split, shuffle=True, verbose=1)
    return history


def plot_history(history):
    h = history.history
    epochs = range(1, len(h['loss']) + 1)
    fig = plt.figure(figsize=(12, 4))
    ax1 = fig.add_subplot(1, 2, 1)
    ax1.plot(epochs, h['loss'], 'o-', label='Training loss')
    ax1.plot(epochs, h['val_loss'], 's--', label='Validation loss')
    ax1.set_yscale('log')
    ax1.set_title('Loss during training')
    ax1.set_xlabel('Epoch [#]')
    ax1.legend()
    ax2 = fig.add_subplot(1, 2, 2)
    ax2.plot(epochs, h['accuracy'], 'o-', label='Training accuracy')
    ax2.plot(epochs, h['val_accuracy'], 's--', label='Validation accuracy')
    ax2.set_title('Accuracy during training')
    ax2.set_xlabel('Epoch [#]')
    ax2.legend()
    return fig
