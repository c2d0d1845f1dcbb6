EXPECT = "also, the second Dropout(0.5) is missing (after Dense(32), before Dense(num_classes))"
# Step 3's model copied over unchanged.
import keras
from keras import layers


def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    return keras.Sequential([
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=input_shape),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(32, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])
