EXPECT = "integer class labels need loss='sparse_categorical_crossentropy'"
def compile_model(model):
    model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
    return model
