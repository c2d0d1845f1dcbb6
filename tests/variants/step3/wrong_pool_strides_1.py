EXPECT = "keep MaxPooling2D's default strides (equal to pool_size)"
# strides=1 makes the 2x2 pool slide one pixel at a time, so it no longer halves the feature maps.
import keras
from keras import layers


def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2), strides=1),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(32, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])
