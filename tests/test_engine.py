"""The warm engine gives the verdicts a cold run gives, and a broken or stale engine is never trusted.

Each test works on a copy of the kit, so that the engines it starts belong to that copy alone
(an engine is named for its kit's files), and stops them at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.kitcopy import engines_of, make_kit, processes, stop_engines

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the warm engine forks only on Linux")


@pytest.fixture
def kit(tmp_path: Path):
    root = tmp_path / "kit"
    root.mkdir()
    make_kit(root, solved=True)
    yield root
    stop_engines(root)


def shared_engine(kit: Path, python: str = sys.executable) -> subprocess.Popen:
    """Start this kit copy's shared engine (from `python`) and wait until it answers."""
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]);"
            "from mnistkit.engine.warm import Engine, shared_name; from mnistkit.engine.processes import isolated_env;"
            "from mnistkit import KIT_ROOT; from mnistkit.grading.verdict import JUDGE_MODULES; e = Engine(isolated_env(), KIT_ROOT, name=shared_name(), preload=JUDGE_MODULES);"
            "print('ready' if e.usable() else 'dead', flush=True)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run([python, "-c", code, str(kit)], cwd=kit, env=env, capture_output=True, text=True, timeout=180)
    assert completed.stdout.strip() == "ready", completed.stderr[-2000:]


def pytest_in(kit: Path, *args: str, python: str = sys.executable) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MNISTKIT_COLD")}
    return subprocess.run([python, "-m", "pytest", *args], cwd=kit, env=env, capture_output=True, text=True, timeout=600)


def test_pytest_uses_a_running_engine_and_says_so(kit):
    shared_engine(kit)
    completed = pytest_in(kit, "exercises/step3")
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "step 3 done" in completed.stdout and "(warm)" in completed.stdout, completed.stdout[-1500:]


def test_pytest_started_as_python3_uses_the_engine_python_started(kit):
    # `python grader.py` runs the venv's bin/python; the `pytest` script's first line names bin/python3.
    python, python3 = (Path(sys.executable).with_name(name) for name in ("python", "python3"))
    if not (python.exists() and python3.exists()):
        pytest.skip("this environment has no bin/python and bin/python3 side by side")
    shared_engine(kit, str(python))
    completed = pytest_in(kit, "exercises/step1", python=str(python3))
    assert completed.returncode == 0 and "(warm)" in completed.stdout, completed.stdout[-1500:]


def test_an_engine_of_an_older_kit_is_not_used(kit):
    shared_engine(kit)
    with open(kit / "mnistkit" / "reference.py", "a") as handle:
        handle.write("\n# The kit changed after its engine started.\n")
    # Step 1: a running engine takes every step's check (as watch mode does), and
    # this one's cold run costs no TensorFlow.
    completed = pytest_in(kit, "exercises/step1")
    assert completed.returncode == 0 and "step 1 done" in completed.stdout, completed.stdout[-3000:]
    assert "(warm)" not in completed.stdout, "a check ran on an engine of another version of the kit"


def test_a_shared_engine_that_cannot_start_is_given_up_when_it_ends(tmp_path):
    """An engine whose process ends with an error before it listens (a broken installation, say)
    sends the steps cold at once: nobody will listen on its name, so waiting STARTUP_SECONDS for it
    (two minutes, as before) would only keep the learner waiting."""
    from mnistkit.engine.warm import STARTUP_SECONDS, Engine

    failing = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    engine = Engine({}, tmp_path, name=f"\0mnistkit-test-unstarted-{os.getpid()}-{time.monotonic_ns()}",
                    spawn=lambda begin: failing)
    assert engine.ready.wait(STARTUP_SECONDS / 4), "still waiting for an engine whose process ended"
    assert not engine.usable(0)
    failing.wait()


def test_an_engine_that_hangs_up_is_replaced_by_a_cold_check(kit):
    """Something listens under the engine's name but closes every connection: the check runs cold."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from mnistkit.engine.warm import shared_name; print(repr(shared_name()))")
    name = eval(subprocess.run([sys.executable, "-c", code, str(kit)], cwd=kit, capture_output=True, text=True,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}).stdout)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(name)
    listener.listen(4)
    stop = threading.Event()

    def hang_up() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                connection.close()
            except OSError:
                continue

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        completed = pytest_in(kit, "exercises/step1")
    finally:
        stop.set()
        listener.close()
    assert completed.returncode == 0 and "step 1 done" in completed.stdout, completed.stdout[-3000:]


GRADE_STEPS_3_AND_5 = """
import json, sys
sys.path.insert(0, sys.argv[1])
from mnistkit.grading.grade import grade_step, start_engine
from mnistkit.grading.manifest import load_manifest
from mnistkit.steps import get_step
steps = [get_step(3), get_step(5)]
engine = start_engine(steps)
print(json.dumps([grade_step(step, load_manifest(), fresh=True, engine=engine).status for step in steps]))
engine.close()
"""


def test_killing_the_engine_mid_check_still_gives_every_verdict(kit):
    """The grader's own engine is killed while it checks step 3: steps 3 and 5 are still both done."""
    killed = threading.Event()

    def kill_when_busy() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            table = processes()
            for pid in engines_of(kit):
                if any(parent == pid for parent, _ in table.values()):  # It has forked a judge.
                    os.kill(pid, signal.SIGKILL)
                    killed.set()
                    return
            time.sleep(0.05)

    threading.Thread(target=kill_when_busy, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MNISTKIT_COLD")}
    completed = subprocess.run([sys.executable, "-c", GRADE_STEPS_3_AND_5, str(kit)], cwd=kit, env=env,
                               capture_output=True, text=True, timeout=600)
    assert killed.is_set(), "the engine was never seen checking a step"
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == ["done", "done"], completed.stdout + completed.stderr[-2000:]
    assert not engines_of(kit)


STRAYS = r"""
import json, os, signal, subprocess, sys, time
from mnistkit.engine import contain, zygote

scans = []
real = contain.parent_pids
contain.parent_pids = lambda: scans.append(1) or real()
judge = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
time.sleep(0.2)
zygote._kill_strays({judge.pid}, contain.descendants)  # Its only child is a running judge.
quiet = (len(scans), judge.poll())
zygote._kill_strays(set(), contain.descendants)  # The same child, now a stray.
judge.wait(timeout=10)
print(json.dumps({"quiet": quiet, "scans": len(scans), "killed": judge.returncode == -signal.SIGKILL}))
"""


def test_the_engine_scans_every_process_only_when_it_has_a_stray():
    """The engine looks for strays some 20 times a second, idle or not: it reads the kernel's list of
    its own children, and reads every process's stat only when one of them is not a running judge."""
    from mnistkit.engine.contain import own_children

    if own_children() is None:
        pytest.skip("this kernel doesn't list a process's children (/proc/PID/task/TID/children): every look scans")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run([sys.executable, "-c", STRAYS], capture_output=True, text=True, timeout=60, env=env)
    found = json.loads(completed.stdout.strip().splitlines()[-1]) if completed.stdout.strip() else completed.stderr[-2000:]
    assert found == {"quiet": [0, None], "scans": 1, "killed": True}, found


IDLE_HOLD = r"""
import json, subprocess, sys, time
from mnistkit.engine import contain

scans = []
real = contain.parent_pids
contain.parent_pids = lambda: scans.append(1) or real()
hold = contain.Hold(1 << 40)
time.sleep(1.0)  # Five of its looks, with no step running.
idle = len(scans)
step = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
hold.started(step.pid)
time.sleep(1.0)
busy = len(scans) - idle
step.kill()
print(json.dumps({"idle": idle, "busy": busy > 0}))
"""


def test_the_graders_watch_reads_no_process_while_no_step_runs():
    """Watch mode waits for saves for minutes at a time: its memory watch scans the processes only
    while a step runs."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run([sys.executable, "-c", IDLE_HOLD], capture_output=True, text=True, timeout=60, env=env)
    found = json.loads(completed.stdout.strip().splitlines()[-1]) if completed.stdout.strip() else completed.stderr[-2000:]
    assert found == {"idle": 0, "busy": True}, found


def test_threads_that_start_steps_at_once_share_one_hold(monkeypatch):
    """Two holds in one grader would each take the other's running step for a stray and kill it
    (measured: 5 of 94 graders of a two-step submission said 'the suite crashed before reporting
    (exit code 0)' for a step that had only failed a check)."""
    from mnistkit.engine import processes

    class SlowHold:  # A Hold takes a while to make (subreaper, watcher thread): long enough to race.
        def __init__(self, memory_cap: int) -> None:
            time.sleep(0.05)

    monkeypatch.setattr(processes, "_hold", None)
    monkeypatch.setattr(processes, "Hold", SlowHold)
    start = threading.Barrier(8)
    holds: list[object] = []

    def ask() -> None:
        start.wait()
        holds.append(processes.hold())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(held) for held in holds}) == 1, f"{len({id(held) for held in holds})} holds in one process"


KEPT_PROBE = """
import ctypes, json, os, sys
from mnistkit import memo

def test_probe():
    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE: a fork of the engine is as the engine is.
    with open(os.environ["MNISTKIT_PROBE_OUT"], "w") as out:
        json.dump({"kinds": sorted({kind for kind, _ in memo.KEPT}), "dumpable": dumpable}, out)
"""

# A learner's step 1 that writes a well-formed entry for the engine to keep into every descriptor
# of every process above its sandbox that it can open through /proc.
FORGE_KEPT = '''
import json, os

def _forge():
    header = (json.dumps({"kind": "forged", "digest": "0" * 64, "size": 3}) + "\\n").encode()
    pid = os.getpid()
    for _ in range(6):
        try:
            pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
            fds = os.listdir(f"/proc/{pid}/fd")
        except (OSError, ValueError, IndexError):
            continue
        for fd in fds:
            try:
                handle = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
                os.write(handle, header + b"abc")
                os.close(handle)
            except OSError:
                pass

def scale_pixels(images):
    _forge()
    return images.astype("float32") / 255.0
'''

KEEPS = """
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from mnistkit.engine.processes import MEMORY_CAP, isolated_env
from mnistkit.grading.grade import grade_step, start_engine
from mnistkit.grading.manifest import load_manifest
from mnistkit.steps import STEPS, get_step
engine = start_engine(list(STEPS))
probe = Path(sys.argv[2])

def kept():
    out = probe.parent / "kept.json"
    env = isolated_env() | {"MNISTKIT_PROBE_OUT": str(out)}
    run = engine.run([str(probe), "-q", "-p", "no:cacheprovider", "--noconftest", "-c", os.devnull, "--rootdir", str(probe.parent)],
                     probe.parent, env, 120, MEMORY_CAP)
    assert run.code == 0, run.output
    return json.loads(out.read_text())

seen = {"start": kept()}
grades = {"table": grade_step(get_step(3), load_manifest(), engine=engine).status}
seen["table"] = kept()
grades["counted"] = grade_step(get_step(3), load_manifest(), fresh=True, engine=engine).status
seen["counted"] = kept()
grades["forger"] = grade_step(get_step(1), load_manifest(), fresh=True, engine=engine).status
seen["forger"] = kept()
engine.close()
print(json.dumps({"grades": grades, "seen": seen}))
"""


def test_the_engine_keeps_only_what_judges_of_grades_that_count_computed(kit, tmp_path):
    """A table grade keeps nothing; a grade that counts leaves its training to the judges forked after
    it; a learner's code can't put an entry there, and the engine is not dumpable."""
    from mnistkit.steps import get_step

    (get_step(1).learner_file(False, kit)).write_text(FORGE_KEPT)
    probe = tmp_path / "probe" / "test_probe.py"
    probe.parent.mkdir()
    probe.write_text(KEPT_PROBE)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MNISTKIT_COLD")} | {"MNISTKIT_CACHE": str(tmp_path / "cache")}
    completed = subprocess.run([sys.executable, "-c", KEEPS, str(kit), str(probe)], cwd=kit, env=env,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert found["grades"] == {"table": "done", "counted": "done", "forger": "done"}, found
    seen = found["seen"]
    assert seen["start"]["kinds"] == seen["table"]["kinds"] == [] and seen["start"]["dumpable"] == 0, seen
    assert "learns" in seen["counted"]["kinds"], seen
    assert "forged" not in seen["forger"]["kinds"], seen
