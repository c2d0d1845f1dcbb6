"""Step 5: compile the model.

Run the checks with `pytest exercises/step5`; the README beside this file explains the step.
"""

import keras


def compile_model(model: keras.Model) -> keras.Model:
    """Choose how the model learns: its loss, its optimizer and the metrics it reports.

    Tutorial section "3. Train TensorFlow model": before `fit()` can train a model, `compile()`
    must tell it which loss to minimise (sparse categorical cross-entropy, because the labels
    are the integers 0..9), which optimizer takes the steps (Adam, with its default settings)
    and what to report besides the loss (accuracy).

    Args:
        model: an uncompiled Keras model ending in a softmax over 10 classes, such as the
            CNN of step 3 or step 4.

    Returns:
        The same model object, compiled in place, so that training it records the history
        keys 'loss', 'accuracy', 'val_loss' and 'val_accuracy'.

    Example:
        >>> model = compile_model(build_layered_model())
        >>> history = model.fit(x_train, y_train, epochs=1, validation_split=0.1)
        >>> sorted(history.history)
        ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    """
    model.compile(
        loss="sparse_categorical_crossentropy",  # The labels are integers 0..9, not one-hot vectors.
        optimizer="adam",
        metrics=["accuracy"],
    )
    return model
