EXPECT = "yet it doesn't learn"
# Every layer frozen (trainable=False): the right layers, but training can't change a weight.
import keras
from keras import layers


def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    frozen = {"trainable": False}
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), **frozen), layers.ReLU(), layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), **frozen), layers.ReLU(), layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(), layers.Dropout(0.5),
        layers.Dense(32, **frozen), layers.ReLU(), layers.Dropout(0.5),
        layers.Dense(num_classes, **frozen), layers.Softmax(),
    ])
