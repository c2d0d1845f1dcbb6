EXPECT = "left the model uncompiled"
def compile_model(model):
    # Settings written down, but model.compile(...) never called.
    loss, optimizer, metrics = "sparse_categorical_crossentropy", "adam", ["accuracy"]
    return model
