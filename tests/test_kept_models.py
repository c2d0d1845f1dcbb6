"""The learner's side keeps a model a call left untouched and hands it to the next call
(mnistkit/engine/kerascodec.py, `KEPT`): what a call sees must be what a freshly loaded copy shows,
and a model a call changed in any way must never be handed on. A freshly loaded copy of a
Sequential is what Keras's own from_config makes of its config."""

from __future__ import annotations

import numpy as np
import pytest

from mnistkit.engine import calls
from mnistkit.engine.kerascodec import KEPT

SEED = 1234


@pytest.fixture
def model():
    import keras

    keras.utils.set_random_seed(SEED)
    built = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    built.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return built


@pytest.fixture(autouse=True)
def empty():
    KEPT.models.clear()
    yield
    KEPT.models.clear()


X = np.linspace(0, 1, 40, dtype="float32").reshape(10, 4)
Y = np.arange(10) % 2


def call(function, *args):
    """`function(*args)` as the learner's side runs it; its result, decoded as the judge does."""
    reply = calls.run_request(function, calls.encode_request(args, {}), SEED, fresh=False)
    result, error, _ = calls.decode_reply(reply, args, {})
    if error is not None:
        raise error
    return result


def seen(into: list):
    def remember(model, x):
        into.append(model)
        return model.predict(x, verbose=0)
    return remember


def test_an_untouched_model_is_handed_to_the_next_call_with_the_same_results(model):
    models: list = []
    first = call(seen(models), model, X)
    second = call(seen(models), model, X)
    assert models[0] is models[1], "the second call loaded its own copy"
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(second, model.predict(X, verbose=0))


def test_a_kept_model_gets_the_weights_of_the_next_request(model):
    models: list = []
    call(seen(models), model, X)
    model.set_weights([w + 0.5 for w in model.get_weights()])
    result = call(seen(models), model, X)
    assert models[0] is models[1]
    np.testing.assert_allclose(result, model.predict(X, verbose=0), rtol=1e-6)


def trained(model, x):
    model.fit(x, Y, epochs=1, verbose=0)


def recompiled(model, x):
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def swapped_activation(model, x):
    import keras

    model.layers[0].activation = keras.activations.sigmoid  # Weights the same; an attribute replaced.


def new_attribute(model, x):
    model.note = "mine"


def frozen(model, x):
    model.layers[0].trainable = False


def fit_at_learning_rate_zero(model, x):  # The weights stay; the optimizer's step count moves.
    model.optimizer.learning_rate.assign(0.0)
    model.fit(x, Y, epochs=1, verbose=0)
    model.optimizer.learning_rate.assign(0.001)


@pytest.mark.parametrize("change", [trained, recompiled, swapped_activation, new_attribute, frozen, fit_at_learning_rate_zero],
                         ids=lambda change: change.__name__)
def test_a_model_the_call_changed_is_never_handed_on(model, change):
    import keras

    changed: list = []

    def changing(m, x):
        changed.append(m)
        change(m, x)

    call(changing, model, X)
    models: list = []
    call(seen(models), model, X)
    assert models[0] is not changed[0]
    assert models[0].layers[0].activation is keras.activations.relu and not hasattr(models[0], "note")
    assert models[0].layers[0].trainable and int(models[0].optimizer.iterations) == 0


def test_a_kept_model_changed_between_calls_is_not_handed_out(model):
    stash: list = []

    def keep_a_reference(m, x):
        stash.append(m)

    call(keep_a_reference, model, X)
    assert len(KEPT.models) == 1
    stash[0].layers[0].kernel.assign(np.zeros((4, 3), dtype="float32"))  # Later learner code, through its reference.
    models: list = []
    call(seen(models), model, X)
    assert models[0] is not stash[0]


def _sequential_config(name: str) -> dict:
    """The config of one kind of Sequential, as kerascodec sends it."""
    import warnings

    import keras
    from keras import layers

    from mnistkit import reference
    from mnistkit.engine.kerascodec import model_config

    if name == "layered":
        return model_config(reference.build_model(layered=True))
    if name == "sequential-api":
        return model_config(reference.build_model(layered=False))
    if name == "input_shape":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # input_shape= on a first layer, as the tutorial writes it.
            return model_config(keras.Sequential([layers.Conv2D(8, (3, 3), activation="relu", input_shape=(28, 28, 1)),
                                                  layers.Flatten(), layers.Dense(10, activation="softmax")]))
    unbuilt = keras.Sequential([layers.Dense(4), layers.Dropout(0.5), layers.Dense(2)])
    if name == "built_later":
        unbuilt.build((None, 7))  # Keras puts an InputLayer in front.
        return model_config(unbuilt)
    config = model_config(unbuilt)
    if name == "build_input_shape":  # No InputLayer, only the shape to build on, as older configs have it.
        config["config"]["build_input_shape"] = [None, 7]
    return config


@pytest.mark.parametrize("name", ["layered", "sequential-api", "input_shape", "unbuilt", "built_later", "build_input_shape"])
def test_a_sequential_loads_as_keras_from_config_loads_it(name):
    """kerascodec builds a Sequential's graph once, where Keras's from_config rebuilds it after each
    layer: the same configuration, built or not as Keras leaves it, and the same seeded weights."""
    import json

    import keras

    from mnistkit.engine.kerascodec import load_model_config
    from mnistkit.memo import anonymous_config

    config = _sequential_config(name)
    loaded = []
    for load in (lambda: keras.saving.deserialize_keras_object(config, safe_mode=True), lambda: load_model_config(config)):
        keras.utils.set_random_seed(SEED)
        loaded.append(load())
    theirs, ours = loaded
    # Up to layer names: an InputLayer that building adds gets a new one each time.
    described = [json.dumps(anonymous_config(model.get_config()), sort_keys=True, default=repr) for model in (ours, theirs)]
    assert described[0] == described[1]
    assert ours.built == theirs.built
    assert len(ours.get_weights()) == len(theirs.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(ours.get_weights(), theirs.get_weights()))
