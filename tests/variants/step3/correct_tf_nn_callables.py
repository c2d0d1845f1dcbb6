EXPECT = "pass"
import tensorflow as tf
from tensorflow import keras


def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    return keras.Sequential([
        keras.layers.Conv2D(32, (3, 3), activation=tf.nn.relu, input_shape=input_shape),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation=tf.nn.relu),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(32, activation=tf.nn.relu),
        keras.layers.Dense(num_classes, activation=tf.nn.softmax),
    ])
