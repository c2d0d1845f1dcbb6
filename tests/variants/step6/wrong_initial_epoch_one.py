EXPECT = "initial_epoch"
import matplotlib.pyplot as plt


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    # Tries to number the epochs from 1: initial_epoch=1 makes fit() skip the first epoch instead.
    return model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, initial_epoch=1,
                     validation_split=validation_split)


def plot_history(history):
    h = history.history
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(12, 4))
    for key in ("loss", "val_loss"):
        loss_ax.plot(h[key], label=key)
    for key in ("accuracy", "val_accuracy"):
        acc_ax.plot(h[key], label=key)
    loss_ax.set(title="Loss", xlabel="Epoch", ylabel="Loss")
    acc_ax.set(title="Accuracy", xlabel="Epoch", ylabel="Accuracy")
    loss_ax.legend()
    acc_ax.legend()
    return fig
