EXPECT = "pass"
import keras
from keras import layers


def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPool2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPool2D(2),
        layers.Flatten(),
        layers.Dropout(.5),
        layers.Dense(32, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])
