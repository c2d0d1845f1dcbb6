EXPECT = "pass"
import matplotlib.pyplot as plt
import pandas as pd
from tensorflow import keras

# Training configuration
batch_size = 128  # Number of samples processed before model update
epochs = 10       # Number of complete passes through the dataset


def train_model(model, x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1):
    # Train the model
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_split=validation_split,  # Use 10% of training data for validation
        verbose=2,
    )
    return history


def plot_history(history):
    # Store history in a dataframe
    df_history = pd.DataFrame(history.history)

    # Visualize training history
    fig, axs = plt.subplots(1, 2, figsize=(15, 4))
    df_history.iloc[:, df_history.columns.str.contains('loss')].plot(
        title="Loss during training", ax=axs[0])
    df_history.iloc[:, df_history.columns.str.contains('accuracy')].plot(
        title="Accuracy during training", ax=axs[1])
    axs[0].set_xlabel("Epoch [#]")
    axs[1].set_xlabel("Epoch [#]")
    axs[0].set_ylabel("Loss")
    axs[1].set_ylabel("Accuracy")
    plt.show()
    return fig
