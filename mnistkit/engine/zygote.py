"""The warm engine: one process that has imported everything a check needs, and forks each check.

    python -m mnistkit.engine.zygote --channel FD [--preload MODULE ...]           (the grader's own, for one run)
    python -m mnistkit.engine.zygote --listen NAME [--idle S] [--preload MODULE ...] (shared: watch mode, pytest, the grader)

Importing TensorFlow, Keras, matplotlib and the kit takes seconds; forking a process that has
done so takes milliseconds. The engine imports them once, loads MNIST (as plain numpy), and then
runs *no* TensorFlow op: a process that has run one can't be forked safely (the child hangs). Each
request forks a fresh child that becomes the step's judge, exactly as a cold `python -m pytest`
process would be (own session, memory ceiling, the caller's output and report pipes), and that
child forks the learner's sandbox before it runs anything itself (`FORKABLE`).

Requests come over a socket as one JSON line with the output and report pipes attached
(SCM_RIGHTS); answers are JSON lines `{"id", "pid"}` when the judge starts and `{"id", "exit"}`
when it ends. The socket is either one end of a socket pair that only the grader holds (the
engine ends with it), or a listening abstract socket named for the user and the kit's version,
which only processes of the same user may use and which Landlock keeps the learner's sandbox
from reaching (the engine ends after some idle minutes). The engine is a child subreaper: what a
judge's processes leave behind becomes its child, and it kills it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import select
import shutil
import socket
import sys
import time

from mnistkit.engine import forked
from mnistkit.engine.judges import Connection, Judges, same_user



def preload(kit_modules: tuple[str, ...] = ()) -> None:
    """Import what every check needs, and load MNIST, without running any TensorFlow op.

    `kit_modules`: what a judge imports of the kit beyond the engine (its pytest plugin, the
    checks), named by whoever starts the engine (mnistkit.grading.verdict.JUDGE_MODULES): the engine
    runs judges but knows nothing of what they check."""
    for name, value in (("TF_CPP_MIN_LOG_LEVEL", "3"), ("TF_ENABLE_ONEDNN_OPTS", "0"),
                        ("KERAS_BACKEND", "tensorflow"), ("MPLBACKEND", "Agg")):
        os.environ.setdefault(name, value)
    sys.dont_write_bytecode = True
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import pytest_timeout  # noqa: F401
    from _pytest.config import default_plugins

    for plugin in default_plugins:  # pytest imports most of them only when a session starts: 15 ms a check.
        importlib.import_module(f"_pytest.{plugin}")
    import pdb  # noqa: F401  (for --pdb, and what _pytest.debugging brings)
    import seaborn  # noqa: F401
    import tensorflow  # noqa: F401
    import keras  # noqa: F401

    import mnistkit.engine.calls  # noqa: F401
    import mnistkit.engine.channel  # noqa: F401
    import mnistkit.engine.figures  # noqa: F401
    import mnistkit.engine.fitting  # noqa: F401
    import mnistkit.engine.kerascodec  # noqa: F401
    import mnistkit.engine.recording  # noqa: F401
    import mnistkit.engine.sandbox  # noqa: F401

    for name in kit_modules:
        importlib.import_module(name)
    from mnistkit.data import load_mnist

    load_mnist()  # Cached in the process: every judge forked later has it for free.
    warm_matplotlib()


def warm_matplotlib() -> None:
    """Draw one small figure and throw it away: matplotlib's first figure loads fonts and builds
    caches (about 0.2 s), which every check that draws would otherwise pay in its fork."""
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axes = plt.subplots(2, 2)
    for index, ax in enumerate(axes.flat):
        ax.set_title(f"Kernel {index}")
        ax.imshow(np.eye(3), cmap="binary")
        ax.plot([0, 1], [1, 0], label="loss")
        ax.legend()
        ax.set_xlabel("Epoch")
    figure.tight_layout()
    plt.close(figure)
    import gc

    gc.collect()
    gc.freeze()  # What is alive now stays out of every fork's garbage collections.


def serve(connections: list[Connection], listener: socket.socket | None = None, idle: float = 300) -> None:
    """Fork a judge per request; report each judge's pid and exit; clean up after every judge.

    Without a listener the engine ends with its grader (the socket pair closes); with one, it ends
    after `idle` seconds without a request or a running judge."""
    from mnistkit.engine.contain import become_subreaper, descendants

    become_subreaper()  # What a judge's processes leave behind comes back here, to be killed.
    judges = Judges()
    while True:
        sockets = [c.sock for c in connections] + ([listener] if listener is not None else [])
        readable, _, _ = select.select(sockets + judges.descriptors(), [], [], 0.05)
        for sock in readable:
            if isinstance(sock, int):
                if sock in judges.codes:
                    judges.exit_said(sock)
                elif sock in judges.keeps:
                    judges.kept(sock)
                continue  # A judge ended: reaped below.
            if sock is listener:
                accepted, _ = listener.accept()
                if same_user(accepted):
                    connections.append(Connection(accepted, primary=False))
                else:
                    accepted.close()
                continue
            connection = next(c for c in connections if c.sock is sock)
            if not receive(connection, connections, judges, sockets):
                return  # The grader is gone.
        judges.reap()
        _kill_strays(set(judges.waiting), descendants)
        if listener is not None and not judges.waiting and time.monotonic() - judges.last > idle:
            return


def receive(connection: Connection, connections: list[Connection], judges: Judges, sockets: list) -> bool:
    """Read what `connection` sent and start a judge for each whole request in it; False when the
    grader's own connection closed (the engine ends with it)."""
    try:
        data, fds, _, _ = socket.recv_fds(connection.sock, 65536, 8)
    except OSError:
        data, fds = b"", []
    connection.fds += fds
    if not data:
        connections.remove(connection)
        for fd in connection.fds:
            os.close(fd)
        connection.sock.close()
        return not connection.primary
    connection.buffer += data
    while b"\n" in connection.buffer:
        line, connection.buffer = connection.buffer.split(b"\n", 1)
        request = json.loads(line)
        count = len(request.get("fds", ["output", "report"]))
        taken, connection.fds = connection.fds[:count], connection.fds[count:]
        judges.start(connection, request, taken, sockets)
    return True


def _kill_strays(running: set[int], descendants) -> None:
    """Kill every child of the engine that is not a running judge: what escaped a finished judge.

    Called some 20 times a second, busy or idle: reading every process's stat each time kept an
    idle engine at 4 % of a core (measured: 0.82 s of CPU in 20 idle seconds). The kernel's list
    of the engine's own children says in a few reads whether there is any stray at all."""
    from mnistkit.engine.contain import kill_all, parent_pids, own_children

    children = own_children()
    if children is not None and children <= running:
        return
    parents = parent_pids()
    me = os.getpid()
    for pid, parent in parents.items():
        if parent == me and pid not in running:
            kill_all(descendants(pid, parents) + [pid])


def listener_name(kit_fingerprint: str) -> str:
    """The engine's abstract socket: one per user and kit version (a changed kit gets a new engine)."""
    return f"\0mnistkit-engine-{os.getuid()}-{kit_fingerprint[:24]}"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m mnistkit.engine.zygote")
    parser.add_argument("--channel", type=int, help="a socket-pair end held by the grader")
    parser.add_argument("--listen", metavar="NAME", help="listen on this abstract socket (after loading)")
    parser.add_argument("--idle", type=float, default=300, help="with --listen: seconds without work before ending")
    parser.add_argument("--preload", action="append", default=[], metavar="MODULE",
                        help="a kit module every judge imports, imported once here (repeatable)")
    args = parser.parse_args(argv)
    from mnistkit.engine.confine import not_dumpable

    # Like a judge: a process of the same user (a learner's sandbox on a machine without Landlock)
    # can't open this one's descriptors through /proc, among them the pipes judges give entries on.
    not_dumpable()
    preload(tuple(args.preload))
    forked.KIT_COPY = forked.copy_kit()
    try:
        run(args)
    finally:
        shutil.rmtree(forked.KIT_COPY.parent, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    connections = []
    if args.channel is not None:
        channel = socket.socket(fileno=args.channel)
        channel.sendall(b'{"ready": true}\n')
        connections.append(Connection(channel, primary=True))
    listener = None
    if args.listen:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind("\0" + args.listen.lstrip("\0"))
        except OSError:
            return  # Another engine for this kit got there first: it serves instead.
        listener.listen(16)
    serve(connections, listener, args.idle)


if __name__ == "__main__":
    # Run as the module the kit imports (not as __main__, a second copy of it), so that what the
    # engine's code refers to by module is one and the same in every judge it forks.
    from mnistkit.engine import zygote

    zygote.main(sys.argv[1:])
