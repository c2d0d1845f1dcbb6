"""Step 5's checks in plain words: is a model compiled, with which loss, optimizer and metrics.

Everything here reads public Keras API only (`get_compile_config()`, `model.loss`,
`optimizer.get_config()`, `Loss.get_config()`), so that it keeps working across Keras 3
releases. Keras is imported inside the functions: importing this module stays cheap.

The second half is the suite's (exercises/step5/test_compile_model.py): what compile_model did
to the tutorial's CNN, a short training run of it, and one check, with its failure message, per
test.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from mnistkit import facts, reference
from mnistkit.checks.messages import FirstProblem, Mistake, check

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


# ---------------------------------------------------------------------------------------------
# The suite (exercises/step5/test_compile_model.py): what compile_model did, and one failure
# per mistake. `said` is the test file's own FirstProblem: a mistake that several tests meet
# fails the first of them, the others skip.
# ---------------------------------------------------------------------------------------------

CALL = "compile_model(model)"
Outcome = tuple[Any, BaseException | None]  # (what compile_model returned, the exception it raised or None)

# One short training run shows which history keys the compiled model records: 128 MNIST images,
# the last quarter held out by validation_split, and one batch of 96 = one optimizer step.
# Seconds matter more than accuracy here; nothing is compared with a learned accuracy.
TRAIN_IMAGES = 128
VALIDATION_SPLIT = 0.25
BATCH_SIZE = 96

UNCOMPILED = (f"{CALL} left the model uncompiled, expected it compiled: call "
              "model.compile(loss=..., optimizer=..., metrics=...) on the model you were given")


def compiled_candidate(given_model: Any, outcome: Outcome) -> Any:
    """The model compile_model compiled: the one it was given or, failing that, a compiled model it
    returned instead, so that its settings are still judged (the first test names that mistake).
    None when neither is compiled."""
    result, _ = outcome
    if is_compiled(given_model):
        return given_model
    if result is not None and is_compiled(result):
        return result
    return None


def short_training(candidate: Any, mnist: Any) -> Any:
    """(history, validation images, validation labels) of one optimizer step on TRAIN_IMAGES MNIST
    images, or the exception fit() raised; None when there is no compiled model to train."""
    if candidate is None or misplaced_settings(candidate, CALL):
        return None
    (x_train, y_train), _ = mnist
    x, y = reference.prepare(x_train[:TRAIN_IMAGES]), y_train[:TRAIN_IMAGES]
    # Eager execution skips tracing the training step into a graph: the same history, a second sooner.
    candidate.run_eagerly = True
    try:
        history = candidate.fit(x, y, batch_size=BATCH_SIZE, epochs=1, validation_split=VALIDATION_SPLIT, verbose=0)
    except Exception as error:  # noqa: BLE001  (Keras rejects the compile settings; the tests say which)
        return error
    held_out = TRAIN_IMAGES - int(TRAIN_IMAGES * (1 - VALIDATION_SPLIT))  # validation_split takes the last images.
    return history, x[-held_out:], y[-held_out:]


def returned_by(said: FirstProblem, outcome: Outcome) -> Any:
    """What compile_model returned; the exception it raised fails the first test that asks."""
    result, error = outcome
    if error is not None:
        said.reraise(f"the {type(error).__name__} compile_model() raised", error)
    return result


def compiled_model(said: FirstProblem, outcome: Outcome, candidate: Any) -> Any:
    """The compiled model, or the one failure that says there is none."""
    returned_by(said, outcome)
    if candidate is None:
        said.fail("the uncompiled model", UNCOMPILED)
    return candidate


def check_compile_settings(said: FirstProblem, compiled: Any) -> None:
    """A compile call with loss_weights (most often metrics given third by position) fails here first."""
    message = misplaced_settings(compiled, CALL)
    if message:
        said.fail("the arguments of model.compile(...)", message)


def trained(said: FirstProblem, outcome: Outcome, candidate: Any, training: Any) -> Any:
    """(history, images, labels) of the short training run, or the one failure that says why there is none."""
    compiled = compiled_model(said, outcome, candidate)
    check_compile_settings(said, compiled)
    if isinstance(training, BaseException):
        metrics = compiled_metrics(compiled)
        problem, hint = "the metrics", "check the metrics given to model.compile(...): metrics=['accuracy']"
        if any(name.startswith("Accuracy(") for name in metrics):
            hint = ("keras.metrics.Accuracy() compares each label with each output value; write metrics=['accuracy'] "
                    "and Keras picks the accuracy that fits integer labels and probabilities")
        elif not loss_is_right(compiled):
            problem, hint = "the loss", loss_hint(compiled.loss)
        said.fail(problem, f"model.fit(...) on {TRAIN_IMAGES} MNIST images with integer labels, after {CALL} with loss "
                           f"{describe_loss(compiled.loss)} and metrics {metrics}, raised "
                           f"{short_error(training)}; expected it to train: {hint}")
    return training


def check_given_model_compiled(said: FirstProblem, given_model: Any, outcome: Outcome) -> None:
    """compile_model compiled the very model it was given, not a new one or a copy."""
    returned = returned_by(said, outcome)
    if is_compiled(given_model):
        return
    if returned is not None and returned is not given_model and is_compiled(returned):
        raise Mistake(f"{CALL} left the model it was given uncompiled and returned a different, compiled model, "
                      "expected the given model compiled in place: call model.compile(...) on the `model` argument; "
                      "don't build or copy a new model")
    said.fail("the uncompiled model", UNCOMPILED)


def check_returns_given_model(said: FirstProblem, given_model: Any, outcome: Outcome) -> None:
    """compile_model returned the model it was given (compile itself returns None)."""
    returned = returned_by(said, outcome)
    if returned is given_model:
        return
    if returned is None:
        raise Mistake(f"{CALL} returned None, expected the model it was given: add `return model` at the end "
                      "(model.compile() changes the model in place and itself returns None)")
    import keras

    what = "another model (a new one or a copy)" if isinstance(returned, keras.Model) else f"a {type(returned).__name__}"
    raise Mistake(f"{CALL} returned {what}, expected the very model object it was given: "
                  "compile `model` itself and `return model`; don't build or copy a new one")


def check_optimizer_is_adam(said: FirstProblem, outcome: Outcome, candidate: Any) -> None:
    import keras

    optimizer = compiled_model(said, outcome, candidate).optimizer
    if type(optimizer) is not keras.optimizers.Adam:
        said.fail("the optimizer", (f"{CALL} gave the optimizer {type(optimizer).__name__}, expected the Adam "
                                    "optimizer: use optimizer='adam', as the tutorial does"))


def check_adam_defaults(said: FirstProblem, outcome: Outcome, candidate: Any) -> None:
    """Adam as `optimizer='adam'` makes it: every setting at its default."""
    import keras

    compiled = compiled_model(said, outcome, candidate)
    if type(compiled.optimizer) is not keras.optimizers.Adam:
        said.fail("the optimizer", f"{CALL} gave the optimizer {type(compiled.optimizer).__name__}, expected Adam: "
                                   "use optimizer='adam'")
    differences = adam_differences(compiled.optimizer)
    got = ", ".join(f"{key}={show(value)}" for key, (value, _) in differences.items())
    default = ", ".join(f"{key}={show(value)}" for key, (_, value) in differences.items())
    check(not differences, CALL, f"Adam with its default settings ({default})", f"Adam with {got}",
          "the tutorial keeps Adam's defaults: optimizer='adam', or keras.optimizers.Adam() without arguments")


def loss_of(said: FirstProblem, compiled: Any, labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The compiled loss of `probabilities` (the model's softmax outputs) for integer `labels`."""
    check_compile_settings(said, compiled)
    # compute_loss is the public hook fit() itself calls; given outputs directly, it runs the loss
    # exactly as compiled, without training anything.
    try:
        return float(compiled.compute_loss(y=labels, y_pred=probabilities))
    except Exception as error:  # noqa: BLE001  (a loss that can't take integer labels: name it)
        said.fail("the loss", (
            f"the loss {describe_loss(compiled.loss)} set by {CALL}, given integer labels such as "
            f"{labels[:4].tolist()} and 10 probabilities per image, raised {short_error(error)}; "
            f"expected a number: {loss_hint(compiled.loss)}"
        ))


def loss_is_right(compiled: Any) -> bool:
    """Whether the compiled loss is sparse categorical cross-entropy (the two loss checks below say why not)."""
    labels, probabilities = confident_outputs()
    try:
        got = float(compiled.compute_loss(y=labels, y_pred=probabilities))
    except Exception:  # noqa: BLE001
        return False
    expected = sparse_crossentropy(labels, probabilities)
    return abs(got - expected) <= 1e-4 * expected


def check_loss_accepts_integer_labels(said: FirstProblem, outcome: Outcome, candidate: Any) -> None:
    labels, probabilities = confident_outputs()
    loss_of(said, compiled_model(said, outcome, candidate), labels, probabilities)


def check_loss_is_sparse_crossentropy(said: FirstProblem, outcome: Outcome, candidate: Any) -> None:
    """The compiled loss gives the mean of -log(probability of the true class) on confident outputs."""
    compiled = compiled_model(said, outcome, candidate)
    labels, probabilities = confident_outputs()
    got = loss_of(said, compiled, labels, probabilities)
    expected = sparse_crossentropy(labels, probabilities)
    if abs(got - expected) > 1e-4 * expected:
        said.fail("the loss", (
            f"the loss {describe_loss(compiled.loss)} set by {CALL} gave {got:.4f} on 8 softmax outputs, "
            f"expected {expected:.4f} (sparse categorical cross-entropy: the mean of -log(probability of the true "
            f"class)): {loss_hint(compiled.loss)}"
        ))


def check_history_keys(said: FirstProblem, outcome: Outcome, candidate: Any, training: Any) -> None:
    """The short training run recorded loss, accuracy, val_loss and val_accuracy, nothing else."""
    history, _, _ = trained(said, outcome, candidate, training)
    keys = set(history.history)
    if keys != set(facts.HISTORY_KEYS):
        metrics = compiled_metrics(candidate)
        said.fail("the metrics", (
            f"model.fit(..., validation_split={VALIDATION_SPLIT}) after {CALL} gave history keys {sorted(keys)}, "
            f"expected history keys {list(facts.HISTORY_KEYS)}: {history_hint(keys, metrics)}"
        ))


def check_accuracy_counts_right_predictions(said: FirstProblem, outcome: Outcome, candidate: Any,
                                            training: Any) -> None:
    """The recorded val_accuracy is the share of validation images the model predicts right."""
    history, images, labels = trained(said, outcome, candidate, training)
    if "val_accuracy" not in history.history:
        metrics = compiled_metrics(candidate)
        said.fail("the metrics", (f"model.fit(...) after {CALL} recorded no 'val_accuracy', expected it beside "
                                  f"'val_loss': {history_hint(set(history.history), metrics)}"))
    recorded = float(history.history["val_accuracy"][-1])
    predicted = np.argmax(np.asarray(candidate(images, training=False)), axis=1)
    share = float(np.mean(predicted == labels))
    # An identity, not a threshold: measured with seeds 1234 and 1 to 6, metrics=['accuracy'] recorded
    # exactly the share computed here (0.125, 0.031, 0.125, 0.156, 0.281, 0.094, 0.156), while
    # CategoricalAccuracy(name='accuracy'), which expects one-hot labels, recorded 0.0 every time.
    check(abs(recorded - share) < 1e-6, f"model.fit(...) after {CALL}",
          f"a val_accuracy of {share:g} ({int(round(share * len(labels)))} of {len(labels)} validation images predicted right)",
          f"a val_accuracy of {recorded:g}",
          "the metric called 'accuracy' must count correct predictions of integer labels: metrics=['accuracy']")
