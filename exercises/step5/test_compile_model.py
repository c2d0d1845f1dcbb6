"""Checks for step 5, compile_model(model): sparse categorical cross-entropy, Adam, accuracy, in place.

Run with `pytest exercises/step5` (or `--solutions` to check the reference solution).
The model compiled here is the kit's own copy of the tutorial's CNN (mnistkit.reference), so this
step is checked on its own, whatever your steps 3 and 4 do.
"""

import numpy as np
import pytest

from mnistkit import facts, reference
from mnistkit.checks import compiling
from mnistkit.checks.messages import FirstProblem, Mistake, check

CALL = "compile_model(model)"

# One short training run shows which history keys the compiled model records: 128 MNIST images,
# the last quarter held out by validation_split, and one batch of 96 = one optimizer step.
# Seconds matter more than accuracy here; nothing is compared with a learned accuracy.
TRAIN_IMAGES = 128
VALIDATION_SPLIT = 0.25
BATCH_SIZE = 96


@pytest.fixture(scope="module")
def compile_model(step_function):
    return step_function("compile_model")


@pytest.fixture(scope="module")
def given_model():
    """The tutorial's layer-by-layer CNN, uncompiled and seeded, as step 4 builds it."""
    reference.reset_keras()
    return reference.build_model()


SAID = FirstProblem()  # A mistake that several tests meet fails the first of them; the others skip.
UNCOMPILED = (f"{CALL} left the model uncompiled, expected it compiled: call "
              "model.compile(loss=..., optimizer=..., metrics=...) on the model you were given")


@pytest.fixture(scope="module")
def outcome(compile_model, given_model):
    """(what compile_model returned, the exception it raised or None).

    Fixtures only gather; the tests raise, so that a mistake shows as a failed test (not as an
    error while setting one up) and only the first test that meets it fails."""
    try:
        return compile_model(given_model), None
    except Exception as error:  # noqa: BLE001  (re-raised by the tests, which show where it arose)
        return None, error


def returned_by(outcome):
    """What compile_model returned; the exception it raised fails the first test that asks."""
    result, error = outcome
    if error is not None:
        SAID.reraise(f"the {type(error).__name__} compile_model() raised", error)
    return result


@pytest.fixture(scope="module")
def candidate(given_model, outcome):
    """The model compile_model compiled: the one it was given or, failing that, a compiled model it
    returned instead, so that its settings are still judged (the first test names that mistake).
    None when neither is compiled."""
    result, _ = outcome
    if compiling.is_compiled(given_model):
        return given_model
    if result is not None and compiling.is_compiled(result):
        return result
    return None


def compiled_model(outcome, candidate):
    """The compiled model, or the one failure that says there is none."""
    returned_by(outcome)
    if candidate is None:
        SAID.fail("the uncompiled model", UNCOMPILED)
    return candidate


def check_compile_settings(compiled) -> None:
    """A compile call with loss_weights (most often metrics given third by position) fails here first."""
    message = compiling.misplaced_settings(compiled, CALL)
    if message:
        SAID.fail("the arguments of model.compile(...)", message)


@pytest.fixture(scope="module")
def training(candidate, mnist):
    """(history, validation images, validation labels) of one optimizer step on a few MNIST images,
    or the exception fit() raised; None when there is no compiled model to train."""
    if candidate is None or compiling.misplaced_settings(candidate, CALL):
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


def trained(outcome, candidate, training):
    """(history, images, labels) of the short training run, or the one failure that says why there is none."""
    compiled = compiled_model(outcome, candidate)
    check_compile_settings(compiled)
    if isinstance(training, BaseException):
        metrics = compiling.compiled_metrics(compiled)
        problem, hint = "the metrics", "check the metrics given to model.compile(...): metrics=['accuracy']"
        if any(name.startswith("Accuracy(") for name in metrics):
            hint = ("keras.metrics.Accuracy() compares each label with each output value; write metrics=['accuracy'] "
                    "and Keras picks the accuracy that fits integer labels and probabilities")
        elif not loss_is_right(compiled):
            problem, hint = "the loss", compiling.loss_hint(compiled.loss)
        SAID.fail(problem, f"model.fit(...) on {TRAIN_IMAGES} MNIST images with integer labels, after {CALL} with loss "
                           f"{compiling.describe_loss(compiled.loss)} and metrics {metrics}, raised "
                           f"{compiling.short_error(training)}; expected it to train: {hint}")
    return training


def test_the_given_model_is_compiled(given_model, outcome):
    returned = returned_by(outcome)
    if compiling.is_compiled(given_model):
        return
    if returned is not None and returned is not given_model and compiling.is_compiled(returned):
        raise Mistake(f"{CALL} left the model it was given uncompiled and returned a different, compiled model, "
                      "expected the given model compiled in place: call model.compile(...) on the `model` argument; "
                      "don't build or copy a new model")
    SAID.fail("the uncompiled model", UNCOMPILED)


def test_returns_the_model_it_was_given(given_model, outcome):
    returned = returned_by(outcome)
    if returned is given_model:
        return
    if returned is None:
        raise Mistake(f"{CALL} returned None, expected the model it was given: add `return model` at the end "
                      "(model.compile() changes the model in place and itself returns None)")
    import keras

    what = "another model (a new one or a copy)" if isinstance(returned, keras.Model) else f"a {type(returned).__name__}"
    raise Mistake(f"{CALL} returned {what}, expected the very model object it was given: "
                  "compile `model` itself and `return model`; don't build or copy a new one")


def test_optimizer_is_adam(outcome, candidate):
    import keras

    optimizer = compiled_model(outcome, candidate).optimizer
    if type(optimizer) is not keras.optimizers.Adam:
        SAID.fail("the optimizer", (f"{CALL} gave the optimizer {type(optimizer).__name__}, expected the Adam "
                                    "optimizer: use optimizer='adam', as the tutorial does"))


def test_adam_keeps_its_default_settings(outcome, candidate):
    import keras

    compiled = compiled_model(outcome, candidate)
    if type(compiled.optimizer) is not keras.optimizers.Adam:
        SAID.fail("the optimizer", f"{CALL} gave the optimizer {type(compiled.optimizer).__name__}, expected Adam: "
                                   "use optimizer='adam'")
    differences = compiling.adam_differences(compiled.optimizer)
    got = ", ".join(f"{key}={compiling.show(value)}" for key, (value, _) in differences.items())
    default = ", ".join(f"{key}={compiling.show(value)}" for key, (_, value) in differences.items())
    check(not differences, CALL, f"Adam with its default settings ({default})", f"Adam with {got}",
          "the tutorial keeps Adam's defaults: optimizer='adam', or keras.optimizers.Adam() without arguments")


def loss_of(compiled, labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The compiled loss of `probabilities` (the model's softmax outputs) for integer `labels`."""
    check_compile_settings(compiled)
    # compute_loss is the public hook fit() itself calls; given outputs directly, it runs the loss
    # exactly as compiled, without training anything.
    try:
        return float(compiled.compute_loss(y=labels, y_pred=probabilities))
    except Exception as error:  # noqa: BLE001  (a loss that can't take integer labels: name it)
        SAID.fail("the loss", (
            f"the loss {compiling.describe_loss(compiled.loss)} set by {CALL}, given integer labels such as "
            f"{labels[:4].tolist()} and 10 probabilities per image, raised {compiling.short_error(error)}; "
            f"expected a number: {compiling.loss_hint(compiled.loss)}"
        ))


def loss_is_right(compiled) -> bool:
    """Whether the compiled loss is sparse categorical cross-entropy (the two tests below say why not)."""
    labels, probabilities = compiling.confident_outputs()
    try:
        got = float(compiled.compute_loss(y=labels, y_pred=probabilities))
    except Exception:  # noqa: BLE001
        return False
    expected = compiling.sparse_crossentropy(labels, probabilities)
    return abs(got - expected) <= 1e-4 * expected


def test_loss_accepts_integer_labels(outcome, candidate):
    labels, probabilities = compiling.confident_outputs()
    loss_of(compiled_model(outcome, candidate), labels, probabilities)


def test_loss_is_sparse_categorical_crossentropy(outcome, candidate):
    compiled = compiled_model(outcome, candidate)
    labels, probabilities = compiling.confident_outputs()
    got = loss_of(compiled, labels, probabilities)
    expected = compiling.sparse_crossentropy(labels, probabilities)
    if abs(got - expected) > 1e-4 * expected:
        SAID.fail("the loss", (
            f"the loss {compiling.describe_loss(compiled.loss)} set by {CALL} gave {got:.4f} on 8 softmax outputs, "
            f"expected {expected:.4f} (sparse categorical cross-entropy: the mean of -log(probability of the true "
            f"class)): {compiling.loss_hint(compiled.loss)}"
        ))


def test_training_history_has_loss_and_accuracy(outcome, candidate, training):
    history, _, _ = trained(outcome, candidate, training)
    keys = set(history.history)
    if keys != set(facts.HISTORY_KEYS):
        metrics = compiling.compiled_metrics(candidate)
        SAID.fail("the metrics", (
            f"model.fit(..., validation_split={VALIDATION_SPLIT}) after {CALL} gave history keys {sorted(keys)}, "
            f"expected history keys {list(facts.HISTORY_KEYS)}: {compiling.history_hint(keys, metrics)}"
        ))


def test_accuracy_is_the_share_of_correct_predictions(outcome, candidate, training):
    history, images, labels = trained(outcome, candidate, training)
    if "val_accuracy" not in history.history:
        metrics = compiling.compiled_metrics(candidate)
        SAID.fail("the metrics", (f"model.fit(...) after {CALL} recorded no 'val_accuracy', expected it beside "
                                  f"'val_loss': {compiling.history_hint(set(history.history), metrics)}"))
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
