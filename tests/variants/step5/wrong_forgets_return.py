EXPECT = "add `return model`"
def compile_model(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
