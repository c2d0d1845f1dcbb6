EXPECT = "an accuracy metric object is recorded under its own name"
import keras


def compile_model(model):
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    return model
