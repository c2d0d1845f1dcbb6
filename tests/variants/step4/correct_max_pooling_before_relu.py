EXPECT = "pass"
# Each MaxPooling2D before its ReLU: the same network (relu of a maximum is the maximum of the relus).
from tensorflow import keras
from tensorflow.keras import layers


def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    # More precise and sequential approach
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3)),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.ReLU(),
            layers.Conv2D(64, kernel_size=(3, 3)),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.ReLU(),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(32),
            layers.ReLU(),
            layers.Dropout(0.5),
            layers.Dense(num_classes),
            layers.Softmax(),
        ]
    )
    return model
