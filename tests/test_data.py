"""The offline MNIST: exactly what keras.datasets.mnist.load_data() returns, and clear errors."""

from __future__ import annotations


import numpy as np
import pytest

from mnistkit import data
from mnistkit.data import MnistDataError, load_mnist


@pytest.fixture(scope="module")
def arrays():
    return data.read_arrays()


def test_load_returns_keras_shapes_and_dtypes():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert (x_train.shape, x_train.dtype) == ((60000, 28, 28), np.uint8)
    assert (y_train.shape, y_train.dtype) == ((60000,), np.uint8)
    assert (x_test.shape, x_test.dtype) == ((10000, 28, 28), np.uint8)
    assert (y_test.shape, y_test.dtype) == ((10000,), np.uint8)


def test_full_verification_holds(arrays):
    data.verify_arrays(arrays, statistics=True)  # Class counts, pixel statistics, checksums.


def test_first_labels_are_mnists_first_labels(arrays):
    # The first training digits of MNIST are 5 0 4 1 9 2 1 3 1 4; the first test digits 7 2 1 0 4 1 4 9 5 9.
    assert arrays["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert arrays["y_test"][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_each_call_returns_fresh_copies():
    (x1, _), _ = load_mnist()
    x1[0, 0, 0] = 255
    (x2, _), _ = load_mnist()
    assert x2[0, 0, 0] == 0


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(MnistDataError, match="missing.*git checkout -- mnistkit/data/mnist.npz"):
        load_mnist(tmp_path / "mnist.npz")


def test_corrupt_file_says_how_to_fix(tmp_path):
    broken = tmp_path / "mnist.npz"
    broken.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(MnistDataError, match="corrupt.*git checkout"):
        load_mnist(broken)


def test_changed_pixels_are_caught_never_returned(tmp_path, arrays):
    changed = dict(arrays)
    changed["x_test"] = arrays["x_test"].copy()
    changed["x_test"][0, 14, 14] ^= 1
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **changed)
    with pytest.raises(MnistDataError, match="x_test.*checksum"):
        load_mnist(path)


def test_wrong_dtype_is_caught(tmp_path, arrays):
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **{**arrays, "y_train": arrays["y_train"].astype(np.int64)})
    with pytest.raises(MnistDataError, match="y_train.*int64"):
        load_mnist(path)


def test_wrong_class_counts_are_caught(arrays):
    relabelled = {**arrays, "y_test": np.roll(arrays["y_test"], 1) * 0}
    with pytest.raises(MnistDataError):
        data.verify_arrays(relabelled)
