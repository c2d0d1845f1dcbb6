"""The codec's Keras nodes: models and training histories as safe data. A model travels as its
config and state (`mnistkit.engine.kerasmodels`): weights as arrays, compile settings, and for the
kit's recording models (step 6, `mnistkit.engine.recording`) what they need to be rebuilt on the
other side (dry run, the guard's request) and, on the way back, every fit() call they noted.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from mnistkit.engine.kerasmodels import foreign_part, jsonable, load_model_config, malformed, model_config, unloadable


def _keras_loaded() -> bool:
    return "keras" in sys.modules


# --- Encoding --------------------------------------------------------------------------------------


def model_state(encoder: Any, model: Any) -> dict:
    """Weights, compile settings and (for a recording model) the fit() calls: what a call can change."""
    state = {
        "weights": [encoder.array(w) for w in model.get_weights()],
        "compile": jsonable(model.get_compile_config()) if model.get_compile_config() else None,
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


def apply_state(decoder: Any, model: Any, node: dict) -> None:
    """Give `model` the weights, compile settings and fit() calls that `node` carries."""
    weights = [decoder.array({"blob": name}) for name in decoder.items(node, "weights")]
    if weights:
        current = model.get_weights()
        if len(current) != len(weights) or any(a.shape != b.shape for a, b in zip(current, weights)):
            raise malformed("weights that don't fit the model")
        model.set_weights(weights)
    compile_config = node.get("compile")
    if compile_config is not None and compile_config != jsonable(model.get_compile_config() or None):
        foreign = foreign_part(compile_config)
        if foreign:
            raise unloadable(foreign)
        try:
            model.compile_from_config(compile_config)
        except Exception as error:  # noqa: BLE001
            raise unloadable(f"compile settings Keras refuses to load ({type(error).__name__}: {str(error)[:160]})") from None
    if node.get("eager") is True:
        model.run_eagerly = True
    if "calls" in node and getattr(model, "fit_log", None) is not None:
        from mnistkit.engine.recording import FitCall

        calls = []
        for call in decoder.items(node, "calls"):
            if not isinstance(call, dict):
                raise malformed("a malformed record of a fit() call")
            arguments = decoder.decode(call.get("arguments"))
            if not isinstance(arguments, dict):
                raise malformed("a malformed record of a fit() call")
            calls.append(FitCall(arguments, decoder.decode(call.get("history"))))
        model.fit_log.calls[:] = calls


def _recording(decoder: Any, plain: Any, spec: dict) -> Any:
    """The kit's recording model rebuilt around the layers of `plain` (only the judge sends these)."""
    import keras

    from mnistkit.engine.recording import guard_from, recording_model

    guard = None
    if spec.get("request") is not None:
        fields = decoder.decode(spec["request"])
        if not isinstance(fields, dict):
            raise malformed("a malformed request of a recording model")
        guard = guard_from(fields)
    return recording_model([keras.Input(shape=plain.input_shape[1:]), *plain.layers], guard=guard,
                           dry_run=spec.get("dry_run") is True)


def decode(decoder: Any, kind: str, node: dict, depth: int) -> Any:
    if kind == "unsendable":
        raise unloadable(decoder.text(node, "what", 400))
    if kind == "model":
        reusing = decoder.kept_models is not None and not isinstance(node.get("recording"), dict)
        key = _kept_key(node) if reusing else None
        model = KEPT.take(key) if reusing else None
        if model is None:
            model = load_model_config(node.get("config"))
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
