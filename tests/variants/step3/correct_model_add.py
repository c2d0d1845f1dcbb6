EXPECT = "pass"
import keras
from keras import layers


def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    model = keras.Sequential()
    model.add(keras.Input(shape=input_shape))
    for filters in (32, 64):
        model.add(layers.Conv2D(filters, kernel_size=(3, 3), activation="relu"))
        model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(32, activation="relu"))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
