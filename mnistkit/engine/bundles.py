"""Bundles: the form a value takes between the judge and the learner's sandbox. `tree` is a
JSON-able tree of tagged nodes, `blobs` named byte strings (`.npy` arrays, never pickled); a bundle
is kept in memory, or written to a folder as `tree.json` and one file per blob, every size
checked before it is read back. What the nodes mean is the codec's (mnistkit.engine.codec).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BLOB_LIMIT = 1 << 30  # Bytes in all the blobs of one bundle (MNIST's training images take 47 MB).
TREE_LIMIT = 16 << 20  # Characters of one bundle's JSON tree.
DEPTH_LIMIT = 60  # Nesting of lists, dicts and tuples.
NODE_LIMIT = 200_000  # Nodes of one tree.


class MalformedValue(Exception):
    """What came back can't be read as a value: the run broke the channel, or lied badly."""


@dataclass
class Bundle:
    tree: Any
    blobs: dict[str, bytes] = field(default_factory=dict)

    def size(self) -> int:
        return sum(len(blob) for blob in self.blobs.values())


def array_to_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array, order="C"), allow_pickle=False)  # Keeps 0-d arrays 0-d.
    return buffer.getvalue()


def array_from_bytes(data: bytes) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as error:  # noqa: BLE001  (any damage: truncated, pickled, not an .npy)
        raise MalformedValue(f"an array that can't be read ({type(error).__name__}: {error})") from None
    if not isinstance(array, np.ndarray) or array.dtype.hasobject:
        raise MalformedValue("an array of Python objects, which can only be sent pickled")
    return array


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,80}")


def safe_name(text: Any, default: str = "object") -> str:
    """A type's name as it may be shown and used as a class name: an identifier, else `default`."""
    return text if isinstance(text, str) and _NAME.fullmatch(text) else default


def write_bundle(bundle: Bundle, folder) -> None:
    """`tree.json` and one file per blob, in `folder` (which exists)."""
    folder = Path(folder)
    for name, data in bundle.blobs.items():
        (folder / f"{name}.bin").write_bytes(data)
    (folder / "tree.json").write_text(json.dumps({"tree": bundle.tree, "blobs": sorted(bundle.blobs)}), encoding="utf-8")


def read_bundle(folder) -> Bundle:
    """The bundle in `folder`, read with every size checked before it is loaded."""
    folder = Path(folder)
    try:
        index = folder / "tree.json"
        if index.is_symlink() or index.stat().st_size > TREE_LIMIT:
            raise MalformedValue("a reply too large to read")
        payload = json.loads(index.read_text(encoding="utf-8"))
        names = payload["blobs"]
        if not isinstance(names, list) or not all(isinstance(n, str) and _NAME.fullmatch(n) for n in names):
            raise MalformedValue("a malformed list of arrays")
        blobs, total = {}, 0
        for name in names:
            path = folder / f"{name}.bin"
            if path.is_symlink():
                raise MalformedValue("a link where an array was expected")
            total += path.stat().st_size
            if total > BLOB_LIMIT:
                raise MalformedValue(f"more than {BLOB_LIMIT >> 20} MB of data")
            blobs[name] = path.read_bytes()
        return Bundle(payload["tree"], blobs)
    except MalformedValue:
        raise
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise MalformedValue(f"an unreadable reply ({type(error).__name__})") from None
