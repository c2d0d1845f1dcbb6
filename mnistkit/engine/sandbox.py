"""The sandbox: the one process that imports and runs a learner's code while a grade is made.

    python -m mnistkit.engine.sandbox --requests FD --replies FD --outbox DIR [--tensorflow]

It reads one JSON line per call on `--requests` (which file, which function, where the encoded
arguments are, the seed), runs the call with its output captured, writes the encoded reply into
`DIR/<n>/` and answers with one line on `--replies`. It ends when the requests pipe closes.

Nothing it sends is trusted: the judge reads replies as data only (see `mnistkit.engine.codec`),
and the grader kills this process and everything it started when the step ends.
"""

from __future__ import annotations

import argparse
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
    """Step 6's plain fit() calls, sent to the judge to train (mnistkit.fitting): this process
    can't keep what it trains, and the judge remembers it per machine."""

    def __init__(self, incoming, replies: int, outbox: Path) -> None:
        self.incoming, self.replies, self.outbox, self.count = incoming, replies, outbox, 0

    def __call__(self, call: dict) -> dict | None:
        from mnistkit import fitting
        from mnistkit.engine.codec import read_bundle, write_bundle

        self.count += 1
        folder = self.outbox / f"fit{self.count}"
        folder.mkdir()
        write_bundle(fitting.call_bundle(call), folder)
        os.write(self.replies, (json.dumps({"fit": self.count}) + "\n").encode())
        answer = json.loads(self.incoming.readline())
        if answer.get("fitted") != self.count or not answer.get("path"):
            return None  # The judge declined: train here.
        return fitting.result_from(read_bundle(answer["path"]))


def serve(requests: int, replies: int, outbox: Path) -> None:
    from mnistkit import fitting
    from mnistkit.engine import calls
    from mnistkit.engine.codec import Bundle, read_bundle, write_bundle
    from mnistkit.learner import function_from

    incoming = os.fdopen(requests, "rb")
    fitting.SERVICE = FitClient(incoming, replies, outbox)
    capture = Capture()
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


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m mnistkit.engine.sandbox")
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--replies", type=int, required=True)
    parser.add_argument("--outbox", type=Path, required=True)
    parser.add_argument("--tensorflow", action="store_true", help="import TensorFlow and Keras before the first call")
    args = parser.parse_args(argv)
    # The channel closes if this process is replaced (os.execv): the judge then sees it end.
    os.set_inheritable(args.requests, False)
    os.set_inheritable(args.replies, False)
    import numpy  # noqa: F401  (every step's values are arrays)

    if args.tensorflow:
        import keras  # noqa: F401
        import matplotlib.pyplot  # noqa: F401
    from mnistkit.engine.confine import confine

    # From here on (and before any learner code is imported) nothing outside the outbox can be written.
    confine([args.outbox.resolve()])
    serve(args.requests, args.replies, args.outbox)


if __name__ == "__main__":
    main(sys.argv[1:])
