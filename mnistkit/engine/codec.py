"""Values as safe data: a JSON tree plus binary blobs (`.npy` arrays), never pickle.

A value crosses between the judge and the learner's sandbox as a `Bundle`: `tree`, a JSON-able
tree of tagged nodes (`{"t": "ndarray", "blob": "b3"}`), and `blobs`, named byte strings. The
same bundle is written to files when it crosses processes and kept in memory otherwise, so both
ways of running a check see exactly the same values.

What a node can be: None, bool, int, float, str, list, tuple, dict; numpy arrays and scalars;
TensorFlow tensors and variables; Keras models and histories (see `kerascodec`); matplotlib
figures and axes (see `figures`); "the call's argument number k" (so `result is images` still
holds after the trip); a reference to a node seen earlier (shared objects stay shared); and, for
anything else, an opaque stand-in that keeps only its type's name (for messages such as
"returned a DataFrame").

Decoding trusts nothing: unknown tags, wrong types, oversized blobs and pickled arrays are a
`MalformedValue`, which the checks report as a failure, never as a pass.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from mnistkit.engine.bundles import (BLOB_LIMIT, DEPTH_LIMIT, NODE_LIMIT, Bundle, MalformedValue, array_from_bytes,
                                     array_to_bytes, safe_name)


class Opaque:
    """Stands for a value that can't cross (a generator, a Dataset, a DataFrame): only its type's name did."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


_opaque_types: dict[str, type] = {}


def opaque(type_name: str) -> Opaque:
    name = safe_name(type_name)
    if name not in _opaque_types:
        _opaque_types[name] = type(name, (Opaque,), {})
    return _opaque_types[name]()


def _is_tensor(value: Any) -> bool:
    if "tensorflow" not in sys.modules:
        return False
    import tensorflow as tf

    return isinstance(value, (tf.Tensor, tf.Variable))


def _is_keras_variable(value: Any) -> bool:
    if "keras" not in sys.modules:
        return False
    import keras

    return isinstance(value, keras.Variable)


NUMBERS_INLINE = 64  # Lists of numbers longer than this cross as one array.


def _plain_numbers(value: list | tuple) -> np.ndarray | None:
    """`value` as an array when it is a rectangular nest of lists (or tuples, not mixed) of only
    Python floats, or only Python ints; else None. Decoding gives back exactly the same lists."""
    kind = type(value)
    leaves: set[type] = set()

    def walk(item: object) -> bool:
        if type(item) is kind:
            return all(walk(inner) for inner in item)
        if type(item) in (float, int):
            leaves.add(type(item))
            return True
        return False

    if not walk(value) or len(leaves) != 1:
        return None
    try:
        array = np.array(value, dtype=np.float64 if float in leaves else np.int64)
    except (ValueError, OverflowError):
        return None  # Ragged, or ints too big for int64.
    return array if array.dtype != object else None


class Encoder:
    """Turns values into a Bundle. `args` are the call's arguments: a value that *is* one of them
    is sent as a reference to it (the other side puts its own copy of that argument in its place)."""

    def __init__(self, args: tuple = ()) -> None:
        self.blobs: dict[str, bytes] = {}
        self.args = list(args)
        self._seen: dict[int, int] = {}  # id(value) -> node number
        self._keep: list[Any] = []  # Holds encoded values, so their ids are not reused meanwhile.

    def blob(self, data: bytes) -> str:
        name = f"b{len(self.blobs)}"
        self.blobs[name] = data
        return name

    def array(self, array: Any) -> str:
        return self.blob(array_to_bytes(np.asarray(array)))

    def bundle(self, value: Any) -> Bundle:
        return Bundle(self.encode(value), self.blobs)

    def encode(self, value: Any, depth: int = 0) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and type(value) is int:
            return {"t": "int", "v": str(value)}  # As text: JSON numbers lose big ints.
        if type(value) is float:
            return {"t": "float", "v": repr(value)}
        for index, arg in enumerate(self.args):
            if value is arg:
                return {"t": "arg", "i": index}
        if id(value) in self._seen:
            return {"t": "ref", "id": self._seen[id(value)]}
        if depth > DEPTH_LIMIT:
            return {"t": "object", "type": type(value).__name__}
        number = len(self._seen)
        self._seen[id(value)] = number
        self._keep.append(value)
        node = self._encode_new(value, depth)
        node["id"] = number
        return node

    def _encode_new(self, value: Any, depth: int) -> dict:
        from mnistkit.engine import figures, kerascodec

        if isinstance(value, (list, tuple)) and len(value) > NUMBERS_INLINE and (numbers := _plain_numbers(value)) is not None:
            # A long list of Python numbers (images as .tolist()) crosses as one array, not a node each.
            return {"t": "numbers", "blob": self.array(numbers), "type": type(value).__name__}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {"t": kind, "items": [self.encode(item, depth + 1) for item in value], "type": type(value).__name__}
        if isinstance(value, dict):
            items = [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]
            return {"t": "dict", "items": items, "type": type(value).__name__}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                return {"t": "objarray", "shape": list(value.shape),
                        "items": [self.encode(item, depth + 1) for item in value.ravel()]}
            return {"t": "ndarray", "blob": self.array(value), "type": type(value).__name__}
        if isinstance(value, np.generic):
            return {"t": "npscalar", "blob": self.array(np.asarray(value))}
        if _is_tensor(value):
            import tensorflow as tf

            return {"t": "tensor", "blob": self.array(value.numpy()), "variable": isinstance(value, tf.Variable),
                    "type": type(value).__name__}
        if _is_keras_variable(value):
            return {"t": "kvariable", "blob": self.array(np.asarray(value)), "type": type(value).__name__}
        node = kerascodec.encode(self, value, depth) or figures.encode(self, value)
        return node if node is not None else {"t": "object", "type": type(value).__name__}


class Decoder:
    """Turns a Bundle back into values. `args` stand in for argument references."""

    def __init__(self, bundle: Bundle, args: tuple = ()) -> None:
        if not isinstance(bundle.blobs, dict) or bundle.size() > BLOB_LIMIT:
            raise MalformedValue(f"more than {BLOB_LIMIT >> 20} MB of data")
        self.blobs = bundle.blobs
        self.args = list(args)
        self._made: dict[int, Any] = {}
        self._nodes = 0
        self.tree = bundle.tree
        self.kept_models: list | None = None  # The learner's side reuses untouched models (kerascodec.KEPT).

    def decode(self, node: Any = ..., depth: int = 0) -> Any:
        if node is ...:
            node = self.tree
        self._nodes += 1
        if self._nodes > NODE_LIMIT or depth > DEPTH_LIMIT + 2:
            raise MalformedValue("a value nested too deep or too large")
        if node is None or isinstance(node, (bool, str)):
            return node
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise MalformedValue(f"an unreadable value ({type(node).__name__})")
        kind = node["t"]
        if kind == "int":
            return int(self.text(node, "v", 4300))
        if kind == "float":
            return float(self.text(node, "v", 40))
        if kind == "arg":
            index = node.get("i")
            if type(index) is not int or not 0 <= index < len(self.args):
                raise MalformedValue("a reference to an argument that was not given")
            return self.args[index]
        if kind == "ref":
            number = node.get("id")
            if number not in self._made:
                raise MalformedValue("a reference to nothing")
            return self._made[number]
        value = self._decode_new(kind, node, depth)
        number = node.get("id")
        if type(number) is int:
            self._made[number] = value
        return value

    def text(self, node: dict, key: str, limit: int = 10_000) -> str:
        value = node.get(key)
        if not isinstance(value, str) or len(value) > limit:
            raise MalformedValue(f"a malformed {node.get('t')} value")
        return value

    def items(self, node: dict, key: str = "items") -> list:
        value = node.get(key)
        if not isinstance(value, list):
            raise MalformedValue(f"a malformed {node.get('t')} value")
        return value

    def array(self, node: dict, key: str = "blob") -> np.ndarray:
        name = node.get(key)
        if not isinstance(name, str) or name not in self.blobs:
            raise MalformedValue("a missing array")
        return array_from_bytes(self.blobs[name])

    def _remember(self, node: dict, value: Any) -> Any:
        """Register a container before its items are decoded, so references to it inside resolve."""
        if type(node.get("id")) is int:
            self._made[node["id"]] = value
        return value

    def _decode_new(self, kind: str, node: dict, depth: int) -> Any:
        from mnistkit.engine import figures, kerascodec

        if kind == "list":
            result = self._remember(node, [])
            result.extend(self.decode(item, depth + 1) for item in self.items(node))
            return result
        if kind == "tuple":
            return tuple(self.decode(item, depth + 1) for item in self.items(node))
        if kind == "dict":
            result = self._remember(node, {})
            for pair in self.items(node):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise MalformedValue("a malformed dict")
                key = self.decode(pair[0], depth + 1)
                try:
                    result[key] = self.decode(pair[1], depth + 1)
                except TypeError:
                    raise MalformedValue("a dict with an unhashable key") from None
            return result
        if kind == "ndarray":
            return self.array(node)
        if kind == "numbers":
            array = self.array(node)
            if array.dtype not in (np.float64, np.int64) or array.ndim == 0:
                raise MalformedValue("a malformed list of numbers")
            listed = array.tolist()
            return _as_tuples(listed) if node.get("type") == "tuple" else listed
        if kind == "objarray":
            shape = node.get("shape")
            items = self.items(node)
            if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape) or math.prod(shape) != len(items):
                raise MalformedValue("a malformed array of objects")
            result = np.empty(len(items), dtype=object)
            for index, item in enumerate(items):
                result[index] = self.decode(item, depth + 1)
            return result.reshape(shape)
        if kind == "npscalar":
            array = self.array(node)
            if array.shape != ():
                raise MalformedValue("a malformed numpy scalar")
            return array[()]
        if kind == "tensor":
            import tensorflow as tf

            array = self.array(node)
            return tf.Variable(array) if node.get("variable") is True else tf.constant(array)
        if kind == "kvariable":
            import keras

            return keras.Variable(self.array(node))
        if kind == "object":
            return opaque(node.get("type"))
        value = kerascodec.decode(self, kind, node, depth)
        if value is None:
            value = figures.decode(self, kind, node)
        if value is None:
            raise MalformedValue(f"a value of unknown kind {safe_name(kind, '?')!r}")
        return value


def _as_tuples(items: list) -> tuple:
    return tuple(_as_tuples(item) if isinstance(item, list) else item for item in items)
