EXPECT = "expected an accuracy curve"
FAILURES = 1
import matplotlib.pyplot as plt


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    return model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=validation_split, verbose=0)



def plot_history(history):
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(12, 4))
    for key in ("loss", "val_loss"):
        loss_ax.plot(history.history[key], label=key)
    for key in ("val_accuracy",):
        acc_ax.plot(history.history[key], label=key)
    loss_ax.set(title="Loss", xlabel="Epoch", ylabel="Loss")
    acc_ax.set(title="Accuracy", xlabel="Epoch", ylabel="Accuracy")
    loss_ax.legend()
    acc_ax.legend()
    return fig

