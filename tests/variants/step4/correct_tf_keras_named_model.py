EXPECT = "pass"
# tf.keras spelled out everywhere, and names for the model and its layers.
import tensorflow as tf


def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=input_shape, name="image"),
            tf.keras.layers.Conv2D(32, kernel_size=(3, 3), name="conv_1"),
            tf.keras.layers.ReLU(name="relu_1"),
            tf.keras.layers.MaxPooling2D(pool_size=(2, 2), name="pool_1"),
            tf.keras.layers.Conv2D(64, kernel_size=(3, 3), name="conv_2"),
            tf.keras.layers.ReLU(name="relu_2"),
            tf.keras.layers.MaxPooling2D(pool_size=(2, 2), name="pool_2"),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dropout(0.5),
            tf.keras.layers.Dense(32, name="hidden"),
            tf.keras.layers.ReLU(),
            tf.keras.layers.Dropout(0.5),
            tf.keras.layers.Dense(num_classes, name="scores"),
            tf.keras.layers.Softmax(name="probabilities"),
        ],
        name="mnist_cnn_layered",
    )
