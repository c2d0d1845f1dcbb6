"""Step 5's checks in plain words: is a model compiled, with which loss, optimizer and metrics.

Everything here reads public Keras API only (`get_compile_config()`, `model.loss`,
`optimizer.get_config()`, `Loss.get_config()`), so that it keeps working across Keras 3
releases. Keras is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from mnistkit import facts

# Labels and softmax outputs of a confident classifier: right on the first five images, wrong on
# the last three. Confident outputs make every slip in the loss show: sparse categorical
# cross-entropy of these is 2.596, the same loss with from_logits=True (which re-applies a
# softmax to what are already probabilities) 1.840, and the one-hot losses refuse integer labels.
LABELS = np.array([3, 0, 7, 1, 9, 4, 2, 8], dtype=np.uint8)
PREDICTED = np.array([3, 0, 7, 1, 9, 5, 6, 0])
CONFIDENCE = 0.991  # The probability of the predicted class; the other nine share the rest.


def confident_outputs() -> tuple[np.ndarray, np.ndarray]:
    """(labels, probabilities): uint8 labels of shape (8,) and float32 softmax outputs of shape (8, 10)."""
    probabilities = np.full((len(LABELS), facts.NUM_CLASSES), (1 - CONFIDENCE) / (facts.NUM_CLASSES - 1), dtype=np.float32)
    probabilities[np.arange(len(LABELS)), PREDICTED] = CONFIDENCE
    return LABELS.copy(), probabilities


def sparse_crossentropy(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The mean of -log(probability of the true class): what the tutorial's loss computes."""
    return float(np.mean(-np.log(probabilities[np.arange(len(labels)), labels].astype(np.float64))))


def is_compiled(model: Any) -> bool:
    """Whether `model.compile(...)` has been called on this Keras model."""
    try:
        return bool(model.get_compile_config())
    except (AttributeError, TypeError, ValueError):
        return False


def describe_loss(loss: Any) -> str:
    """How a message names the loss given to compile: `'mse'`, `SparseCategoricalCrossentropy(from_logits=True)`."""
    if isinstance(loss, str):
        return repr(loss)
    if loss is None:
        return "no loss"
    get_config = getattr(loss, "get_config", None)
    if callable(get_config):
        try:
            config = get_config()
        except Exception:  # noqa: BLE001  (a learner's own loss class may not implement it)
            config = {}
        # Only the setting a learner is likely to have changed is shown.
        return f"{type(loss).__name__}({'from_logits=True' if config.get('from_logits') else ''})"
    return f"{getattr(loss, '__name__', type(loss).__name__)} (a function)"


def loss_hint(loss: Any) -> str:
    """The likely mistake behind a loss that is not sparse categorical cross-entropy."""
    name = describe_loss(loss).lower().replace("_", "")
    if "sparse" not in name and "categoricalcrossentropy" in name:
        return ("the MNIST labels are integers 0..9, not one-hot vectors, and integer labels need "
                "loss='sparse_categorical_crossentropy' (categorical_crossentropy expects one-hot labels)")
    if "fromlogits=true" in name:
        return ("the model ends in a softmax, so its outputs are already probabilities, not logits: "
                "leave from_logits=False (the default), e.g. loss='sparse_categorical_crossentropy'")
    return "integer class labels need loss='sparse_categorical_crossentropy', as in the tutorial"


def adam_differences(optimizer: Any) -> dict[str, tuple[Any, Any]]:
    """{setting: (value found, Adam's default)} for every setting that differs from `keras.optimizers.Adam()`."""
    import keras

    found, default = optimizer.get_config(), keras.optimizers.Adam().get_config()
    differences = {}
    for key, expected in default.items():
        if key == "name":
            continue
        value = found.get(key)
        if isinstance(expected, float) and isinstance(value, (int, float)):
            same = bool(np.isclose(value, expected, rtol=1e-6, atol=0))
        else:
            same = value == expected
        if not same:
            differences[key] = (value, expected)
    return differences


def show(value: Any) -> str:
    """A setting's value as a learner would type it: 0.001, not 0.0010000000474974513."""
    return f"{value:g}" if isinstance(value, float) else repr(value)


def compiled_metrics(model: Any) -> list[str]:
    """The metrics given to compile, as names: ['accuracy'], ['SparseCategoricalAccuracy(name=acc)']."""
    metrics = (model.get_compile_config() or {}).get("metrics") or []
    if isinstance(metrics, (str, dict)):
        metrics = [metrics]
    names = []
    for metric in metrics:
        if isinstance(metric, dict) and "class_name" in metric:
            config = metric.get("config")
            name = config.get("name") if isinstance(config, dict) else config
            names.append(f"{metric['class_name']}(name={name})")
        else:
            names.append(str(metric))
    return names


def misplaced_settings(model: Any, called: str) -> str | None:
    """A message when compile got loss_weights (the tutorial gives none), else None.

    In Keras 3, `compile(optimizer, loss, loss_weights, metrics, ...)`: a third positional argument
    such as `['accuracy']` becomes loss_weights, the model tracks no metric, and the loss fails with
    "dtype='string' is not a valid dtype", which says nothing about the slip.
    """
    config = model.get_compile_config() or {}
    loss_weights = config.get("loss_weights")
    if loss_weights is None or (isinstance(loss_weights, (list, tuple, dict)) and not loss_weights):
        return None
    if not config.get("metrics"):
        return (f"{called} called model.compile(...) with loss_weights={loss_weights!r} and no metrics, expected "
                "metrics=['accuracy']: compile's third positional argument is loss_weights, not metrics: write "
                "metrics=['accuracy'] by name")
    return (f"{called} called model.compile(...) with loss_weights={loss_weights!r}, expected no loss_weights: the "
            "tutorial gives compile a loss, an optimizer and metrics=['accuracy'], nothing else")


def history_hint(keys: set[str], metrics: list[str] | tuple[str, ...] = ()) -> str:
    """The likely mistake behind training-history keys other than loss, accuracy, val_loss, val_accuracy.

    `metrics` are the metrics given to compile, as `compiled_metrics()` names them.
    """
    if "acc" in keys:
        return ("in Keras 3, metrics=['acc'] records 'acc' and 'val_acc'; write metrics=['accuracy'] so the "
                "history says 'accuracy' and 'val_accuracy' (step 6 plots those)")
    # A metric given as a string other than 'accuracy' is recorded under that very string.
    named = [name for name in metrics if "(" not in name and name != "accuracy" and name in keys]
    if named and "accuracy" not in keys:
        return (f"metrics=[{named[0]!r}] records {named[0]!r} and 'val_{named[0]}'; write metrics=['accuracy'] so the "
                "history says 'accuracy' and 'val_accuracy' (step 6 plots those)")
    if "accuracy" not in keys and any("accuracy" in key for key in keys):
        return ("an accuracy metric object is recorded under its own name; use metrics=['accuracy'] "
                "(or give the metric name='accuracy')")
    if "accuracy" not in keys:
        return "no accuracy is tracked: add metrics=['accuracy'] to model.compile(...)"
    return "the tutorial tracks accuracy only: metrics=['accuracy']"


def short_error(error: BaseException, limit: int = 160) -> str:
    """`ValueError: Arguments target and output must have the same rank...`, on one short line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    # TensorFlow's errors carry a preamble and the names of graph nodes; keep the line that says
    # what went wrong, without the {{node ...}} parts.
    useful = [line for line in lines if "shape" in line.lower()] or lines or [""]
    text = re.sub(r"\s*for '\{\{node.*$", "", useful[0])
    text = re.sub(r"\{\{[^}]*\}\}\s*|\s*\[Op:[^]]*\].*$", "", text).strip()
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(error).__name__}: {text}"
