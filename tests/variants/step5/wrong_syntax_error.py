EXPECT = "SYNTAX ERROR in exercises/step5/compile_model.py, line 2"
def compile_model(model)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
