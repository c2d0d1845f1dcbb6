EXPECT = "metrics=['acc'] records 'acc'"
def compile_model(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["acc"])
    return model
