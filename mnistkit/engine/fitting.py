"""Step 6's fit() calls, trained once per machine and, in a grade, by the judge.

A learner's train_model() calls fit() on the kit's recording model (`engine.recording`). When the
call is a plain one (numpy arrays, the usual settings, no callbacks, the model's first training),
what it produces depends only on the model's configuration, weights and compile settings, the
data and the settings. So such a call is not trained where the learner's code runs:

- `fit_plainly` describes the model and the call (`describe`), gets the result of that training
  (`remembered_training`: from the per-machine cache of mnistkit/memo.py when it holds it, else
  trained on a copy of the model, seeded, and kept), and gives the learner's model what training
  would have left it: its weights, its optimizer's state, and a History with the same numbers.
- In the learner's own `pytest exercises/step6`, that happens in the test process.
- In a grade, the learner's code runs in the sandbox, which can't write the cache and is not
  trusted with it: the sandbox asks the judge (`SERVICE`, set by `engine.sandbox`), and the judge
  trains (`serve`). A grade that counts (`--mnistkit-fresh`) reads nothing remembered: its judge
  trains each call itself.

Any other call (a callback, validation_data, a second fit(), a list instead of an array) is
trained by Keras itself, in the learner's process, as before.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mnistkit import memo, reference

# Keras fit()'s arguments as bound (keras.Model.fit's defaults filled in), and the values that
# keep a call plain. x, y, batch_size, epochs, verbose, validation_split, shuffle and
# initial_epoch may be anything valid.
PLAIN_DEFAULTS = {
    "callbacks": (None, []),
    "validation_data": (None,),
    "class_weight": (None,),
    "sample_weight": (None,),
    "steps_per_epoch": (None,),
    "validation_steps": (None,),
    "validation_batch_size": (None,),
    "validation_freq": (1,),
}
SETTINGS = ("batch_size", "epochs", "validation_split", "shuffle", "initial_epoch")
# What the judge trains for a sandbox: the training set at most, and a few epochs.
MAX_IMAGES, MAX_EPOCHS, MAX_WEIGHT_BYTES = 60_000, 20, 64 << 20  # (The tutorial's CNN: 0.4 MB.)
VERSION = "fit 1"  # Change it when what a remembered training holds changes.

# In the sandbox: a function that sends a described call to the judge and returns its result
# (or None: train here). Set by mnistkit.engine.sandbox; None elsewhere.
SERVICE: Callable[[dict], dict | None] | None = None


def _number(value: Any, kinds: tuple[type, ...]) -> bool:
    return isinstance(value, kinds) and not isinstance(value, bool)


def plain_settings(model: Any, arguments: dict) -> dict | None:
    """The call's settings if it is a plain first fit() of a compiled model on numpy arrays, else None."""
    for name, allowed in PLAIN_DEFAULTS.items():
        value = arguments.get(name)
        if not any(value is choice or (isinstance(choice, list) and value == choice) for choice in allowed):
            return None
    x, y = arguments.get("x"), arguments.get("y")
    if not all(isinstance(a, np.ndarray) and a.dtype.kind in "biuf" and a.ndim >= 1 for a in (x, y)) or len(x) != len(y):
        return None
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    try:
        if int(model.optimizer.iterations.numpy()) != 0:
            return None  # Trained before: the optimizer's state would count too.
    except Exception:  # noqa: BLE001
        return None
    return checked_settings({name: arguments.get(name) for name in SETTINGS})


def checked_settings(settings: Any) -> dict | None:
    """`settings` (SETTINGS, no more) with plain Python values, if each is valid for fit(); else None.
    The judge checks what a sandbox sends with it again."""
    if not isinstance(settings, dict) or set(settings) != set(SETTINGS):
        return None
    batch, epochs, split, start = (settings[k] for k in ("batch_size", "epochs", "validation_split", "initial_epoch"))
    integer = (int, np.integer)
    if not ((batch is None or (_number(batch, integer) and batch > 0)) and _number(epochs, integer)
            and _number(split, (*integer, float, np.floating)) and 0 <= split < 1
            and _number(start, integer) and 0 <= start <= epochs and isinstance(settings["shuffle"], bool)):
        return None
    return {"batch_size": None if batch is None else int(batch), "epochs": int(epochs), "validation_split": float(split),
            "shuffle": settings["shuffle"], "initial_epoch": int(start)}


def describe(model: Any, x: np.ndarray, y: np.ndarray, settings: dict) -> dict:
    """All that training depends on, as plain data (what the sandbox sends to the judge)."""
    from mnistkit.engine.kerasmodels import jsonable, model_config

    return {"config": model_config(model), "weights": model.get_weights(), "compile": jsonable(model.get_compile_config()),
            "eager": bool(model.run_eagerly), "x": x, "y": y, "settings": settings}


def remembered_training(call: dict) -> dict:
    """The result of training `call` (a `describe` of it): remembered, or trained now on a copy (the
    model is loaded only then: remembered by the configuration and weights the call describes)."""
    import keras

    try:
        digest = memo.config_digest(call["config"], call["weights"], VERSION, reference.fingerprint(), _unnamed(call["compile"]),
                                    call["eager"], call["settings"], memo.arrays_digest(call["x"], call["y"]))
        return memo.remembered("fits", digest, lambda: _train(model_of(call), call))
    finally:
        # The random state afterwards is the same whether the training ran or was read back.
        keras.utils.set_random_seed(reference.SEED)


def remembered_score(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int) -> tuple[float, float]:
    """`model.evaluate(x, y)`'s (loss, accuracy), remembered per machine by the model's configuration,
    weights and compile settings and by the data: a trained model met again is not evaluated again."""
    def evaluate() -> dict:
        loss, accuracy = model.evaluate(x, y, batch_size=batch_size, verbose=0)
        return {"loss": float(loss), "accuracy": float(accuracy)}

    digest = memo.model_digest(model, "score", _unnamed(model.get_compile_config()), batch_size, memo.arrays_digest(x, y))
    score = memo.remembered("scores", digest, evaluate)
    return score["loss"], score["accuracy"]


def _unnamed(compile_config: Any) -> Any:
    """Compile settings without the optimizer's name ("adam" in one session, "adam_3" in another)."""
    import copy

    unnamed = copy.deepcopy(compile_config)
    optimizer = unnamed.get("optimizer") if isinstance(unnamed, dict) else None
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        optimizer["config"].pop("name", None)
    return unnamed


def model_of(call: dict) -> Any:
    """The model `call` describes, loaded as data (no learner code), seeded, weighted and compiled."""
    import keras

    from mnistkit.engine.kerasmodels import foreign_part, load_model_config, unloadable

    keras.utils.set_random_seed(reference.SEED)  # Its dropout layers' random streams start from the seed.
    model = load_model_config(call["config"])
    model.set_weights(call["weights"])
    foreign = foreign_part(call["compile"])
    if foreign:
        raise unloadable(foreign)
    model.compile_from_config(call["compile"])
    model.run_eagerly = call["eager"]
    return model


def _train(model: Any, call: dict) -> dict:
    import keras

    settings = call["settings"]
    keras.utils.set_random_seed(reference.SEED)  # Shuffling too.
    history = model.fit(call["x"], call["y"], verbose=0, **settings)
    result: dict[str, Any] = {f"weights.{i}": w for i, w in enumerate(model.get_weights())}
    result.update({f"optimizer.{i}": np.array(v.numpy()) for i, v in enumerate(model.optimizer.variables)})
    result.update({f"history.{i}.{key}": np.asarray(values, dtype=np.float64) for i, (key, values) in enumerate(history.history.items())})
    result["epoch"] = np.asarray(history.epoch, dtype=np.int64)
    result["steps"] = history.params.get("steps", -1)
    return result


def fit_plainly(model: Any, arguments: dict, settings: dict) -> Any:
    """What `model.fit(**arguments)` returns, trained as the module says; the model is left trained."""
    call = describe(model, arguments["x"], arguments["y"], settings)
    result = SERVICE(call) if SERVICE is not None else remembered_training(call)
    if result is None:
        return None
    history = apply(model, result, arguments.get("verbose"), settings["epochs"])
    if SERVICE is not None:  # As remembered_training leaves it where it runs.
        import keras

        keras.utils.set_random_seed(reference.SEED)
    return history


def apply(model: Any, result: dict, verbose: Any, epochs: int) -> Any:
    """Leave `model` as training left the copy, and return the History fit() would have returned."""
    import keras

    weights = [result[f"weights.{i}"] for i in range(len(model.get_weights()))]
    model.set_weights(weights)
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    variables = optimizer.variables
    saved = sorted((int(name.split(".")[1]), value) for name, value in result.items() if name.startswith("optimizer."))
    if len(saved) != len(variables):
        raise ValueError("a remembered training that doesn't fit the model's optimizer")
    for variable, (_, value) in zip(variables, saved):
        variable.assign(value)
    entries = sorted((int(name.split(".")[1]), name.split(".", 2)[2], value) for name, value in result.items()
                     if name.startswith("history."))
    history = keras.callbacks.History()
    history.history = {key: [float(v) for v in values] for _, key, values in entries}
    history.epoch = [int(e) for e in np.atleast_1d(result["epoch"])]
    history.params = {"verbose": verbose, "epochs": epochs, "steps": int(result["steps"])}
    history.set_model(model)
    model.history = history
    return history


# --- The judge's side of a sandbox's request ----------------------------------------------------


def serve(call: Any) -> dict | None:
    """Train what a sandbox asked for (its description, read as data); None: let it train itself."""
    if not isinstance(call, dict) or not isinstance(call.get("settings"), dict):
        return None
    x, y, settings = call.get("x"), call.get("y"), checked_settings(call["settings"])
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.ndim >= 1 and len(x) == len(y) <= MAX_IMAGES):
        return None
    if settings is None or settings != call["settings"] or settings["epochs"] - settings["initial_epoch"] > MAX_EPOCHS:
        return None
    if not isinstance(call.get("weights"), list) or not isinstance(call.get("compile"), dict):
        return None
    if sum(w.nbytes for w in call["weights"]) > MAX_WEIGHT_BYTES:
        return None
    return remembered_training(call)
