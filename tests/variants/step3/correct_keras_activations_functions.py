EXPECT = "pass"
import keras
from keras import activations, layers


def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(filters=32, kernel_size=(3, 3), activation=activations.relu),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(filters=64, kernel_size=(3, 3), activation=keras.activations.relu),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(rate=0.5),
        layers.Dense(units=32, activation=activations.relu),
        layers.Dense(units=num_classes, activation=activations.softmax),
    ])
