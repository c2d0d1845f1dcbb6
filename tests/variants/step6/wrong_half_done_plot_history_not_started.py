EXPECT = "plot_history() not started yet"
FAILURES = 1
import matplotlib.pyplot as plt


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    return model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=validation_split, verbose=0)


def plot_history(history):
    # TODO(step 6): draw loss/val_loss and accuracy/val_accuracy side by side; return the Figure.
    raise NotImplementedError("step 6: plot_history() is not written yet")
