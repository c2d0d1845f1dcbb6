"""The sandbox: the one process that imports and runs a learner's code while a grade is made.

    python -m mnistkit.engine.sandbox --requests FD --replies FD --outbox DIR [--user UID:GID] [--tensorflow]
                                      [--import MODULE ...]
    python -m mnistkit.engine.sandbox --probe [--user UID:GID]     (can a sandbox start here?)

Once set up (its user, its imports, its confinement), it says `{"ready": true}` on `--replies`;
if it can't be, it says `{"unready": why}` and ends: a sandbox that ends before it is ready is a
fault of the kit or its installation, never of the learner. It then reads one JSON line per call
on `--requests` (which file, which function, where the encoded arguments are, the seed), runs the
call with its output captured, writes the encoded reply into `DIR/<n>/` and answers with one line
on `--replies`. It ends when the requests pipe closes.

Nothing it sends is trusted: the judge reads replies as data only (see `mnistkit.engine.codec`),
and the grader kills this process and everything it started when the step ends.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

# As in the pytest plugin: TensorFlow reads these when it is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.dont_write_bytecode = True

OUTPUT_LIMIT = 64_000  # Characters of a call's output sent back.


class Capture:
    """The call's stdout and stderr (file descriptors 1 and 2) caught in a temporary file."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(mode="w+b")
        self.saved = (os.dup(1), os.dup(2))
        self.active = False

    def start(self) -> None:
        self.active = True
        sys.stdout.flush()
        sys.stderr.flush()
        self.file.seek(0)
        self.file.truncate()
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)

    def stop(self) -> str:
        """The output since start(); restores stdout and stderr (a second call returns "")."""
        if not self.active:
            return ""
        self.active = False
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        self.file.seek(0)
        from mnistkit.learner import without_tensorflow_noise

        return without_tensorflow_noise(self.file.read(OUTPUT_LIMIT).decode("utf-8", errors="replace"))


class FitClient:
    """Step 6's plain fit() calls, sent to the judge to train (mnistkit.engine.fitting): this process
    can't keep what it trains, and the judge remembers it per machine."""

    def __init__(self, incoming, replies: int, outbox: Path) -> None:
        self.incoming, self.replies, self.outbox, self.count = incoming, replies, outbox, 0

    def __call__(self, call: dict) -> dict | None:
        from mnistkit.engine import fitcalls
        from mnistkit.engine.bundles import read_bundle, write_bundle

        self.count += 1
        folder = self.outbox / f"fit{self.count}"
        folder.mkdir()
        write_bundle(fitcalls.call_bundle(call), folder)
        os.write(self.replies, (json.dumps({"fit": self.count}) + "\n").encode())
        answer = json.loads(self.incoming.readline())
        if answer.get("fitted") != self.count or not answer.get("path"):
            return None  # The judge declined: train here.
        return fitcalls.result_from(read_bundle(answer["path"]))


def serve(requests: int, replies: int, outbox: Path) -> None:
    from mnistkit.engine import fitting
    from mnistkit.engine import calls
    from mnistkit.engine.bundles import Bundle, read_bundle, write_bundle
    from mnistkit.learner import function_from

    incoming = os.fdopen(requests, "rb")
    fitting.SERVICE = FitClient(incoming, replies, outbox)
    capture = Capture()
    # Set up, before any learner code: from here on a process that ends is the learner's doing.
    os.write(replies, b'{"ready": true}\n')
    for line in incoming:
        message = json.loads(line)
        number = int(message["n"])
        capture.start()
        try:
            function = function_from(Path(message["file"]), message["function"])
        except BaseException as error:  # noqa: BLE001  (syntax error, missing function, a stub raising at import)
            output = capture.stop()
            count = calls.argument_count(read_bundle(message["request"]))
            reply = Bundle({"result": None, "error": calls.describe_exception(error), "states": [None] * count, "output": output})
        else:
            try:
                reply = calls.run_request(function, read_bundle(message["request"]), int(message["seed"]),
                                          bool(message["fresh"]), capture=capture.stop)
            finally:
                capture.stop()
        folder = outbox / str(number)
        folder.mkdir()
        write_bundle(reply, folder)
        os.write(replies, (json.dumps({"n": number}) + "\n").encode())


def unready(replies: int, error: BaseException) -> None:
    """Say why the sandbox could not be set up: a fault of the kit or its installation, not the learner's."""
    from mnistkit.engine.reach import Unreachable

    message = str(error) if isinstance(error, Unreachable) else f"{type(error).__name__}: {error}"
    try:
        os.write(replies, (json.dumps({"unready": message[:2000]}) + "\n").encode())
    except OSError:
        pass


def the_kit_copy() -> Path:
    """The copy of the kit's code this process imports (its data folder links to the kit's data)."""
    import mnistkit

    return Path(mnistkit.__file__).resolve().parent.parent


def reachable(outbox: Path, kit: Path) -> list[Path]:
    """What the sandbox reads besides Python's own folders: its outbox, the kit's copy and data, and
    the folder its kit modules came from (a forked sandbox's are the judge's, which it may still import)."""
    import mnistkit

    data = kit / "mnistkit" / "data"  # A link to the kit's data folder, whose files may link on (reach.hops).
    return [outbox, kit, data, *data.iterdir(), Path(mnistkit.__file__).resolve().parent]


def set_up(outbox: Path, user: tuple[int, int] | None, tensorflow: bool, kit: Path, imports: tuple[str, ...] = ()) -> None:
    """Become the sandbox's user (reach.py), import what the step's values need, then confine.

    `imports`: the kit's modules that the values sent here need, named by whoever starts the
    sandbox (the judge names the checks that rebuild a recording model's guard); the engine itself
    knows nothing of the checks."""
    if user is not None:
        from mnistkit.engine.reach import become

        become(user, reachable(outbox, kit))
    import numpy  # noqa: F401  (every step's values are arrays)

    if tensorflow:
        import keras  # noqa: F401
        import matplotlib.pyplot  # noqa: F401
    for name in imports:
        importlib.import_module(name)
    from mnistkit.engine.confine import confine

    # From here on (and before any learner code is imported) nothing outside the outbox can be written.
    confine([outbox.resolve()])


def probe(user: tuple[int, int] | None) -> str | None:
    """As the grader checks before grading: can a sandbox become `user` and reach what the checks
    need (numpy imported; TensorFlow, Keras, matplotlib and the kit's data found and readable)?
    None when it can, else why not."""
    import importlib.util

    try:
        if user is not None:
            from mnistkit.engine.reach import become

            become(user, reachable(Path.cwd(), the_kit_copy()))
        import numpy  # noqa: F401

        for name in ("tensorflow", "keras", "matplotlib", "seaborn"):
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                return f"the sandbox's Python can't find {name}: is the kit installed in this environment?"
            with open(spec.origin, "rb"):
                pass
        with open(the_kit_copy() / "mnistkit" / "data" / "mnist.npz", "rb"):
            pass
    except Exception as error:  # noqa: BLE001  (whatever stops it is what the grader must say)
        from mnistkit.engine.reach import Unreachable

        if isinstance(error, Unreachable):
            return str(error)
        return (f"{type(error).__name__}: {error} (the sandbox runs the learner's code as "
                f"{'the user nobody' if user else 'you'}; every folder on the way to the kit's Python and data must let it in)")
    return None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m mnistkit.engine.sandbox")
    parser.add_argument("--requests", type=int)
    parser.add_argument("--replies", type=int)
    parser.add_argument("--outbox", type=Path)
    parser.add_argument("--user", metavar="UID:GID", help="become this user first (the grader runs as root)")
    parser.add_argument("--tensorflow", action="store_true", help="import TensorFlow and Keras before the first call")
    parser.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                        help="a kit module to import before the first call (repeatable)")
    parser.add_argument("--probe", action="store_true", help="only check that a sandbox can start; print why not")
    args = parser.parse_args(argv)
    user = tuple(int(part) for part in args.user.split(":")) if args.user else None
    if args.probe:
        problem = probe(user)
        print(json.dumps({"problem": problem}))
        return
    # The channel closes if this process is replaced (os.execv): the judge then sees it end.
    os.set_inheritable(args.requests, False)
    os.set_inheritable(args.replies, False)
    try:
        set_up(args.outbox, user, args.tensorflow, the_kit_copy(), tuple(args.imports))
    except BaseException as error:  # noqa: BLE001
        unready(args.replies, error)
        raise SystemExit(70) from None
    serve(args.requests, args.replies, args.outbox)


if __name__ == "__main__":
    main(sys.argv[1:])
