EXPECT = "ReLU() and Dropout(0.5) are in the wrong order: the tutorial has Dense(32) → ReLU() → Dropout(0.5)"
# The hidden layer's ReLU placed after the second Dropout instead of before it.
import keras
from keras import layers


def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3)),
        layers.ReLU(),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3)),
        layers.ReLU(),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(32),
        layers.Dropout(0.5),
        layers.ReLU(),
        layers.Dense(num_classes),
        layers.Softmax(),
    ])
