EXPECT = "must count correct predictions of integer labels"
import keras


def compile_model(model):
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model
