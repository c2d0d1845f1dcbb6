"""One call of a learner's function, as both sides of the channel see it.

The judge's side: `encode_request` packs the arguments; `decode_reply` unpacks what came back,
writes back into the judge's own arguments whatever the call changed in its copies (an array
divided in place, a model compiled or trained), and raises again what the function raised.

The learner's side: `run_request` unpacks the arguments, seeds, calls the function, and packs
its result, its exception, and the state of every argument after the call.

Run in one process (the learner's `pytest exercises/stepN`) or across two (the grade), the same
functions encode and decode, so both give the same verdicts.
"""

from __future__ import annotations

import builtins
import random
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mnistkit.engine.bundles import Bundle, MalformedValue, safe_name
from mnistkit.engine.codec import Decoder, Encoder

MESSAGE_LIMIT = 4000


class LearnerRaised(Exception):
    """An exception raised by the learner's function, carried over as its type name, message and place.

    `where` is 'exercises/step1/scaling.py, line 5: return images / 256', `function` the name of the
    learner's function whose frame raised it (None if no frame of the learner's file was involved).
    """

    where: str | None = None
    function: str | None = None


_made: dict[tuple[str, str], type] = {}
_UNSAFE_BASES = (SystemExit, KeyboardInterrupt, GeneratorExit)


def _learner_class(type_name: str, base_name: str) -> type:
    """A subclass of LearnerRaised named like the learner's exception, also a subclass of the
    built-in exception it was (or derived from), so `except ValueError` and isinstance still work."""
    key = (type_name, base_name)
    if key not in _made:
        base = getattr(builtins, base_name, None)
        bases: tuple[type, ...] = (LearnerRaised,)
        if isinstance(base, type) and issubclass(base, Exception) and not issubclass(base, _UNSAFE_BASES) and base is not Exception:
            bases = (base, LearnerRaised)
        try:
            _made[key] = type(type_name, bases, {"__module__": "learner"})
        except TypeError:  # Built-ins whose layouts can't be combined.
            _made[key] = type(type_name, (LearnerRaised,), {"__module__": "learner"})
    return _made[key]


def _kit_exceptions() -> dict[str, Callable[[dict], BaseException]]:
    """The kit's own exceptions that may come back from the learner's side (raised by kit objects there)."""
    from mnistkit.engine.recording import DryRun
    from mnistkit.learner import LearnerCodeError
    from mnistkit.mistakes import KeyedMistake, Mistake

    return {
        "Mistake": lambda e: Mistake(e["message"]),
        "KeyedMistake": lambda e: KeyedMistake(str(e.get("problem") or ""), e["message"]),
        "DryRun": lambda e: DryRun(),
        "LearnerCodeError": lambda e: LearnerCodeError(e["message"]),
    }


def learner_frame(tb: Any) -> traceback.FrameSummary | None:
    """The deepest frame of a traceback in a learner's file (exercises/ or solutions/, not a test file)."""
    found = None
    for frame in traceback.extract_tb(tb):
        parts = Path(frame.filename).parts
        if ("exercises" in parts or "solutions" in parts) and not Path(frame.filename).name.startswith("test_"):
            found = frame
    return found


def describe_exception(error: BaseException) -> dict:
    """What the judge needs to raise `error` again: type, message, and the learner's line."""
    from mnistkit.learner import display_path

    kit = type(error).__module__.startswith("mnistkit.") and type(error).__name__ in _kit_exceptions()
    frame = learner_frame(error.__traceback__)
    builtin_base = next((c.__name__ for c in type(error).__mro__ if getattr(builtins, c.__name__, None) is c), "Exception")
    single = error.args[0] if len(error.args) == 1 and type(error.args[0]) in (str, int, float) else None
    return {
        "type": type(error).__name__, "kit": bool(kit), "base": builtin_base,
        "arg": single[:MESSAGE_LIMIT] if isinstance(single, str) else single,  # KeyError('acc') stays KeyError('acc').
        "message": str(error)[:MESSAGE_LIMIT], "problem": getattr(error, "problem", None) if kit else None,
        "where": None if frame is None else f"{display_path(Path(frame.filename))}, line {frame.lineno}: {(frame.line or '').strip()}",
        "function": None if frame is None else frame.name,
    }


def rebuild_exception(node: Any) -> BaseException:
    if not isinstance(node, dict) or not isinstance(node.get("message", ""), str):
        raise MalformedValue("a malformed exception")
    node = {**node, "message": node.get("message", "")[:MESSAGE_LIMIT]}
    name = safe_name(node.get("type"), "Exception")
    if node.get("kit") is True and name in _kit_exceptions():
        return _kit_exceptions()[name](node)
    arg = node.get("arg")
    argument = arg[:MESSAGE_LIMIT] if isinstance(arg, str) else arg if type(arg) in (int, float) else node["message"]
    error = _learner_class(name, safe_name(node.get("base"), "Exception"))(argument)
    where, function = node.get("where"), node.get("function")
    error.where = where[:600] if isinstance(where, str) else None
    error.function = safe_name(function, "") or None if isinstance(function, str) else None
    return error


# --- The judge's side ----------------------------------------------------------------------------


def encode_request(args: tuple, kwargs: dict) -> Bundle:
    encoder = Encoder()
    tree = {"args": encoder.encode(list(args)), "kwargs": encoder.encode(dict(kwargs)), "count": len(args) + len(kwargs)}
    return Bundle(tree, encoder.blobs)


def argument_count(request: Bundle) -> int:
    count = request.tree.get("count") if isinstance(request.tree, dict) else None
    return count if type(count) is int and 0 <= count <= 100 else 0


def decode_reply(reply: Bundle, args: tuple, kwargs: dict) -> tuple[Any, BaseException | None, str]:
    """(result, exception to raise or None, captured output); the judge's arguments are updated in place."""
    given = list(args) + list(kwargs.values())
    decoder = Decoder(reply, tuple(given))
    tree = reply.tree
    if not isinstance(tree, dict):
        raise MalformedValue("a reply that is not a record")
    result = decoder.decode(tree.get("result"))
    states = tree.get("states")
    if not isinstance(states, list) or len(states) != len(given):
        raise MalformedValue("a reply without the state of each argument")
    for argument, state in zip(given, states):
        write_back(decoder, argument, state)
    error = rebuild_exception(tree["error"]) if tree.get("error") is not None else None
    output = tree.get("output") if isinstance(tree.get("output"), str) else ""
    return result, error, output


def write_back(decoder: Decoder, argument: Any, state: Any) -> None:
    """Make the judge's `argument` what the learner's copy became (values, shape, weights, compile)."""
    if state is None:
        return
    if not isinstance(state, dict):
        raise MalformedValue("a malformed argument state")
    if state.get("t") == "ndarray" and isinstance(argument, np.ndarray):
        after = decoder.array(state)
        if after.shape != argument.shape and after.size == argument.size:
            try:
                argument.shape = after.shape
            except (AttributeError, ValueError):
                pass
        if after.shape == argument.shape and argument.flags.writeable:
            np.copyto(argument, after, casting="unsafe")
    elif state.get("t") == "modelstate":
        from mnistkit.engine.kerascodec import apply_state

        apply_state(decoder, argument, state)


# --- The learner's side --------------------------------------------------------------------------


def seed_everything(seed: int, fresh: bool) -> None:
    """Seed Python and NumPy, and Keras when it is loaded; `fresh` also clears Keras's session first."""
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules:
        import keras

        if fresh:
            from mnistkit.reference import clear_session

            clear_session()
        keras.utils.set_random_seed(seed)  # After clear_session, which resets the seed.


def argument_state(encoder: Encoder, argument: Any) -> Any:
    if isinstance(argument, np.ndarray) and not argument.dtype.hasobject:
        return {"t": "ndarray", "blob": encoder.array(argument)}
    if "keras" in sys.modules:
        import keras

        if isinstance(argument, keras.Model):
            from mnistkit.engine.kerascodec import model_state

            return {"t": "modelstate", **model_state(encoder, argument)}
    return None


def run_request(function: Callable[..., Any], request: Bundle, seed: int, fresh: bool,
                capture: Callable[[], str] | None = None) -> Bundle:
    """Call `function` on the request's arguments; the reply carries everything the judge may read."""
    seed_everything(seed, fresh)
    decoder = Decoder(request)
    decoder.kept_models = []  # Models to keep for the next call if this one leaves them as they were (kerascodec.KEPT).
    args, kwargs = decoder.decode(request.tree["args"]), decoder.decode(request.tree["kwargs"])
    given = list(args) + list(kwargs.values())
    result, error = None, None
    try:
        result = function(*args, **kwargs)
    except BaseException as raised:  # noqa: BLE001  (everything the learner's code raises goes back)
        if isinstance(raised, KeyboardInterrupt) and capture is None:
            raise  # Ctrl-C in the learner's own pytest run stops it, as always.
        error = describe_exception(raised)
    encoder = Encoder(tuple(given))
    try:
        result_node = encoder.encode(result)
    except Exception as problem:  # noqa: BLE001  (a result that breaks while being read)
        result_node, error = None, error or {"type": "Mistake", "kit": True, "base": "AssertionError",
                                            "message": f"what your function returned can't be read: {type(problem).__name__}: {problem}"}
    states = [argument_state(encoder, argument) for argument in given]
    if decoder.kept_models:
        from mnistkit.engine.kerascodec import KEPT

        KEPT.give_back(decoder.kept_models)
    output = capture() if capture is not None else ""
    return Bundle({"result": result_node, "error": error, "states": states, "output": output}, encoder.blobs)
