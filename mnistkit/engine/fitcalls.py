"""Step 6's plain fit() calls on their trip between the learner's sandbox and the judge: a call
described by `mnistkit.engine.fitting.describe` goes one way as a bundle, the result of training it
comes back the other, and both are read as data (`mnistkit.engine.codec`), never unpickled.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from mnistkit.engine.bundles import MalformedValue
from mnistkit.engine.codec import Decoder, Encoder


def call_bundle(call: dict) -> Any:
    """A `describe`d call as a bundle (the model's settings as JSON text, the arrays as arrays)."""
    return Encoder().bundle({**call, "config": json.dumps(call["config"]), "compile": json.dumps(call["compile"])})


def call_from(bundle: Any) -> dict | None:
    """The call a sandbox sent, read as data; None when it is not one."""
    try:
        call = Decoder(bundle).decode()
        if not isinstance(call, dict) or not all(isinstance(call.get(k), str) for k in ("config", "compile")):
            return None
        call["config"], call["compile"] = json.loads(call["config"]), json.loads(call["compile"])
        weights = call.get("weights")
        if not isinstance(weights, list) or not all(isinstance(w, np.ndarray) for w in weights):
            return None
        if not isinstance(call.get("eager"), bool):
            return None
        return call
    except (MalformedValue, ValueError, RecursionError):
        return None


def result_bundle(result: dict) -> Any:
    return Encoder().bundle({name: np.asarray(value) for name, value in result.items()})


def result_from(bundle: Any) -> dict | None:
    try:
        result = Decoder(bundle).decode()
    except (MalformedValue, ValueError, RecursionError):
        return None
    return result if isinstance(result, dict) else None
