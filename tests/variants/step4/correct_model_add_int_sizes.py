EXPECT = "pass"
# model.add(...) one layer at a time, with int kernel and pool sizes.
import keras
from keras import layers


def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    model = keras.Sequential()
    model.add(keras.Input(shape=input_shape))
    for filters in (32, 64):
        model.add(layers.Conv2D(filters, 3))
        model.add(layers.ReLU())
        model.add(layers.MaxPool2D(2))
    model.add(layers.Flatten())
    model.add(layers.Dropout(rate=0.5))
    model.add(layers.Dense(units=32))
    model.add(layers.ReLU())
    model.add(layers.Dropout(rate=0.5))
    model.add(layers.Dense(units=num_classes))
    model.add(layers.Softmax(axis=-1))
    return model
