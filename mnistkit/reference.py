"""The kit's own, trusted versions of the steps, so that each suite tests one step only.

A suite that needs an earlier step's result (step 5 needs a model, step 7 a trained one) takes it
from here, never from the learner's other files nor from solutions/ (which a teacher may delete).
Everything is seeded: `reset_keras()` clears Keras's state and then seeds, in that order, because
`keras.backend.clear_session()` resets the seed.
"""

from __future__ import annotations

import numpy as np

from mnistkit import facts

SEED = 1234


def scale(images: np.ndarray) -> np.ndarray:
    """uint8 pixels -> float32 in [0, 1] (step 1)."""
    return images.astype(np.float32) / 255.0


def with_channel(images: np.ndarray) -> np.ndarray:
    """(N, H, W) -> (N, H, W, 1) (step 2)."""
    return images[..., np.newaxis]


def prepare(images: np.ndarray) -> np.ndarray:
    """Raw MNIST images -> the network's input: float32, scaled, with a channel axis."""
    return with_channel(scale(images))


def reset_keras(seed: int = SEED) -> None:
    """Forget every model built so far and seed Python, NumPy and TensorFlow."""
    import keras

    clear_session()
    keras.utils.set_random_seed(seed)  # After clear_session, which resets the seed.


def clear_session() -> None:
    """Keras's clear_session without its garbage collection: that takes ~0.2 s in a process full
    of TensorFlow objects, and only frees memory sooner."""
    import keras

    try:
        keras.backend.clear_session(free_memory=False)
    except TypeError:  # A Keras 3 older than the argument.
        keras.backend.clear_session()


def build_model(input_shape: tuple[int, ...] = facts.INPUT_SHAPE, num_classes: int = facts.NUM_CLASSES, layered: bool = True):
    """The tutorial's CNN (steps 3 and 4); `layered=False` gives the Sequential-API variant."""
    import keras
    from keras import layers

    if not layered:
        return keras.Sequential(
            [
                keras.Input(shape=input_shape),
                layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Flatten(),
                layers.Dropout(facts.DROPOUT_RATE),
                layers.Dense(32, activation="relu"),
                layers.Dense(num_classes, activation="softmax"),
            ]
        )
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3)),
            layers.ReLU(),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3)),
            layers.ReLU(),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(facts.DROPOUT_RATE),
            layers.Dense(32),
            layers.ReLU(),
            layers.Dropout(facts.DROPOUT_RATE),
            layers.Dense(num_classes),
            layers.Softmax(),
        ]
    )


def reseeded_copy(model):
    """A copy of `model`, same configuration and weights, made right after seeding: its dropout
    layers' random streams then start from SEED, whatever ran before (a model's own copy of the
    seed is set when it is built, and is not among its weights)."""
    import keras

    keras.utils.set_random_seed(SEED)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def fingerprint() -> str:
    """A digest of this file: the kit's training code, for results remembered per machine."""
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def compile_model(model):
    """Step 5's settings: sparse categorical cross-entropy, Adam, accuracy."""
    model.compile(loss=facts.LOSS, optimizer=facts.OPTIMIZER, metrics=list(facts.METRICS))
    return model


def train(model, x, y, epochs: int = 1, batch_size: int = facts.BATCH_SIZE, validation_split: float = 0.0):
    """Fit quietly; returns the History."""
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_split=validation_split, verbose=0)
