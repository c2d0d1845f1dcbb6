EXPECT = "pass"
import keras


def compile_model(model):
    model.compile(
        loss=keras.losses.sparse_categorical_crossentropy,
        optimizer="Adam",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model
