EXPECT = "pass"
def compile_model(model):
    settings = {"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": ("accuracy",)}
    model.compile(**settings)
    return model
