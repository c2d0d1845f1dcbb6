EXPECT = "never called fit() on the model it was given"
import matplotlib.pyplot as plt
import pandas as pd

from tensorflow import keras
from tensorflow.keras import layers


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation='relu'),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation='relu'),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(32, activation='relu'),
            layers.Dense(10, activation='softmax'),
        ]
    )
    model.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
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

