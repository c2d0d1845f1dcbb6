"""Step 6: train the model and plot its history.

Run the checks with `pytest exercises/step6`; the README beside this file explains the step.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def train_model(
    model: keras.Model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    batch_size: int = 128,
    epochs: int = 10,
    validation_split: float = 0.1,
) -> keras.callbacks.History:
    """Train a compiled model once on the given images and labels; return what fit() recorded.

    Tutorial section "3. Train TensorFlow model": `model.fit(...)` goes through the training
    images `epochs` times in batches of `batch_size`, holding out the last `validation_split`
    of them to measure the model on images it does not learn from. The defaults are the
    tutorial's settings: batches of 128, 10 epochs, 10 % held out.

    Args:
        model: a compiled Keras model (step 5), trained in place.
        x_train: the prepared training images, float32 of shape (N, 28, 28, 1) (steps 1 and 2).
        y_train: their labels, integers 0..9 of shape (N,).
        batch_size: how many images each weight update looks at.
        epochs: how many times training goes through the images.
        validation_split: the fraction of the images (the last ones) held out for validation;
            0.0 holds out nothing.

    Returns:
        The `keras.callbacks.History` that `model.fit` returned. Its `history` dict holds one
        value per epoch for `loss` and `accuracy` (and `val_loss`, `val_accuracy` when
        `validation_split` is above 0).

    Example:
        >>> history = train_model(model, x_train, y_train, epochs=2)
        >>> len(history.history["loss"])
        2
    """
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_split=validation_split,
    )
    return history


def plot_history(history: keras.callbacks.History) -> Figure:
    """Draw the training history in two panels, like the tutorial's Figure 1.

    Tutorial section "4. Model investigation": the left panel shows `loss` and `val_loss` over
    the epochs, the right panel `accuracy` and `val_accuracy`; each panel has a title, its axes
    are labelled (epochs along the bottom) and a legend names each curve.

    Args:
        history: the History that `train_model` returned; only `history.history` (a dict of
            per-epoch lists) is needed.

    Returns:
        The matplotlib Figure holding the two panels.

    Example:
        >>> fig = plot_history(history)
        >>> fig.savefig("training_history.png")
    """
    # One column per history key, one row per epoch.
    df_history = pd.DataFrame(history.history)

    fig, axs = plt.subplots(1, 2, figsize=(15, 4))
    df_history.loc[:, df_history.columns.str.contains("loss")].plot(title="Loss during training", ax=axs[0])
    df_history.loc[:, df_history.columns.str.contains("accuracy")].plot(title="Accuracy during training", ax=axs[1])
    axs[0].set_xlabel("Epoch [#]")
    axs[1].set_xlabel("Epoch [#]")
    axs[0].set_ylabel("Loss")
    axs[1].set_ylabel("Accuracy")
    return fig
