EXPECT = "NameError: name 'modle' is not defined"
def compile_model(model):
    modle.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
