"""What an activation function computes, told by trying it: relu, softmax, linear, or something else.

`classify_activation(function, shape)` calls `function` on a probe batch of `shape` and compares
the result with relu, softmax and the identity, so `'relu'`, `tf.nn.relu`,
`keras.activations.relu`, `Activation('relu')` and `ReLU()` all count as relu, and softmax
likewise; anything else is named by its function or layer name.

The checks of steps 3 and 4 name a learner's layers with it (`mnistkit.checks.model_description`),
and the engine's codec names the activations Keras can't name when a model crosses from the
learner's sandbox (`mnistkit.engine`), so it sits at the bottom of the package: numpy only.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

# What a probe-classified activation can be. Anything else is named by its function or layer name.
RELU, SOFTMAX, LINEAR = "relu", "softmax", "linear"
# The kind of a shape-keeping layer without weights, by what it does (a ReLU() or an Activation('relu')).
ACTIVATION_KINDS = {RELU: "ReLU", SOFTMAX: "Softmax", LINEAR: "Identity"}


def probe_batch(shape: tuple | None) -> np.ndarray:
    """A float32 batch of two inputs of `shape` (batch axis first): negative, zero, small and large values."""
    inner = tuple(int(d) for d in shape[1:]) if shape and all(d is not None for d in shape[1:]) else (9,)
    values = np.random.default_rng(0).normal(0.0, 3.0, size=(2, *inner)).astype(np.float32)
    flat = values.reshape(-1)
    edges = np.array([-50.0, -1.0, -1e-3, 0.0, 1e-3, 7.0, 50.0], dtype=np.float32)
    flat[: min(len(edges), flat.size)] = edges[: flat.size]  # relu6, leaky relu and the like differ here.
    return values


def softmax(values: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, computed in numpy."""
    shifted = np.exp(values - values.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def classify_activation(function: Callable[[Any], Any], shape: tuple | None = None, name: str | None = None) -> str:
    """"relu", "softmax" or "linear" if `function` behaves so on a probe of `shape`, else its name."""
    probe = probe_batch(shape)
    try:
        result = np.asarray(function(probe), dtype=np.float64)
    except Exception:  # noqa: BLE001  (an activation that can't take the probe is simply "other")
        result = None
    if result is not None and result.shape == probe.shape:
        for label, expected in ((RELU, np.maximum(probe, 0)), (SOFTMAX, softmax(probe.astype(np.float64))), (LINEAR, probe)):
            if np.allclose(result, expected, rtol=1e-4, atol=1e-6):
                return label
    return name or getattr(function, "__name__", type(function).__name__)
