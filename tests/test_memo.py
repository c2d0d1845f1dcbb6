"""The per-machine memory of the kit's training (mnistkit/memo.py): sound keys, safe reads."""

from __future__ import annotations

import os
import select
from pathlib import Path

import numpy as np
import pytest

from mnistkit import memo, reference


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MNISTKIT_CACHE", str(tmp_path))
    return tmp_path


def counting(value: dict):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_a_result_is_computed_once_then_read_back(cache):
    compute, calls = counting({"accuracy": 0.875, "probabilities": np.eye(3)})
    first = memo.remembered("learns", "ab" * 32, compute)
    second = memo.remembered("learns", "ab" * 32, compute)
    assert len(calls) == 1
    assert second["accuracy"] == first["accuracy"] == 0.875
    np.testing.assert_array_equal(second["probabilities"], np.eye(3))
    assert not second["probabilities"].flags.writeable


@pytest.mark.parametrize("damage", [b"", b"not an npz at all", b"PK\x03\x04 truncated"])
def test_a_damaged_entry_is_computed_again_and_replaced(cache, damage):
    compute, calls = counting({"accuracy": 0.5})
    memo.remembered("learns", "cd" * 32, compute)
    (entry,) = (cache / "learns").glob("*.npz")
    entry.write_bytes(damage)
    assert memo.remembered("learns", "cd" * 32, compute) == {"accuracy": 0.5}
    assert len(calls) == 2
    assert memo.remembered("learns", "cd" * 32, compute) == {"accuracy": 0.5} and len(calls) == 2


def test_an_entry_of_another_digest_is_not_taken(cache):
    """Two digests that share the file name's prefix: the full digest inside decides."""
    compute, calls = counting({"accuracy": 0.9})
    memo.remembered("learns", "e" * 64, compute)
    other, other_calls = counting({"accuracy": 0.1})
    assert memo.remembered("learns", "e" * 32 + "f" * 32, other) == {"accuracy": 0.1}
    assert len(other_calls) == 1


def test_an_entry_holding_objects_is_refused(cache):
    """Entries are read without pickle: an object array is never loaded, only computed again."""
    compute, calls = counting({"accuracy": 0.5})
    memo.remembered("learns", "12" * 32, compute)
    (entry,) = (cache / "learns").glob("*.npz")
    np.savez(entry, digest=np.array("12" * 32), accuracy=np.array([{"evil": 1}], dtype=object))
    assert memo.remembered("learns", "12" * 32, compute) == {"accuracy": 0.5} and len(calls) == 2


def test_the_digest_ignores_the_names_keras_gives_but_not_weights_or_settings():
    reference.reset_keras()
    first = reference.build_model(layered=False)
    reference.reset_keras()
    reference.build_model(layered=False)  # Takes the plain names: the next model gets conv2d_2, ...
    second = reference.build_model(layered=False)
    assert [layer.name for layer in first.layers] != [layer.name for layer in second.layers]
    reference.reset_keras()
    second = reference.build_model(layered=False)
    assert memo.model_digest(first, "context") == memo.model_digest(second, "context")
    assert memo.model_digest(first, "context") != memo.model_digest(first, "other context")
    weights = second.get_weights()
    weights[0] = weights[0] + 1e-6
    second.set_weights(weights)
    assert memo.model_digest(first, "context") != memo.model_digest(second, "context")
    config = first.get_config()
    config["layers"][-3]["config"]["rate"] = 0.25  # The Dropout.
    import keras

    changed = keras.Sequential.from_config(config)
    changed.set_weights(first.get_weights())
    assert memo.model_digest(first, "context") != memo.model_digest(changed, "context")


def test_a_reseeded_copy_drops_out_the_same_whatever_ran_before():
    """What makes a training result safe to remember: it depends on the model alone."""
    import keras

    reference.reset_keras()
    model = reference.build_model(layered=False)
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    outputs = []
    for burn in (0, 5):
        for _ in range(burn):
            keras.random.uniform((1,))
            np.random.rand()
        copy = reference.reseeded_copy(model)
        outputs.append(np.asarray(copy(images, training=True)))
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert not np.array_equal(outputs[0], np.asarray(model(images, training=False)))  # Dropout did act.


# --- The engine's store: what judges of grades that count computed, kept by the warm engine ----


@pytest.fixture
def engine_store(cache, monkeypatch):
    """This process as a judge of a grade that counts, forked from an engine: READ off, a pipe to the engine."""
    given, engine_end = os.pipe()
    monkeypatch.setattr(memo, "READ", False)
    monkeypatch.setattr(memo, "ENGINE", engine_end)
    monkeypatch.setattr(memo, "KEPT", {})
    yield given
    os.close(given)
    os.close(engine_end)


def engine_reads(given: int) -> None:
    """What the engine does with the pipe (mnistkit.engine.judges.Judges.kept): every entry into memo.KEPT."""
    from mnistkit.engine.judges import Judges

    judges = Judges()
    judges.keeps[given] = bytearray()
    while given in judges.keeps and select.select([given], [], [], 0)[0]:
        judges.kept(given)


def test_a_judge_of_a_grade_that_counts_gives_the_engine_what_it_computed(engine_store):
    compute, calls = counting({"accuracy": 0.875, "probabilities": np.eye(3)})
    memo.remembered("learns", "ab" * 32, compute)
    engine_reads(engine_store)
    assert set(memo.KEPT) == {("learns", "ab" * 32)}
    # A judge forked later inherits KEPT: it reads it before the file (which it never reads) and trains nothing.
    again = memo.remembered("learns", "ab" * 32, compute)
    assert len(calls) == 1 and again["accuracy"] == 0.875 and not again["probabilities"].flags.writeable


def test_what_a_judge_read_from_the_machines_cache_is_never_given_to_the_engine(engine_store, monkeypatch):
    monkeypatch.setattr(memo, "READ", True)  # A judge of the learner's table, which reads the cache.
    compute, calls = counting({"accuracy": 0.5})
    memo.remembered("learns", "cd" * 32, compute)
    memo.remembered("learns", "cd" * 32, compute)
    engine_reads(engine_store)
    assert memo.KEPT == {} and len(calls) == 1


def test_a_malformed_or_cut_off_entry_is_not_kept(engine_store):
    from mnistkit.engine.judges import Judges

    good = memo.engine_header("learns", "ef" * 32, 3) + b"abc"
    for sent in (b"not a header\n" + good, memo.engine_header("learns", "ef" * 32, 10) + b"abc",
                 memo.engine_header("learns", "ef" * 32, memo.KEPT_LIMIT + 1) + b"abc"):
        reading, writing = os.pipe()
        os.write(writing, sent)
        os.close(writing)
        judges = Judges()
        judges.keeps[reading] = bytearray()
        while reading in judges.keeps:
            judges.kept(reading)
        assert memo.KEPT == {}, sent[:40]


def test_a_kept_entry_that_cant_be_read_is_computed_again(engine_store, monkeypatch):
    monkeypatch.setattr(memo, "KEPT", {("learns", "12" * 32): b"PK\x03\x04 damaged"})
    compute, calls = counting({"accuracy": 0.25})
    assert memo.remembered("learns", "12" * 32, compute) == {"accuracy": 0.25} and len(calls) == 1


def test_the_engine_keeps_at_most_its_limit_dropping_the_oldest(monkeypatch):
    monkeypatch.setattr(memo, "KEPT", {})
    monkeypatch.setattr(memo, "KEPT_LIMIT", 10)
    for name in "abc":
        memo.keep("learns", name, b"12345")
    assert list(memo.KEPT) == [("learns", "b"), ("learns", "c")]


def test_only_a_judge_of_a_grade_that_counts_gets_a_pipe_to_the_engine():
    from mnistkit.engine.judges import counts
    from mnistkit.grading.verdict import pytest_command

    judge = pytest_command([Path("exercises/step3/test_sequential_model.py")], "fd:{report}", judge=True, fresh=True, seed=1)[3:]
    table = pytest_command([Path("exercises/step3/test_sequential_model.py")], "fd:{report}", judge=True)[3:]
    assert counts({"argv": judge, "env": {}})
    assert not counts({"argv": table, "env": {}})  # Reads the machine's cache.
    assert not counts({"argv": ["exercises/step3", "--mnistkit-judge", "--mnistkit-fresh"], "env": {}})  # Conftests load.
    assert not counts({"argv": judge, "env": {"MNISTKIT_WARM_JUDGE": "1"}})  # A learner's own pytest.
