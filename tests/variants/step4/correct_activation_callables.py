EXPECT = "pass"
# Activation layers given functions rather than names, and an explicit activation=None.
import tensorflow as tf
import keras
from keras import layers


def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation=None),
        layers.Activation(tf.nn.relu),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="linear"),
        layers.Activation(keras.activations.relu),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(32, activation=None),
        layers.ReLU(),
        layers.Dropout(0.5),
        layers.Dense(num_classes),
        layers.Activation(tf.nn.softmax),
    ])
