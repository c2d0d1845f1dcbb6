EXPECT = "expected the very model object it was given"
import keras


def compile_model(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    copy = keras.models.clone_model(model)
    copy.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return copy
