"""What the kit's own training found, remembered per machine by everything it depends on.

Steps 3 and 4 train the learner's model briefly to see that it learns (`checks.quick_training.quick_test_accuracy`);
steps 7 and 8 need the kit's trained CNN (`kitmodel.trained_model`, whose weights ship with the kit:
it is trained, and kept here, only when the shipped file doesn't fit). Both are pure functions
of their inputs: the model's configuration and starting weights, the kit's training code, the
data and the library versions. So the result is kept under a digest of all of those and read back
the next time the same model is checked: a learner saving the same model again (watch mode, a
notebook cell run twice, a comment changed) waits for no training.

Where it is kept: in the user's cache folder (`MNISTKIT_CACHE`, else `$XDG_CACHE_HOME/mnistkit`,
else `~/.cache/mnistkit`), never in the kit, so a learner's repository can't bring entries along.
Who reads it: the learner's own loop (`pytest exercises/stepN`, watch, the table, a notebook's
check cells). A grade that counts (`--fresh`, `--json`, a submission, class grading, so also
the Classroom workflow) runs its judge with `--mnistkit-fresh`, which sets READ to False: it
computes everything itself and only writes. The learner's sandbox can't write there (Landlock,
or another user under CI), but `pytest exercises/stepN` runs the learner's code in the test
process, which can write any file the user can; so a grade never reads what it finds there.
An entry that can't be read, or doesn't have the expected fields, is computed again.

The warm engine keeps a second, trusted store in its memory (`KEPT`): what its judges computed
in grades that count. A judge forked for such a grade gets a pipe to the engine (`ENGINE`) and
gives it each result it computed itself (never one read from a file); every judge forked later
inherits the store, and reads it before anything else. Nothing the learner runs can write there:
the learner's sandbox closes every descriptor of its judge, and can't open those of the judge or
the engine through /proc (both are not dumpable; under root it is another user); and a learner's
own `pytest exercises/stepN` forked from the engine gets no pipe. So a grade that
counts trains a model once per engine, and class grading trains the model that many submissions
share once for the class. The results are the same: each is a pure function of its digest.
MNISTKIT_KEEP=0 (for the kit's benchmarks) has a grade neither read nor give the engine anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

READ = True  # False in a judge making a grade that counts (--mnistkit-fresh): compute, never read.
# The engine's store, {(kind, digest): the entry as .npz bytes}: filled in the engine, inherited by
# every process it forks. ENGINE: in a judge of a grade that counts, the pipe that gives it entries.
KEPT: dict[tuple[str, str], bytes] = {}
KEPT_LIMIT = 128 << 20  # Bytes the engine keeps; the oldest entries go first (a CNN's training is ~1 MB).
ENGINE: int | None = None


def cache_folder() -> Path:
    """The kit's per-machine cache folder."""
    chosen = os.environ.get("MNISTKIT_CACHE")
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mnistkit"


def library_versions() -> str:
    import numpy as np
    from importlib.metadata import version

    return f"keras {version('keras')} tensorflow {version('tensorflow')} numpy {np.__version__}"


def anonymous_config(config: Any) -> Any:
    """A model's configuration without the names Keras gave it (conv2d_3 in one session, conv2d in
    the next): they never change what the model computes or how it trains."""
    if isinstance(config, dict):
        named_layer = "name" in config and ("trainable" in config or "batch_shape" in config or "layers" in config)
        return {key: ("" if key == "name" and named_layer else anonymous_config(value)) for key, value in config.items()}
    if isinstance(config, list):
        return [anonymous_config(value) for value in config]
    return config


def model_digest(model: Any, *context: Any) -> str:
    """A digest of everything about `model` that training depends on, and of `context`."""
    return config_digest(model.get_config(), model.get_weights(), *context)


def config_digest(config: Any, weights: list, *context: Any) -> str:
    """A digest of a model given by its configuration and weights (what `model_digest` reads from a
    model), and of `context`."""
    digest = hashlib.sha256()
    digest.update(json.dumps(anonymous_config(config), sort_keys=True, default=repr).encode())
    digest.update(arrays_digest(*weights).encode())
    digest.update(json.dumps([library_versions(), *context], default=repr).encode())
    return digest.hexdigest()


def arrays_digest(*arrays: Any) -> str:
    """A digest of arrays: their dtypes, shapes and bytes."""
    import numpy as np

    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def remembered(kind: str, digest: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`compute()`'s result for `digest`, from the cache when it holds it, else computed and kept.

    A result maps names to numbers (given back as floats) or numeric arrays (given back read-only);
    it is kept as an .npz file, read without pickle."""
    kept = KEPT.get((kind, digest)) if os.environ.get("MNISTKIT_KEEP") != "0" else None
    if kept is not None:
        try:
            return _entry(io.BytesIO(kept), digest)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass
    path = cache_folder() / kind / f"{digest[:32]}.npz"
    with _computing(path):
        return _read_or_compute(path, kind, digest, compute)


def keep(kind: str, digest: str, entry: bytes) -> None:
    """In the engine: keep a judge's entry for the judges forked after it (the oldest go past KEPT_LIMIT)."""
    KEPT.pop((kind, digest), None)
    KEPT[(kind, digest)] = entry
    total = sum(len(value) for value in KEPT.values())
    while total > KEPT_LIMIT and KEPT:
        total -= len(KEPT.pop(next(iter(KEPT))))


def engine_header(kind: str, digest: str, size: int) -> bytes:
    """How a judge announces an entry of `size` bytes on its pipe to the engine (the bytes follow)."""
    return (json.dumps({"kind": kind, "digest": digest, "size": size}) + "\n").encode()


def _give_engine(kind: str, digest: str, entry: bytes) -> None:
    global ENGINE
    if ENGINE is None or READ:  # Only a judge of a grade that counts, which read no file, gives.
        return
    try:
        data = memoryview(engine_header(kind, digest, len(entry)) + entry)
        while data:
            data = data[os.write(ENGINE, data):]
    except OSError:
        ENGINE = None  # The engine is gone: the grade goes on without it.


@contextmanager
def _computing(path: Path) -> Iterator[None]:
    """One process at a time computes an entry: another that wants it meanwhile waits, then reads it
    (two checks of the same model side by side train it once). Not where nothing is read."""
    try:
        import fcntl
    except ImportError:  # Windows: each computes its own.
        fcntl = None
    handle = None
    if READ and fcntl is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path.with_suffix(".lock"), "a")
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:
            handle = None  # A read-only cache: no lock, no sharing.
    try:
        yield
    finally:
        if handle is not None:
            handle.close()  # Closing releases the lock.


def _read_or_compute(path: Path, kind: str, digest: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    import numpy as np

    try:
        if not READ:
            raise FileNotFoundError(path)
        return _entry(path, digest)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # Missing or damaged: computed again, and replaced.
    result = compute()
    entry = io.BytesIO()
    np.savez(entry, digest=np.array(digest), **{name: np.asarray(value) for name, value in result.items()})
    _give_engine(kind, digest, entry.getvalue())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(f".{os.getpid()}.npz")
        scratch.write_bytes(entry.getvalue())
        scratch.replace(path)
    except OSError:
        pass  # A read-only home still checks; it trains each time.
    return result


def _entry(source: Any, digest: str) -> dict[str, Any]:
    """The result kept in `source` (a path, or a file of bytes) for `digest`; ValueError when it holds another."""
    import numpy as np

    with np.load(source, allow_pickle=False) as archive:
        if str(archive["digest"]) != digest:
            raise ValueError("an entry of another digest")
        return {name: _given_back(archive[name]) for name in archive.files if name != "digest"}


def _given_back(array: Any) -> Any:
    if array.dtype.kind not in "biuf":
        raise ValueError(f"not a number: {array.dtype}")
    if array.ndim == 0:
        return float(array)
    array.flags.writeable = False
    return array
