EXPECT = "integer labels need loss='sparse_categorical_crossentropy'"
def compile_model(model):
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
