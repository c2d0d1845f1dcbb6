"""Step 6's plain fit() calls, remembered per machine and trained by the judge in a grade
(mnistkit/engine/fitting.py): what the learner's model is left with must be what Keras's own fit()
leaves it, and only plain calls are taken over."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mnistkit import memo, reference
from mnistkit.engine import fitcalls, fitting
from mnistkit.checks.messages import Mistake
from mnistkit.checks.training import quick_model, recording_cnn


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MNISTKIT_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def images(mnist_arrays):
    (x, y), _ = mnist_arrays
    return reference.prepare(x[:600]), y[:600].copy()


@pytest.fixture(scope="module")
def mnist_arrays():
    from mnistkit.data import load_mnist

    return load_mnist()


def trainings(monkeypatch) -> list[int]:
    """Counts the trainings fitting runs (not the ones it reads back)."""
    counted = []
    train = fitting._train

    def counting(model, call):
        counted.append(1)
        return train(model, call)

    monkeypatch.setattr(fitting, "_train", counting)
    return counted


SETTINGS = {"batch_size": 50, "epochs": 2, "validation_split": 0.2}


def test_a_plain_fit_leaves_the_model_as_keras_fit_does(cache, images, monkeypatch):
    import keras

    x, y = images
    counted = trainings(monkeypatch)
    taken = recording_cnn()
    history = taken.fit(x, y, **SETTINGS, verbose=0)
    assert counted == [1]
    own = recording_cnn()  # The same model, fitted by Keras itself.
    expected = keras.Sequential.fit(own, x, y, **SETTINGS, verbose=0)
    assert history is taken.fit_log.calls[0].history and taken.history is history and history.model is taken
    assert history.history == expected.history and list(history.history) == list(expected.history)
    assert history.params == expected.params and history.epoch == expected.epoch
    for mine, theirs in zip(taken.get_weights(), own.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for mine, theirs in zip(taken.optimizer.variables, own.optimizer.variables, strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_the_same_call_again_is_read_back_not_trained(cache, images, monkeypatch):
    x, y = images
    counted = trainings(monkeypatch)
    first = quick_model().fit(x, y, **SETTINGS, verbose=0)
    again = quick_model()
    second = again.fit(x, y, **SETTINGS, verbose=0)
    assert counted == [1] and second.history == first.history
    assert list((cache / "fits").glob("*.npz"))
    other = quick_model().fit(x, y, batch_size=60, epochs=2, validation_split=0.2, verbose=0)  # Another setting.
    assert counted == [1, 1] and other.params["steps"] == 8
    changed = x.copy()
    changed[0, 0, 0, 0] += 0.5
    quick_model().fit(changed, y, **SETTINGS, verbose=0)  # Other data.
    assert counted == [1, 1, 1]


def test_a_grade_that_counts_reads_nothing_remembered(cache, images, monkeypatch):
    x, y = images
    counted = trainings(monkeypatch)
    quick_model().fit(x, y, **SETTINGS, verbose=0)
    monkeypatch.setattr(memo, "READ", False)
    quick_model().fit(x, y, **SETTINGS, verbose=0)
    assert counted == [1, 1]


@pytest.mark.parametrize("unusual", [
    {"callbacks": "early stopping"},
    {"validation_data": "test images"},
    {"x": "a tensor"},
    {"sample_weight": "ones"},
    {"steps_per_epoch": 3},
])
def test_calls_that_are_not_plain_are_trained_by_keras_as_they_are(cache, images, monkeypatch, unusual):
    import keras

    x, y = images
    counted = trainings(monkeypatch)
    arguments = {"x": x, "y": y, **SETTINGS, "verbose": 0}
    extra = {
        "callbacks": {"callbacks": [keras.callbacks.EarlyStopping(patience=1)]},
        "validation_data": {"validation_data": (x[:50], y[:50]), "validation_split": 0.0},
        "x": {"x": keras.ops.convert_to_tensor(x)},
        "sample_weight": {"sample_weight": np.ones(len(y))},
        "steps_per_epoch": {"steps_per_epoch": 3, "x": x, "y": y},
    }[next(iter(unusual))]
    model = quick_model()
    model.fit(**{**arguments, **extra})
    assert counted == [] and len(model.fit_log.calls) == 1


def test_a_second_fit_of_the_same_model_is_trained_by_keras(cache, images, monkeypatch):
    x, y = images
    counted = trainings(monkeypatch)
    model = quick_model()
    model.fit(x, y, **SETTINGS, verbose=0)
    steps = int(model.optimizer.iterations.numpy())
    model.fit(x, y, **SETTINGS, verbose=0)  # Goes on from the optimizer's state: Keras's own work.
    assert counted == [1] and int(model.optimizer.iterations.numpy()) == 2 * steps


def test_the_judge_declines_what_is_not_a_plain_training(images):
    x, y = images
    model = quick_model()
    call = fitting.describe(model, x, y, {"batch_size": 50, "epochs": 2, "validation_split": 0.2, "shuffle": True,
                                          "initial_epoch": 0})
    assert fitting.serve(None) is None and fitting.serve({"settings": {}}) is None
    assert fitting.serve({**call, "settings": {**call["settings"], "epochs": fitting.MAX_EPOCHS + 1}}) is None
    assert fitting.serve({**call, "settings": {**call["settings"], "steps_per_epoch": 10**9}}) is None  # Not a setting it takes.
    assert fitting.serve({**call, "settings": {**call["settings"], "validation_split": 1.5}}) is None
    assert fitting.serve({**call, "x": x[:10]}) is None  # Fewer images than labels.
    # What a sandbox sends crosses as data and is read back as the same call.
    crossed = fitcalls.call_from(fitcalls.call_bundle(call))
    assert crossed["config"] == call["config"] and crossed["settings"] == call["settings"]
    np.testing.assert_array_equal(crossed["x"], x)
    # A part that only the learner's code could load is refused before anything is built.
    lambda_layer = copy.deepcopy(crossed["config"])
    lambda_layer["config"]["layers"][1]["class_name"] = "Lambda"
    with pytest.raises(Mistake, match="a Lambda layer"):
        fitting.serve({**crossed, "config": lambda_layer})
    with pytest.raises(Mistake, match="can't load"):
        fitting.serve({**crossed, "compile": {**crossed["compile"], "loss": {"module": "evil", "class_name": "Loss",
                                                                             "config": {}, "registered_name": "Loss"}}})
