EXPECT = "the curve labelled 'val_loss' shows the values of 'loss'"
import matplotlib.pyplot as plt


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    return model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=validation_split)


def plot_history(history):
    h = history.history
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(12, 4))
    loss_ax.plot(h["loss"], label="loss")
    loss_ax.plot(h["loss"], label="val_loss")  # Copy-paste slip: the key was not changed.
    acc_ax.plot(h["accuracy"], label="accuracy")
    acc_ax.plot(h["val_accuracy"], label="val_accuracy")
    loss_ax.set(title="Loss", xlabel="Epoch", ylabel="Loss")
    acc_ax.set(title="Accuracy", xlabel="Epoch", ylabel="Accuracy")
    loss_ax.legend()
    acc_ax.legend()
    return fig
