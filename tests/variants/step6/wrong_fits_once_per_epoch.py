EXPECT = "one fit() per epoch leaves a History of the last epoch only"
FAILURES = 1
import matplotlib.pyplot as plt


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    # One fit() per epoch, to print something between epochs: each call returns a new History
    # that holds only its own epoch.
    for epoch in range(epochs):
        history = model.fit(x_train, y_train, batch_size=batch_size, epochs=1,
                            validation_split=validation_split, verbose=0)
        print(f"epoch {epoch + 1} done")
    return history


def plot_history(history):
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(12, 4))
    for key in ("loss", "val_loss"):
        loss_ax.plot(history.history[key], label=key)
    for key in ("accuracy", "val_accuracy"):
        acc_ax.plot(history.history[key], label=key)
    loss_ax.set(title="Loss", xlabel="Epoch", ylabel="Loss")
    acc_ax.set(title="Accuracy", xlabel="Epoch", ylabel="Accuracy")
    loss_ax.legend()
    acc_ax.legend()
    return fig

