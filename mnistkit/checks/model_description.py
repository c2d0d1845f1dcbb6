"""A learner's Keras model described as plain data (steps 3, 4).

`describe_model(model)` turns a Sequential model into a `ModelInfo`: per layer (`LayerInfo`) its
kind, filters or units, kernel and pool sizes as tuples, dropout rate, activation, output shape and
parameter count. Only public Keras API is used: `isinstance` on `keras.layers` classes, the
layers' public attributes, `compute_output_shape`, `count_params`, and calling a layer or its
activation on a probe array: activations are named by what they *do* (`mnistkit.activations`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mnistkit.activations import ACTIVATION_KINDS, classify_activation

Shape = tuple  # A Keras shape such as (None, 26, 26, 32).


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a model, as plain data."""

    # "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"; for a weightless layer by what it does:
    # "ReLU", "Softmax", "Identity", "Activation(sigmoid)"; else the layer's class name.
    kind: str
    name: str  # The layer's Keras name, e.g. "conv2d_1".
    filters: int | None = None
    units: int | None = None
    kernel_size: tuple[int, ...] | None = None
    pool_size: tuple[int, ...] | None = None
    rate: float | None = None
    activation: str | None = None  # Conv2D and Dense only: "relu", "softmax", "linear" or a name.
    output_shape: Shape | None = None
    params: int | None = None

    @property
    def is_activation_layer(self) -> bool:
        return self.kind in ACTIVATION_KINDS.values() or self.kind.startswith("Activation(")


@dataclass(frozen=True)
class ModelInfo:
    """A Sequential model, as plain data; `input_shape` is None when Keras can't build the model."""

    input_shape: Shape | None
    layers: tuple[LayerInfo, ...]
    total_params: int | None

    @property
    def kinds(self) -> list[str]:
        return [layer.kind for layer in self.layers]


def _size_tuple(value: Any) -> tuple[int, ...] | None:
    """A kernel or pool size as Keras may hold it (3, or (3, 3)), as a tuple of ints."""
    if value is None:
        return None
    if isinstance(value, int):
        return (value, value)
    return tuple(int(v) for v in value)


def describe_layer(layer: Any, input_shape: Shape | None) -> LayerInfo:
    """A LayerInfo for `layer`, which receives inputs of `input_shape` (None if unknown)."""
    from keras import layers

    try:
        output_shape = tuple(layer.compute_output_shape(input_shape)) if input_shape is not None else None
    except Exception:  # noqa: BLE001
        output_shape = None
    try:
        params = int(layer.count_params())
    except Exception:  # noqa: BLE001  (not built: the model has no input shape)
        params = None
    common = {"name": layer.name, "output_shape": output_shape, "params": params}
    if isinstance(layer, layers.Conv2D):
        return LayerInfo("Conv2D", filters=int(layer.filters), kernel_size=_size_tuple(layer.kernel_size),
                         activation=classify_activation(layer.activation, output_shape), **common)
    if isinstance(layer, layers.Dense):
        return LayerInfo("Dense", units=int(layer.units),
                         activation=classify_activation(layer.activation, output_shape), **common)
    if isinstance(layer, layers.MaxPooling2D):
        return LayerInfo("MaxPooling2D", pool_size=_size_tuple(layer.pool_size), **common)
    if isinstance(layer, layers.Flatten):
        return LayerInfo("Flatten", **common)
    if isinstance(layer, layers.Dropout):
        return LayerInfo("Dropout", rate=float(layer.rate), **common)
    # A layer without weights that keeps the shape is an activation layer: name it by what it does.
    if params in (0, None) and (output_shape is None or output_shape == tuple(input_shape)):
        behaviour = classify_activation(layer, input_shape, name=None)
        if behaviour in ACTIVATION_KINDS:
            return LayerInfo(ACTIVATION_KINDS[behaviour], **common)
        if isinstance(layer, layers.Activation):  # Activation('sigmoid'), say: named by its function.
            return LayerInfo(f"Activation({classify_activation(layer.activation, input_shape)})", **common)
        if type(layer).__name__ in ACTIVATION_KINDS.values():  # ReLU(max_value=6) is not the tutorial's ReLU().
            return LayerInfo(f"{type(layer).__name__}(non-default settings)", **common)
    return LayerInfo(type(layer).__name__, **common)


def model_input_shape(model: Any) -> Shape | None:
    """`model.input_shape`, or None when the model has none (no keras.Input, no input_shape=)."""
    try:
        return tuple(model.input_shape)
    except Exception:  # noqa: BLE001  (Keras raises AttributeError/ValueError for an unbuilt model)
        return None


def in_tutorial_order(layers: list[LayerInfo], input_shape: Shape | None) -> list[LayerInfo]:
    """The layers with each MaxPooling2D → ReLU pair described as ReLU → MaxPooling2D, the tutorial's order.

    The two compute the same function: relu is monotone, so the relu of a window's maximum is the
    maximum of its relus. The same network is judged the same, whichever order it was written in.
    """
    ordered = list(layers)
    for index in range(len(ordered) - 1):
        pool, relu = ordered[index], ordered[index + 1]
        if pool.kind == "MaxPooling2D" and relu.kind == "ReLU":
            before = ordered[index - 1].output_shape if index else input_shape
            ordered[index] = replace(relu, output_shape=before)  # ReLU keeps the shape it is given.
            ordered[index + 1] = replace(pool, output_shape=relu.output_shape)
    return ordered


def describe_model(model: Any) -> ModelInfo:
    """The model's layers as plain data, shapes chained from its input through compute_output_shape
    (in the tutorial's order where that changes nothing: see in_tutorial_order)."""
    shape = model_input_shape(model)
    described = []
    for layer in model.layers:
        info = describe_layer(layer, shape)
        described.append(info)
        shape = info.output_shape
    try:
        total = int(model.count_params())
    except Exception:  # noqa: BLE001
        total = None
    return ModelInfo(model_input_shape(model), tuple(in_tutorial_order(described, model_input_shape(model))), total)


def format_shape(shape: Shape | None) -> str:
    """`(None, 26, 26, 32)`, as model.summary() shows a shape."""
    if shape is None:
        return "unknown"
    return str(tuple(shape))
