EXPECT = "expected the Adam optimizer"
def compile_model(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model
