EXPECT = "compile's third positional argument is loss_weights, not metrics"
import keras


def compile_model(model):
    model.compile(keras.optimizers.Adam(), "sparse_categorical_crossentropy", ["accuracy"])
    return model
