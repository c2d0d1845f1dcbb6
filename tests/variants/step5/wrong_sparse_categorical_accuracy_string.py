EXPECT = "metrics=['sparse_categorical_accuracy'] records 'sparse_categorical_accuracy'"
def compile_model(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    return model
