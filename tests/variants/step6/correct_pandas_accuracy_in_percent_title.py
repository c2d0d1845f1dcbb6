EXPECT = "pass"
import matplotlib.pyplot as plt
import pandas as pd


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    return model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=validation_split, verbose=0)


def plot_history(history):
    # The tutorial's pandas plot, with the accuracy shown in percent.
    df = pd.DataFrame(history.history)
    fig, axs = plt.subplots(1, 2, figsize=(15, 4))
    df[["loss", "val_loss"]].plot(title="Loss during training", ax=axs[0])
    (df[["accuracy", "val_accuracy"]] * 100).plot(title="Accuracy during training (percent)", ax=axs[1])
    for ax in axs:
        ax.set_xlabel("Epoch [#]")
    return fig
