EXPECT = "pass"
import tensorflow as tf
from tensorflow import keras


def compile_model(model):
    model.compile(
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        metrics=["accuracy"],
    )
    return model
