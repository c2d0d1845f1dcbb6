EXPECT = "changed x_train in place"
import matplotlib.pyplot as plt
import pandas as pd


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    x_train /= 255.0
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=validation_split)
    return history


def plot_history(history):
    df_history = pd.DataFrame(history.history)
    fig, axs = plt.subplots(1, 2, figsize=(15, 4))
    df_history.iloc[:, df_history.columns.str.contains("loss")].plot(title="Loss during training", ax=axs[0])
    df_history.iloc[:, df_history.columns.str.contains("accuracy")].plot(title="Accuracy during training", ax=axs[1])
    axs[0].set_xlabel("Epoch [#]")
    axs[1].set_xlabel("Epoch [#]")
    axs[0].set_ylabel("Loss")
    axs[1].set_ylabel("Accuracy")
    return fig

