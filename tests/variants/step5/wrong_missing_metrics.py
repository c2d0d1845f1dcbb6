EXPECT = "no accuracy is tracked: add metrics=['accuracy']"
def compile_model(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model
