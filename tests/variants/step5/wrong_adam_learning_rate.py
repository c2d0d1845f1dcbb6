EXPECT = "Adam with learning_rate=0.01"
import keras


def compile_model(model):
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        metrics=["accuracy"],
    )
    return model
