"""Checks for step 6, train_model(model, x_train, y_train, batch_size, epochs, validation_split).

Run with `pytest exercises/step6` (or `--solutions` to check the reference solution).
The models trained here are the kit's own (mnistkit.checks.training): a tiny classifier for the
quick checks of fit()'s arguments, and the tutorial's CNN for the accuracy check. Both are
keras.Sequential models that note down every call of their fit(), so the checks can see whether
train_model fitted the model it was given, once, with the settings it was asked for.

What is checked, and why:
- train_model trains the model it is given with one fit() call and returns the History that
  call returned: plot_history draws it, and every further fit() would train the model further;
- fit() gets the images and labels as given, and the batch size, epochs and validation split
  train_model was asked for (settings unlike the defaults, so that a fixed 128, 10 or 0.1 shows),
  and the tutorial's 128, 10 and 0.1 when none are given;
- the arrays train_model is given are left unchanged;
- the tutorial's CNN, trained by train_model for one short epoch, classifies at least half of
  1,000 test images (the kit's solution: 76-85 %).
A mistake that several tests meet (no fit() call, a fixed batch size, ...) fails the first test
that meets it; the later ones are skipped, pointing to it. The runs, checks and their messages:
mnistkit/checks/training_runs.py and mnistkit/checks/training.py.
"""

import pytest

from mnistkit.checks.messages import FirstProblem
from mnistkit.checks.training import check_batch_size, check_data, check_epochs, check_validation_split
from mnistkit.checks.training_runs import (
    DEFAULT_SETTINGS,
    NO_SPLIT_SETTINGS,
    QUICK_SETTINGS,
    Later,
    accuracy_images,
    check_batches_per_epoch,
    check_epochs_trained,
    check_inputs_unchanged,
    check_returns_the_history,
    check_the_cnn_learns,
    check_the_model_is_trained,
    check_validation_held_out,
    one_fit_call,
    quick_run,
    train_model_progress,
)

# A mistake that several tests meet fails the first test that meets it; the later ones are
# skipped, pointing to it. `with SAID.once():` marks the checks.
SAID = FirstProblem()


@pytest.fixture(scope="module")
def train_model(step_function):
    return step_function("train_model")


@pytest.fixture(scope="module")
def progress(step_function):
    """Which functions of step 6 are written: an unwritten train_model says "not started yet"
    rather than "step 6 not started" once plot_history is written."""
    return train_model_progress(step_function)


@pytest.fixture(scope="module")
def images(mnist):
    """The first 3,000 training images, prepared as the network expects, with their labels."""
    return accuracy_images(mnist)


@pytest.fixture(scope="module")
def run(train_model, images, progress):
    """train_model(model, <1,000 images>, ..., batch_size=64, epochs=2, validation_split=0.2)."""
    return quick_run(train_model, images, progress, SAID, QUICK_SETTINGS)


@pytest.fixture(scope="module")
def run_without_split(train_model, images, progress):
    """train_model(model, <1,000 images>, ..., validation_split=0.0), as a dry run, made when first needed."""
    return Later(lambda: quick_run(train_model, images, progress, SAID, NO_SPLIT_SETTINGS, dry_run=True))


@pytest.fixture(scope="module")
def run_with_defaults(train_model, images, progress):
    """train_model(model, <1,000 images>, <1,000 labels>), as a dry run, made when first needed."""
    return Later(lambda: quick_run(train_model, images, progress, SAID, DEFAULT_SETTINGS, dry_run=True, defaults=True))


def test_train_model_trains_the_model_it_is_given(run):
    with SAID.once():
        check_the_model_is_trained(run)


def test_train_model_calls_fit_exactly_once(run):
    with SAID.once():
        run.fit_call()


def test_train_model_returns_the_history_that_fit_returned(run):
    with SAID.once():
        check_returns_the_history(run)


def test_fit_trains_on_the_images_and_labels_it_is_given(run):
    with SAID.once():
        check_data(run.fit_call(), run.request)


def test_fit_runs_the_given_number_of_epochs(run):
    with SAID.once():
        check_epochs_trained(run)


def test_fit_uses_the_given_batch_size(run):
    with SAID.once():
        check_batches_per_epoch(run)


def test_fit_holds_out_the_given_validation_split(run):
    with SAID.once():
        check_validation_held_out(run)


def test_validation_split_of_zero_holds_nothing_out(run, run_without_split):
    # With validation_split=0.0 and no validation_data, fit() holds nothing out and records no val_ keys.
    with SAID.once():
        one_fit_call(run)
        check_validation_split(run_without_split.fit_call(), run_without_split.request)


def test_default_settings_are_the_tutorials(run, run_with_defaults):
    with SAID.once():
        one_fit_call(run)
        call, request = run_with_defaults.fit_call(), run_with_defaults.request
        check_epochs(call, request)
        check_batch_size(call, request)
        check_validation_split(call, request)


def test_input_arrays_are_left_unchanged(run):
    check_inputs_unchanged(run)


@pytest.mark.slow
def test_trained_model_classifies_test_images(train_model, images, mnist, progress, run):
    with SAID.once():
        one_fit_call(run)  # A problem the quick run showed needs no training of the CNN to be said.
        check_the_cnn_learns(train_model, images, mnist, progress, SAID)
