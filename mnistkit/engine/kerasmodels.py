"""Keras models as safe data: a model's config as JSON (what a `.keras` archive holds, without the
zip), read back with `safe_mode=True`, never by running anyone's code.

Before a config is loaded it is read for anything that is not Keras's own: a `Lambda` layer, a
layer, loss or function of the learner's own making. Those can't be loaded without running the
learner's code, so they are a `Mistake` that says to use layers from `keras.layers`. Activation
functions from elsewhere that behave exactly like relu, softmax or the identity (`tf.nn.relu`,
`tf.nn.softmax`) are written as those names.

The codec (`mnistkit.engine.kerascodec`) sends models this way, and step 6's trainings are
described and loaded this way (`mnistkit.engine.fitting`).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from mnistkit.mistakes import Mistake

KERAS_MODULES = ("keras",)  # Modules a config may name: keras itself and its submodules.
FORBIDDEN = {"Lambda": "a Lambda layer"}


def jsonable(value: Any) -> Any:
    """A config as plain JSON types (tuples become lists, numpy numbers Python numbers)."""
    def default(item: Any) -> Any:
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        return str(item)

    return json.loads(json.dumps(value, default=default))



def _activation_name(function: Any, shape: Any) -> str | None:
    from mnistkit.activations import LINEAR, RELU, SOFTMAX, classify_activation

    label = classify_activation(function, shape)
    return {RELU: "relu", SOFTMAX: "softmax", LINEAR: "linear"}.get(label)


def _normalise_activations(model: Any, config: dict) -> None:
    """Replace activation functions Keras can't name (tf.nn.softmax, ...) by the name of what they do."""
    entries = {entry.get("config", {}).get("name"): entry for entry in config.get("layers", []) if isinstance(entry, dict)}
    for layer in getattr(model, "layers", []):
        entry = entries.get(layer.name)
        activation = entry.get("config", {}).get("activation") if entry else None
        if isinstance(activation, dict) and not str(activation.get("module", "")).startswith(KERAS_MODULES):
            try:
                shape = layer.output.shape if hasattr(layer, "output") else None
            except Exception:  # noqa: BLE001  (an unbuilt layer has no output yet)
                shape = None
            name = _activation_name(layer.activation, shape)
            if name is not None:
                entry["config"]["activation"] = name


def model_config(model: Any) -> dict:
    """The model's config as `keras.saving.serialize_keras_object` writes it, JSON-safe."""
    import keras

    if isinstance(model, keras.Sequential):
        # Subclasses of Sequential (the kit's recording model) are sent as what they are built of.
        config = {"module": "keras", "class_name": "Sequential", "config": model.get_config(), "registered_name": None}
        _normalise_activations(model, config["config"])
    else:
        config = keras.saving.serialize_keras_object(model)
    return jsonable(config)



def foreign_part(config: Any) -> str | None:
    """What in a serialized config is not Keras's own, in words; None when all of it is."""
    if isinstance(config, list):
        return next((found for item in config if (found := foreign_part(item))), None)
    if not isinstance(config, dict):
        return None
    class_name, module = config.get("class_name"), config.get("module")
    if isinstance(class_name, str) and class_name in FORBIDDEN and str(module).startswith(KERAS_MODULES):
        return FORBIDDEN[class_name]
    if config.get("module") == "builtins" and class_name == "function" and _keras_function(config.get("config")):
        return None  # How Keras writes its own functions by name (loss="...", metrics=[...], activations).
    if "module" in config and isinstance(class_name, str):
        registered = config.get("registered_name")
        if not isinstance(module, str) or not (module == "keras" or module.startswith("keras.")) or registered not in (None, "function", class_name):
            inner = config.get("config")
            shown = inner if class_name == "function" and isinstance(inner, str) else class_name
            return f"{shown!s:.60} from {module!s:.60}"
    return next((found for value in config.values() if (found := foreign_part(value))), None)


def _keras_function(name: object) -> bool:
    """True for the name of one of Keras's own losses, metrics or activations."""
    import keras

    return isinstance(name, str) and name.isidentifier() and any(
        callable(getattr(module, name, None)) for module in (keras.losses, keras.metrics, keras.activations))


def unloadable(what: str) -> Mistake:
    return Mistake(
        f"the model uses {what}, which the kit can't load without running your code: "
        "use layers from keras.layers and activations, losses and metrics by their Keras names "
        "(e.g. activation='relu', loss='sparse_categorical_crossentropy')")


def load_model_config(config: Any) -> Any:
    import keras

    if not isinstance(config, dict):
        raise malformed("a model without a config")
    foreign = foreign_part(config)
    if foreign:
        raise unloadable(foreign)
    try:
        if _plain_sequential(config):
            return _sequential(config["config"])
        return keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # noqa: BLE001  (any config Keras refuses)
        raise unloadable(f"a part Keras refuses to load ({type(error).__name__}: {str(error)[:160]})") from None


def _plain_sequential(config: dict) -> bool:
    """A Sequential's config as `model_config` writes it, its layers in Keras 3's format."""
    inner = config.get("config")
    return (config.get("module") == "keras" and config.get("class_name") == "Sequential"
            and config.get("registered_name") is None and set(config) == {"module", "class_name", "config", "registered_name"}
            and isinstance(inner, dict) and isinstance(inner.get("name"), str) and isinstance(inner.get("layers"), list)
            and all(isinstance(layer, dict) and "module" in layer for layer in inner["layers"]))


def _sequential(inner: dict) -> Any:
    """What `Sequential.from_config` makes of `inner`, with its graph built once: from_config adds the
    layers one by one and rebuilds the graph after each (measured: the tutorial's layer-by-layer CNN
    loads in 39 ms instead of 63, the Sequential-API one in 22 ms instead of 43)."""
    import keras

    layers = [keras.saving.deserialize_keras_object(layer, safe_mode=True) for layer in inner["layers"]]
    model = keras.Sequential(layers, name=inner["name"])
    shape = inner.get("build_input_shape")
    if not model.built and isinstance(shape, (tuple, list)) and shape:
        model.build(shape)
    return model


def malformed(what: str):
    from mnistkit.engine.bundles import MalformedValue

    return MalformedValue(what)
