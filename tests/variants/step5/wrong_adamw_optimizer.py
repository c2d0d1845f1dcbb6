EXPECT = "expected the Adam optimizer"
import keras


def compile_model(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.AdamW(), metrics=["accuracy"])
    return model
