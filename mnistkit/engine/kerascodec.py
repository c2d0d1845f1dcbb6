"""Keras models and training histories as safe data: a model's config as JSON and its weights as
arrays (what a `.keras` archive holds, without the zip), loaded back with `safe_mode=True`.

Before a model from the learner's side is loaded, its config is read for anything that is not
Keras's own: a `Lambda` layer, a layer, loss or function of the learner's own making. Those can't
be loaded without running the learner's code, so they are a `Mistake` that says to use layers
from `keras.layers`. Activation functions from elsewhere that behave exactly like relu, softmax or
the identity (`tf.nn.relu`, `tf.nn.softmax`) are sent as those names.

The kit's recording models (step 6, `training_checks.recording_model`) travel with what they
need to be rebuilt on the other side (dry run, the guard's request) and, on the way back, with
every fit() call they noted.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from mnistkit.checks.messages import Mistake

KERAS_MODULES = ("keras",)  # Modules a config may name: keras itself and its submodules.
FORBIDDEN = {"Lambda": "a Lambda layer"}


def _keras_loaded() -> bool:
    return "keras" in sys.modules


def _jsonable(value: Any) -> Any:
    """A config as plain JSON types (tuples become lists, numpy numbers Python numbers)."""
    def default(item: Any) -> Any:
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        return str(item)

    return json.loads(json.dumps(value, default=default))


# --- Encoding --------------------------------------------------------------------------------------


def _activation_name(function: Any, shape: Any) -> str | None:
    from mnistkit.checks.models import LINEAR, RELU, SOFTMAX, classify_activation

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
    return _jsonable(config)


def model_state(encoder: Any, model: Any) -> dict:
    """Weights, compile settings and (for a recording model) the fit() calls: what a call can change."""
    state = {
        "weights": [encoder.array(w) for w in model.get_weights()],
        "compile": _jsonable(model.get_compile_config()) if model.get_compile_config() else None,
        "eager": bool(getattr(model, "run_eagerly", False)),
    }
    log = getattr(model, "fit_log", None)
    if log is not None:
        state["calls"] = [{"arguments": encoder.encode(call.arguments), "history": encoder.encode(call.history)}
                          for call in log.calls]
    return state


def encode(encoder: Any, value: Any, depth: int) -> dict | None:
    if not _keras_loaded():
        return None
    import keras

    if isinstance(value, keras.Model):
        try:
            config = model_config(value)
        except Exception as error:  # noqa: BLE001  (a model Keras itself can't describe)
            return {"t": "unsendable", "what": f"a {type(value).__name__} Keras can't save ({type(error).__name__}: {error})"[:300]}
        node = {"t": "model", "config": config, "type": type(value).__name__, **model_state(encoder, value)}
        if getattr(value, "fit_log", None) is not None:
            guard = getattr(value, "fit_guard", None)
            request = getattr(guard, "request", None)
            node["recording"] = {
                "dry_run": bool(value.fit_dry_run),
                "request": None if request is None else encoder.encode({k: getattr(request, k) for k in request.__dataclass_fields__}),
            }
        return node
    if isinstance(value, keras.callbacks.History):
        return {
            "t": "history",
            "history": encoder.encode(getattr(value, "history", None), depth + 1),
            "params": encoder.encode(getattr(value, "params", None), depth + 1),
            "epoch": encoder.encode(getattr(value, "epoch", None), depth + 1),
            "model": encoder.encode(getattr(value, "model", None), depth + 1) if getattr(value, "_model", None) is not None else None,
        }
    return None


# --- Decoding --------------------------------------------------------------------------------------


def _foreign_part(config: Any) -> str | None:
    """What in a serialized config is not Keras's own, in words; None when all of it is."""
    if isinstance(config, list):
        return next((found for item in config if (found := _foreign_part(item))), None)
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
    return next((found for value in config.values() if (found := _foreign_part(value))), None)


def _keras_function(name: object) -> bool:
    """True for the name of one of Keras's own losses, metrics or activations."""
    import keras

    return isinstance(name, str) and name.isidentifier() and any(
        callable(getattr(module, name, None)) for module in (keras.losses, keras.metrics, keras.activations))


def _unloadable(what: str) -> Mistake:
    return Mistake(
        f"the model uses {what}, which the kit can't load without running your code: "
        "use layers from keras.layers and activations, losses and metrics by their Keras names "
        "(e.g. activation='relu', loss='sparse_categorical_crossentropy')")


def _load(config: Any) -> Any:
    import keras

    if not isinstance(config, dict):
        raise _malformed("a model without a config")
    foreign = _foreign_part(config)
    if foreign:
        raise _unloadable(foreign)
    try:
        if _plain_sequential(config):
            return _sequential(config["config"])
        return keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # noqa: BLE001  (any config Keras refuses)
        raise _unloadable(f"a part Keras refuses to load ({type(error).__name__}: {str(error)[:160]})") from None


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


def _malformed(what: str):
    from mnistkit.engine.bundles import MalformedValue

    return MalformedValue(what)


def apply_state(decoder: Any, model: Any, node: dict) -> None:
    """Give `model` the weights, compile settings and fit() calls that `node` carries."""
    weights = [decoder.array({"blob": name}) for name in decoder.items(node, "weights")]
    if weights:
        current = model.get_weights()
        if len(current) != len(weights) or any(a.shape != b.shape for a, b in zip(current, weights)):
            raise _malformed("weights that don't fit the model")
        model.set_weights(weights)
    compile_config = node.get("compile")
    if compile_config is not None and compile_config != _jsonable(model.get_compile_config() or None):
        foreign = _foreign_part(compile_config)
        if foreign:
            raise _unloadable(foreign)
        try:
            model.compile_from_config(compile_config)
        except Exception as error:  # noqa: BLE001
            raise _unloadable(f"compile settings Keras refuses to load ({type(error).__name__}: {str(error)[:160]})") from None
    if node.get("eager") is True:
        model.run_eagerly = True
    if "calls" in node and getattr(model, "fit_log", None) is not None:
        from mnistkit.checks.training import FitCall

        calls = []
        for call in decoder.items(node, "calls"):
            if not isinstance(call, dict):
                raise _malformed("a malformed record of a fit() call")
            arguments = decoder.decode(call.get("arguments"))
            if not isinstance(arguments, dict):
                raise _malformed("a malformed record of a fit() call")
            calls.append(FitCall(arguments, decoder.decode(call.get("history"))))
        model.fit_log.calls[:] = calls


def _recording(decoder: Any, plain: Any, spec: dict) -> Any:
    """The kit's recording model rebuilt around the layers of `plain` (only the judge sends these)."""
    import keras

    from mnistkit.checks.training import Request, guard_for, recording_model

    request = None
    if spec.get("request") is not None:
        fields = decoder.decode(spec["request"])
        request = Request(**fields)
    guard = guard_for(request) if request is not None else None
    return recording_model([keras.Input(shape=plain.input_shape[1:]), *plain.layers], guard=guard,
                           dry_run=spec.get("dry_run") is True)


def decode(decoder: Any, kind: str, node: dict, depth: int) -> Any:
    if kind == "unsendable":
        raise _unloadable(decoder.text(node, "what", 400))
    if kind == "model":
        reusing = decoder.kept_models is not None and not isinstance(node.get("recording"), dict)
        key = _kept_key(node) if reusing else None
        model = KEPT.take(key) if reusing else None
        if model is None:
            model = _load(node.get("config"))
        if isinstance(node.get("recording"), dict):
            model = _recording(decoder, model, node["recording"])
        decoder._remember(node, model)
        apply_state(decoder, model, node)
        if reusing:
            decoder.kept_models.append((key, model, Snapshot(model)))
        return model
    if kind == "history":
        import keras

        history = keras.callbacks.History()
        decoder._remember(node, history)
        history.history = decoder.decode(node.get("history"), depth + 1)
        history.params = decoder.decode(node.get("params"), depth + 1)
        history.epoch = decoder.decode(node.get("epoch"), depth + 1)
        model = decoder.decode(node.get("model"), depth + 1)
        if isinstance(model, keras.Model):
            history.set_model(model)
        return history
    return None


# --- Models kept between calls on the learner's side ------------------------------------------------
#
# Every call of a learner's function gets its own copy of each model argument, loaded from the
# config. For step 7 that was most of a check: loading the kit's CNN (about 0.1 s) and tracing its
# evaluate() and predict() again (about 0.3 s) for every call, 2-4 calls a check. A copy that the
# call left exactly as it was handed over (the same attributes, config, compile settings, weights
# and optimizer state; only Keras's traced functions added) is kept, and the next call given a
# model of the same config and compile settings gets it back, with the request's weights. Anything
# else (trained, recompiled, a layer or attribute changed) is dropped and the next call loads its
# own. Only the learner's side keeps models (`run_request`); the judge never does.

_TRACES = frozenset({"test_function", "predict_function", "_called", "stop_evaluating", "stop_predicting"})


class Snapshot:
    """What a learner's call could change in a model, to tell afterwards whether it did."""

    def __init__(self, model: Any) -> None:
        import hashlib

        import keras

        owners = [model, *model.layers]
        self.attributes = [{k: v for k, v in vars(owner).items() if k not in _TRACES} for owner in owners]
        digest = hashlib.sha256()
        # Of the optimizer, what any training or change of settings moves (its slots only move with them).
        optimizer = getattr(model, "optimizer", None)
        variables = list(model.weights) + [getattr(optimizer, name) for name in ("iterations", "learning_rate")
                                           if isinstance(getattr(optimizer, name, None), keras.Variable)]
        for variable in variables:
            value = np.asarray(variable)
            digest.update(str((value.dtype, value.shape)).encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        self.values = digest.hexdigest()
        self.settings = json.dumps([model.get_config(), model.get_compile_config(), bool(getattr(model, "run_eagerly", False))],
                                   sort_keys=True, default=repr)

    def same(self, other: "Snapshot") -> bool:
        return (self.values == other.values and self.settings == other.settings
                and len(self.attributes) == len(other.attributes)
                and all(a.keys() == b.keys() and all(a[k] is b[k] for k in a) for a, b in zip(self.attributes, other.attributes)))


def _kept_key(node: dict) -> str:
    return json.dumps([node.get("config"), node.get("compile"), node.get("eager") is True, node.get("type")],
                      sort_keys=True, default=repr)


class KeptModels:
    """A few models the learner's calls left untouched, by config and compile settings."""

    LIMIT = 4

    def __init__(self) -> None:
        self.models: dict[str, tuple[Any, Snapshot]] = {}

    def take(self, key: str) -> Any:
        kept = self.models.pop(key, None)
        if kept is None:
            return None
        model, snapshot = kept
        try:
            untouched = snapshot.same(Snapshot(model))  # Nothing changed it while it was kept.
            model.reset_metrics()
        except Exception:  # noqa: BLE001  (a model something broke meanwhile)
            return None
        return model if untouched else None

    def give_back(self, handed: list[tuple[str, Any, Snapshot]]) -> None:
        for key, model, snapshot in handed:
            try:
                after = Snapshot(model)
            except Exception:  # noqa: BLE001
                continue
            if snapshot.same(after):
                self.models.pop(key, None)
                self.models[key] = (model, after)
                while len(self.models) > self.LIMIT:
                    self.models.pop(next(iter(self.models)))


KEPT = KeptModels()
