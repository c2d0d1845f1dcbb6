"""The kit's trained CNN ships with the kit (mnistkit/kitmodel.py): steps 7 and 8 read its weights
instead of training it, and a file that doesn't fit is never used."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from mnistkit import kitmodel
from mnistkit.checks.figures import MIN_TEST_ACCURACY


@pytest.fixture(scope="module")
def model():
    return kitmodel.build()


def test_the_shipped_file_holds_the_current_cnn_and_it_reads_digits(model, capsys):
    assert kitmodel.main(["--check"]) == 0, (
        f"{capsys.readouterr().out} (mnistkit/data/kit_cnn.npz is out of date: run `python -m mnistkit.kitmodel`)")
    from mnistkit.data import load_mnist
    from mnistkit.reference import prepare

    weights = kitmodel.shipped(model)
    model.set_weights(weights)
    _, (x_test, y_test) = load_mnist()
    _, accuracy = model.evaluate(prepare(x_test[:1000]), y_test[:1000], verbose=0)
    assert accuracy >= MIN_TEST_ACCURACY, f"the shipped CNN reads only {accuracy:.3f} of 1,000 test digits right"


def test_the_kit_cnn_is_read_not_trained(monkeypatch, tmp_path):
    monkeypatch.setenv("MNISTKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(kitmodel, "train", lambda model: pytest.fail("the kit's CNN was trained"))
    loaded = kitmodel.trained_model()
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), kitmodel.shipped(loaded), strict=True))
    assert not (tmp_path / "cache").exists()


def test_without_a_fitting_file_the_cnn_is_trained_once_and_kept(monkeypatch, tmp_path):
    """A course author's changed model, before `python -m mnistkit.kitmodel`: trained as the kit
    trains it, and kept per machine (here a stand-in training, to spare 2.6 s)."""
    trainings = []

    def train(model):
        trainings.append(1)
        return [w + 1 for w in model.get_weights()]

    monkeypatch.setenv("MNISTKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(kitmodel, "WEIGHTS_FILE", tmp_path / "missing.npz")
    monkeypatch.setattr(kitmodel, "train", train)
    first, second = kitmodel.trained_model(), kitmodel.trained_model()
    assert trainings == [1]
    expected = [w + 1 for w in kitmodel.build().get_weights()]
    for got in (first, second):
        assert all(np.array_equal(a, b) for a, b in zip(got.get_weights(), expected, strict=True))


def test_the_recipe_is_what_the_model_computes_not_how_keras_writes_it(model, monkeypatch):
    """Another build (other layer names) or a Keras release that writes more into a layer's
    config keeps the recipe; another setting of a layer changes it."""
    import keras

    from mnistkit import facts

    shipped = kitmodel.recipe(model)
    assert kitmodel.recipe(kitmodel.build()) == shipped
    written = keras.layers.Dense.get_config
    monkeypatch.setattr(keras.layers.Dense, "get_config", lambda layer: written(layer) | {"a_new_key": {"x": 1}})
    assert kitmodel.recipe(model) == shipped
    monkeypatch.undo()
    assert kitmodel.recipe(reference_model(facts.DROPOUT_RATE)) == shipped
    assert kitmodel.recipe(reference_model(facts.DROPOUT_RATE / 2)) != shipped
    assert kitmodel.recipe(reference_model(facts.DROPOUT_RATE, activation="tanh")) != shipped


def reference_model(rate: float, activation: str = "relu"):
    """The kit's CNN with another dropout rate, or another activation in its first layer."""
    import keras

    from mnistkit import reference

    reference.reset_keras()
    built = reference.build_model(layered=False)
    layers = [keras.Input(built.input_shape[1:])]
    for layer in built.layers:
        config = layer.get_config()
        if "rate" in config:
            config["rate"] = rate
        if layer is built.layers[0]:
            config["activation"] = activation
        layers.append(type(layer).from_config(config))
    return reference.compile_model(keras.Sequential(layers))


def other_shape(path: Path, model) -> None:
    weights = kitmodel.shipped(model)
    kitmodel.write(path, model, weights)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["w0"] = arrays["w0"][..., :16]
    np.savez(path, **arrays)


def with_extra_array(path: Path, model) -> None:
    with np.load(kitmodel.WEIGHTS_FILE) as archive:
        arrays = dict(archive)
    np.savez(path, extra=np.zeros(3), **arrays)


def another_recipe(path: Path, model) -> None:
    with np.load(kitmodel.WEIGHTS_FILE) as archive:
        arrays = dict(archive)
    arrays["recipe"] = np.array("0" * 64)
    np.savez(path, **arrays)


def changed_bytes(path: Path, model) -> None:
    data = bytearray(kitmodel.WEIGHTS_FILE.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def cut_short(path: Path, model) -> None:
    path.write_bytes(kitmodel.WEIGHTS_FILE.read_bytes()[:50_000])


def pickled(path: Path, model) -> None:
    with np.load(kitmodel.WEIGHTS_FILE) as archive:
        arrays = dict(archive)
    arrays["w0"] = np.array([object()], dtype=object)
    np.savez(path, **arrays)


def not_a_zip(path: Path, model) -> None:
    path.write_text("weights\n")


@pytest.mark.parametrize("damage", [other_shape, with_extra_array, another_recipe, changed_bytes, cut_short, pickled, not_a_zip],
                         ids=lambda damage: damage.__name__)
def test_a_file_that_does_not_fit_is_never_used(damage, model, tmp_path):
    path = tmp_path / "kit_cnn.npz"
    damage(path, model)
    assert kitmodel.shipped(model, path) is None
    assert kitmodel.shipped(model, tmp_path / "missing.npz") is None


def test_the_file_written_is_the_one_read(model, tmp_path):
    path = tmp_path / "kit_cnn.npz"
    weights = [w * 2 for w in model.get_weights()]
    kitmodel.write(path, model, weights)
    assert zipfile.is_zipfile(path) and not list(tmp_path.glob("*.tmp*"))
    assert all(np.array_equal(a, b) for a, b in zip(kitmodel.shipped(model, path), weights, strict=True))
