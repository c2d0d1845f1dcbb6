"""The warm engine: one process that has imported everything a check needs, and forks each check.

    python -m mnistkit.engine.zygote --channel FD

Importing TensorFlow, Keras, matplotlib and the kit takes seconds; forking a process that has
done so takes milliseconds. The engine imports them once, loads MNIST (as plain numpy), and then
runs *no* TensorFlow op: a process that has run one can't be forked safely (the child hangs). Each
request forks a fresh child that becomes the step's judge, exactly as a cold `python -m pytest`
process would be (own session, memory ceiling, the caller's output and report pipes), and that
child forks the learner's sandbox before it runs anything itself (`FORKABLE`).

The channel is one end of a socket pair that only the grader holds: requests come as one JSON
line with the output and report pipes attached (SCM_RIGHTS); answers are JSON lines
`{"id", "pid"}` when the judge starts and `{"id", "exit"}` when it ends. The engine ends when the
grader closes the channel.
"""

from __future__ import annotations

import json
import os
import resource
import select
import socket
import sys

FORKABLE = False  # True in a judge freshly forked from the engine, until it runs a TensorFlow op.


def preload() -> None:
    """Import what every check needs, and load MNIST, without running any TensorFlow op."""
    for name, value in (("TF_CPP_MIN_LOG_LEVEL", "3"), ("TF_ENABLE_ONEDNN_OPTS", "0"),
                        ("KERAS_BACKEND", "tensorflow"), ("MPLBACKEND", "Agg")):
        os.environ.setdefault(name, value)
    sys.dont_write_bytecode = True
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import pytest_timeout  # noqa: F401
    import seaborn  # noqa: F401
    import tensorflow  # noqa: F401
    import keras  # noqa: F401

    import mnistkit.compiling  # noqa: F401
    import mnistkit.engine.calls  # noqa: F401
    import mnistkit.engine.channel  # noqa: F401
    import mnistkit.engine.figures  # noqa: F401
    import mnistkit.engine.kerascodec  # noqa: F401
    import mnistkit.engine.sandbox  # noqa: F401
    import mnistkit.figure_checks  # noqa: F401
    import mnistkit.models  # noqa: F401
    import mnistkit.plugin  # noqa: F401
    import mnistkit.training_checks  # noqa: F401
    from mnistkit.data import load_mnist

    load_mnist()  # Cached in the process: every judge forked later has it for free.


def become_judge(request: dict, output: int, report: int) -> None:
    """In the forked child: set up as a cold judge process would be, run pytest, and exit."""
    global FORKABLE
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    memory = request.get("memory")
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    argv = [part.replace("{report}", str(report)) for part in request["argv"]]
    FORKABLE = True
    import pytest

    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    try:
        code = int(pytest.main(argv))
    except BaseException:  # noqa: BLE001  (the grader reads the exit code; nothing may escape the child)
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve(channel: socket.socket) -> None:
    waiting: dict[int, object] = {}  # judge pid -> request id
    buffer, pending = b"", []
    while True:
        readable, _, _ = select.select([channel], [], [], 0.05)
        if readable:
            data, fds, _, _ = socket.recv_fds(channel, 65536, 8)
            if not data:
                return  # The grader is gone.
            buffer += data
            pending += fds
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                taken, pending = pending[:2], pending[2:]
                pid = os.fork()
                if pid == 0:
                    channel.close()
                    become_judge(request, *taken)
                for fd in taken:
                    os.close(fd)
                waiting[pid] = request["id"]
                channel.sendall((json.dumps({"id": request["id"], "pid": pid}) + "\n").encode())
        while waiting:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in waiting:
                channel.sendall((json.dumps({"id": waiting.pop(pid), "exit": os.waitstatus_to_exitcode(status)}) + "\n").encode())


def main(argv: list[str]) -> None:
    channel = socket.socket(fileno=int(argv[argv.index("--channel") + 1]))
    preload()
    channel.sendall(b'{"ready": true}\n')
    serve(channel)


if __name__ == "__main__":
    main(sys.argv[1:])
