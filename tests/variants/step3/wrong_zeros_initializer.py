EXPECT = "yet it doesn't learn"
# Every layer starts from zero weights: all filters stay identical and the ReLUs never open.
import keras
from keras import layers


def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    zeros = {"kernel_initializer": "zeros"}
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", **zeros),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu", **zeros),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(32, activation="relu", **zeros),
        layers.Dense(num_classes, activation="softmax", **zeros),
    ])
