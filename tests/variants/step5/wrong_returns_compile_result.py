EXPECT = "returned None, expected the model it was given"
def compile_model(model):
    return model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
