EXPECT = "has no function compile_model()"
def compile(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
