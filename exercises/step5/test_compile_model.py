"""Checks for step 5, compile_model(model): sparse categorical cross-entropy, Adam, accuracy, in place.

Run with `pytest exercises/step5` (or `--solutions` to check the reference solution).
The model compiled here is the kit's own copy of the tutorial's CNN (mnistkit.reference), so this
step is checked on its own, whatever your steps 3 and 4 do.

What is checked, and why:
- compile_model compiles the very model it is given and returns it: step 6 trains that model;
- the optimizer is Adam with its default settings, as in the tutorial;
- the loss takes integer labels 0..9 and is sparse categorical cross-entropy, computed on a few
  confident softmax outputs: a one-hot loss refuses such labels, from_logits=True gives another value;
- one short training run (one optimizer step on 128 MNIST images) records loss, accuracy,
  val_loss and val_accuracy, and the accuracy is the share of images predicted right: step 6
  plots those four curves.
A mistake that several tests meet fails the first of them; the others are skipped ("not checked
yet"). The checks and their messages: mnistkit/checks/compiling.py.
"""

import pytest

from mnistkit import reference
from mnistkit.checks.compiling import (
    check_accuracy_counts_right_predictions,
    check_adam_defaults,
    check_given_model_compiled,
    check_history_keys,
    check_loss_accepts_integer_labels,
    check_loss_is_sparse_crossentropy,
    check_optimizer_is_adam,
    check_returns_given_model,
    compiled_candidate,
    short_training,
)
from mnistkit.checks.messages import FirstProblem

SAID = FirstProblem()  # A mistake that several tests meet fails the first of them; the others skip.


@pytest.fixture(scope="module")
def compile_model(step_function):
    return step_function("compile_model")


@pytest.fixture(scope="module")
def given_model():
    """The tutorial's layer-by-layer CNN, uncompiled and seeded, as step 4 builds it."""
    reference.reset_keras()
    return reference.build_model()


@pytest.fixture(scope="module")
def outcome(compile_model, given_model):
    """(what compile_model returned, the exception it raised or None).

    Fixtures only gather; the tests raise, so that a mistake shows as a failed test (not as an
    error while setting one up) and only the first test that meets it fails."""
    try:
        return compile_model(given_model), None
    except Exception as error:  # noqa: BLE001  (re-raised by the tests, which show where it arose)
        return None, error


@pytest.fixture(scope="module")
def candidate(given_model, outcome):
    """The model compile_model compiled: the one it was given or, failing that, a compiled model it
    returned instead (its settings are still judged); None when neither is compiled."""
    return compiled_candidate(given_model, outcome)


@pytest.fixture(scope="module")
def training(candidate, mnist):
    """(history, validation images, validation labels) of one optimizer step on a few MNIST images,
    or the exception fit() raised; None when there is no compiled model to train."""
    return short_training(candidate, mnist)


def test_the_given_model_is_compiled(given_model, outcome):
    check_given_model_compiled(SAID, given_model, outcome)


def test_returns_the_model_it_was_given(given_model, outcome):
    check_returns_given_model(SAID, given_model, outcome)


def test_optimizer_is_adam(outcome, candidate):
    check_optimizer_is_adam(SAID, outcome, candidate)


def test_adam_keeps_its_default_settings(outcome, candidate):
    check_adam_defaults(SAID, outcome, candidate)


def test_loss_accepts_integer_labels(outcome, candidate):
    check_loss_accepts_integer_labels(SAID, outcome, candidate)


def test_loss_is_sparse_categorical_crossentropy(outcome, candidate):
    check_loss_is_sparse_crossentropy(SAID, outcome, candidate)


def test_training_history_has_loss_and_accuracy(outcome, candidate, training):
    check_history_keys(SAID, outcome, candidate, training)


def test_accuracy_is_the_share_of_correct_predictions(outcome, candidate, training):
    check_accuracy_counts_right_predictions(SAID, outcome, candidate, training)
