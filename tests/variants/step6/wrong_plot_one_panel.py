EXPECT = "drew only one panel"
import matplotlib.pyplot as plt
import pandas as pd


def train_model(model, x_train, y_train, batch_size=128, epochs=10, validation_split=0.1):
    # Not written yet: this learner started with plot_history.
    raise NotImplementedError("step 6: train_model() is not written yet")


def plot_history(history):
    fig, ax = plt.subplots(figsize=(8, 4))
    pd.DataFrame(history.history).plot(ax=ax, title='Training history')
    ax.set_xlabel('Epoch [#]')
    return fig
