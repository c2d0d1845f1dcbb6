"""Grading one step: run its suite on the learner's file in a fresh, capped process and decide
its status from what every expected test reported.

Nothing here imports TensorFlow; the suites do, in their own processes.

Statuses, in the learner's words:
- done         every expected test passed (and pytest agreed)
- failing      the code runs, some checks fail
- not-started  the stub is untouched, or every test hit the stub's NotImplementedError
- error        the file can't be imported (syntax error, missing function) or the run crashed
- timeout      the run went past the step's time limit
- tampered     a test file differs from the kit's manifest; the step is not run
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mnistkit import KIT_ROOT, __version__
from mnistkit.engine.contain import Hold
from mnistkit.grading.manifest import tampered_files
from mnistkit.grading.selftest import isolated_env, pytest_command
from mnistkit.steps import Step
from mnistkit.template import is_stub

DONE, FAILING, NOT_STARTED, ERROR, TIMEOUT, TAMPERED = "done", "failing", "not-started", "error", "timeout", "tampered"
STATUSES = (DONE, FAILING, NOT_STARTED, ERROR, TIMEOUT, TAMPERED)
KIT_FAULT = "the kit can't run this step (not your code): "  # How a step's message names a fault of the kit.

OUTPUT_CAP = 64_000  # Characters of a step's own output kept; the rest is read and dropped.
REPORT_CAP = 4_000_000  # Characters of a suite's report read; a longer one is not the kit's.
MEMORY_CAP = 6 * 2**30  # Bytes of address space one process of a step may use (TensorFlow needs ~2 GiB).
# Bytes of memory the whole tree of a step (the suite, the learner's sandbox and anything they
# start) may hold at once; a judge and a sandbox with TensorFlow hold about 1.5 GiB together.
TREE_MEMORY_CAP = 8 * 2**30
CACHE_DIR = KIT_ROOT / ".mnistkit"


@dataclass
class StepResult:
    step: int
    title: str
    status: str
    passed: int = 0
    failed: int = 0
    message: str = ""
    tests: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    cached: bool = False

    def to_json(self) -> dict:
        return asdict(self)


def kit_fingerprint() -> str:
    """Changes whenever the kit's machinery changes, so cached results of an older kit are not reused."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted((KIT_ROOT / "mnistkit").rglob("*.py")) + [KIT_ROOT / "mnistkit" / "steps.toml", KIT_ROOT / "mnistkit" / "manifest.json"]:
        if path.exists():
            digest.update(str(path.relative_to(KIT_ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def cache_key(step: Step, solutions: bool) -> str:
    """Changes when the learner's file, the step's tests or the kit change."""
    digest = hashlib.sha256(kit_fingerprint().encode() + str(solutions).encode())
    learner = step.learner_file(solutions)
    digest.update(learner.read_bytes() if learner.is_file() else b"<missing>")
    for path in step.test_files():
        digest.update(path.name.encode() + (path.read_bytes() if path.is_file() else b"<folder>"))
    return digest.hexdigest()


class ResultCache:
    """`.mnistkit/results.json`: the last result of each step with the key it was computed for.

    An unreadable cache is ignored (and rewritten): it only ever saves time, never decides a result.
    """

    def __init__(self, path: Path = CACHE_DIR / "results.json"):
        self.path = path
        try:
            self.entries = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(self.entries, dict):
                self.entries = {}
        except (OSError, ValueError):
            self.entries = {}

    def get(self, name: str, key: str) -> StepResult | None:
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            return StepResult(**{**entry["result"], "cached": True})
        except (KeyError, TypeError):
            return None

    def put(self, name: str, key: str, result: StepResult) -> None:
        self.entries[name] = {"key": key, "result": result.to_json()}
        try:
            self.path.parent.mkdir(exist_ok=True)
            scratch = self.path.with_suffix(".tmp")
            scratch.write_text(json.dumps(self.entries), encoding="utf-8")
            scratch.replace(self.path)
        except OSError:
            pass  # A read-only kit still grades; it just can't remember.


def _limit_resources() -> None:
    """In the child, before the suite starts: its own process group and a memory ceiling."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _drain(stream, sink: list[str], limit: int = OUTPUT_CAP) -> None:
    """Read everything the child writes (so it never blocks) but keep only `limit` characters."""
    kept = 0
    for chunk in iter(lambda: stream.read(8192), ""):
        if kept < limit:
            sink.append(chunk[: limit - kept])
            kept += len(sink[-1])


_hold: Hold | None = None


def hold() -> Hold:
    """The grader's hold on the processes of its steps (one per grader process)."""
    global _hold
    if _hold is None:
        _hold = Hold(TREE_MEMORY_CAP)
    return _hold


@dataclass
class Run:
    code: int | None  # None: killed at the time limit.
    output: str
    seconds: float
    report: str = ""  # What the suite wrote on the report pipe.
    over_memory: bool = False


def run_isolated(command: list[str], cwd: Path, timeout: float, report_pipe: bool = False) -> Run:
    """A command in its own process group, held: at its end nothing it started is left running.

    With `report_pipe`, the command gets a pipe for its report as `{report}` in its arguments:
    a file descriptor only it holds, which no path leads to."""
    started = time.monotonic()
    if hold().stopping:
        return Run(None, "stopped before it started (Ctrl-C)", 0.0)
    read_end = write_end = None
    if report_pipe:
        read_end, write_end = os.pipe()
        command = [part.replace("{report}", str(write_end)) for part in command]
    process = hold().spawn(lambda: subprocess.Popen(
        command, cwd=cwd, env=isolated_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", preexec_fn=_limit_resources,
        pass_fds=(write_end,) if report_pipe else (),
    ))
    output: list[str] = []
    readers = [threading.Thread(target=_drain, args=(process.stdout, output), daemon=True)]
    report: list[str] = []
    if report_pipe:
        os.close(write_end)
        readers.append(threading.Thread(target=_drain, args=(os.fdopen(read_end, "r", encoding="utf-8", errors="replace"), report, REPORT_CAP), daemon=True))
    for reader in readers:
        reader.start()
    try:
        code: int | None = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # Whatever is left of its process group,
        except (ProcessLookupError, PermissionError):
            pass
        over = hold().finished(process.pid)  # and of its tree, and anything that left both.
        process.wait()
    for reader in readers:
        reader.join(timeout=5)
    return Run(code, "".join(output), time.monotonic() - started, "".join(report), over)


# Keras's progress bar colours its counters with ANSI escapes and redraws with backspaces and
# carriage returns, even when its output is captured; in a report they are only noise.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|[\b]+")


def plain(text: str) -> str:
    """`text` without terminal escapes; of a line redrawn with carriage returns, only the last drawing."""
    lines = _ANSI.sub("", text).split("\n")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)


def _first_line(text: str, limit: int = 300) -> str:
    line = next((l for l in text.strip().splitlines() if l.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(l.strip() for l in plain(text).strip().splitlines()[-lines:] if l.strip())


def judge(step: Step, expected_tests: list[str], code: int | None, report: dict | None, output: str, seconds: float) -> StepResult:
    """The status of a finished run, from the report of every expected test (never from the exit code alone)."""
    result = StepResult(step.number, step.title, ERROR, seconds=round(seconds, 2))
    if code is None:
        result.status = TIMEOUT
        result.message = f"the suite did not finish within {step.timeout} s: is there an endless loop, or training on far more data than asked?"
        return result
    if report is None:
        result.message = f"the suite crashed before reporting (exit code {code}): {_tail(output) or 'no output'}"
        return result
    tests = {t["nodeid"].split("/")[-1]: {**t, "output": plain(t.get("output") or "")} for t in report.get("tests", [])}
    missing = [name for name in expected_tests if name not in tests]
    if missing:
        result.message = f"{len(missing)} of {len(expected_tests)} tests never reported (first: {missing[0]}); the run ended with exit code {code}: {_tail(output)}"
        result.tests = list(tests.values())
        return result
    ordered = [tests[name] for name in expected_tests]
    result.tests = ordered
    result.passed = sum(t["status"] == "pass" for t in ordered)
    result.failed = len(ordered) - result.passed
    # A skipped test ("not checked yet: first fix ...") never counts as a pass, but it is not the
    # failure to report either: that is the first test that really failed.
    problems = [t for t in ordered if t["status"] not in ("pass", "skip")]
    if not problems and code == 0 and result.failed == 0:
        result.status = DONE
    elif not problems and result.failed == 0:
        result.message = f"every test passed but pytest exited with code {code}: {_tail(output)}"
    elif not problems:
        result.status = FAILING
        result.message = f"{result.failed} tests were skipped; every test must run and pass"
    elif any(t["status"] == "kit-error" for t in problems):
        result.status = ERROR
        result.message = KIT_FAULT + _first_line(next(t for t in problems if t["status"] == "kit-error")["message"], 400)
    elif all(t["status"] == "not-started" for t in problems) and result.passed == 0:
        result.status = NOT_STARTED
        result.message = f"step {step.number} not started"
    elif any(t["status"] == "error" for t in problems):
        result.status = ERROR
        result.message = _first_line(next(t for t in problems if t["status"] == "error")["message"])
    else:
        result.status = FAILING
        result.message = _first_line(problems[0]["message"])
    return result


_fault_lock = threading.Lock()
_fault: list[str | None] = []


def sandbox_fault() -> str | None:
    """Why no sandbox can run a learner's code on this installation (checked once per process), or None.

    Only a grader running as root hands the learner's code to another user (mnistkit.engine.reach),
    who might not reach the kit's Python; any other user's sandbox reads what the grader reads."""
    from mnistkit.engine.reach import sandbox_user

    user = sandbox_user()
    if user is None:
        return None
    with _fault_lock:
        if not _fault:
            from mnistkit.engine.channel import probe_sandbox

            _fault.append(probe_sandbox(user))
    return _fault[0]


def start_engine(steps: list[Step], shared: bool = False):
    """A warm engine to fork the judges of `steps` from, when that saves time and fork is safe; else None.

    `shared`: join (or start) the engine this user's checks of this kit share, which stays up a
    few idle minutes for the next check (interactive use); else the grader's own, ending with it.
    One step alone gains nothing from the grader's own engine (it pays the imports a cold judge pays)."""
    from mnistkit.engine.warm import Engine, fork_is_safe, may_share, shared_name

    if not fork_is_safe() or os.environ.get("MNISTKIT_COLD") == "1" or not any(step.tensorflow for step in steps):
        return None
    if shared and may_share():
        return Engine(isolated_env(), KIT_ROOT, name=shared_name(), spawn=hold().spawn_own)
    if sum(step.tensorflow for step in steps) < 2:
        return None
    return Engine(isolated_env(), KIT_ROOT, spawn=hold().spawn_own)


def is_untouched(step: Step, learner: Path) -> bool:
    """Every function of the step in the learner's file still only raises NotImplementedError (the
    shipped stub, perhaps with notes or imports added), so "not-started" needs no run: it is what
    each test would say (the kit's self-test checks that of every stub).

    Read from the source, never from the manifest's checksum of the stub, which a rewritten
    manifest could make the checksum of solved work.
    """
    # A stub is a few kilobytes; a file far bigger is not read for this (it is run, and judged).
    return learner.is_file() and learner.stat().st_size <= 100_000 and is_stub(learner.read_bytes(), step)


def not_started(step: Step, tests: int = 0) -> StepResult:
    """The result of a step whose functions are all still stubs, found without running its `tests`."""
    return StepResult(step.number, step.title, NOT_STARTED, failed=tests, message=f"step {step.number} not started")


def known_without_running(step: Step, manifest: dict, solutions: bool = False, cache: ResultCache | None = None,
                          fresh: bool = False, submission: Path | None = None) -> StepResult | None:
    """The step's result when no suite needs to run (tampered, missing, untouched, remembered); else None."""
    entry = manifest["steps"][str(step.number)]
    if not solutions:
        problems = tampered_files(step, manifest)
        if problems:
            return StepResult(
                step.number, step.title, TAMPERED,
                message=f"{'; '.join(problems)}: the kit's tests must stay as shipped. "
                f"Restore them with `git checkout -- exercises/{step.folder}/test_*.py`",
            )
    learner = step.exercise_dir(submission) / step.file if submission is not None else step.learner_file(solutions)
    shown = f"{'solutions' if solutions else 'exercises'}/{step.folder}/{step.file}"
    if not learner.exists():
        return StepResult(step.number, step.title, ERROR, message=f"{shown} is missing: restore the stub from the kit")
    if not learner.is_file():
        return StepResult(step.number, step.title, ERROR, message=f"{shown} is a folder, not a file: put your code back in a file of that name")
    if not solutions and is_untouched(step, learner):
        return not_started(step, len(entry["tests"]))
    if cache is not None and not fresh and submission is None:
        return cache.get(f"{'solutions' if solutions else 'exercises'}/{step.folder}", cache_key(step, solutions))
    return None


def grade_step(step: Step, manifest: dict, solutions: bool = False, cache: ResultCache | None = None, fresh: bool = False,
               submission: Path | None = None, engine=None, warm_always: bool = False) -> StepResult:
    """Grade one step: tamper check, cache, then an isolated run of exactly the manifest's tests.

    `submission`: a folder holding a learner's `exercises/stepN/` files, graded with this kit's
    tests (the Classroom workflow and class grading); nothing else of it is read.
    `engine`: a warm engine (`mnistkit.engine.warm.Engine`) to fork the step's judge from. A step
    with TensorFlow waits for it to be up (so does every step with `warm_always`: watch mode, where
    it surely is); a step without TensorFlow uses it only if it is up already, since a cold check
    of such a step takes under a second. So class grading, which keeps one engine for the whole
    class, checks steps 1 and 2 warm for every student graded once the engine is up."""
    fault = sandbox_fault()
    if fault is not None:  # Said for every step: nothing can be graded here, whatever the files hold.
        return StepResult(step.number, step.title, ERROR, message=f"{KIT_FAULT}{fault}")
    known = known_without_running(step, manifest, solutions, cache, fresh, submission)
    if known is not None:
        return known
    entry = manifest["steps"][str(step.number)]
    key = cache_key(step, solutions)
    name = f"{'solutions' if solutions else 'exercises'}/{step.folder}"
    test_files = [step.exercise_dir() / file_name for file_name in entry["test_files"]]
    # A grade that reads no remembered result (--fresh, --json, a submission) reads no remembered training either.
    command = pytest_command(test_files, "fd:{report}", solutions, judge=True, submission=submission,
                             fresh=fresh or submission is not None)
    run = None
    if engine is not None and (engine.usable() if step.tensorflow or warm_always else engine.usable(0)):
        from mnistkit.engine.warm import EngineGone

        try:
            run = engine.run(command[3:], step.exercise_dir(), isolated_env(), step.timeout, MEMORY_CAP)
        except EngineGone:
            run = None  # Checked cold instead, with the same verdict.
    if run is None:
        run = run_isolated(command, step.exercise_dir(), step.timeout, report_pipe=True)
    code, output, seconds = run.code, run.output, run.seconds
    try:
        report = json.loads(run.report) if run.report else None
    except ValueError:
        report = None
    if run.over_memory:
        code, report = -9, None
        output += f"\nthe step's processes together used more than {TREE_MEMORY_CAP >> 30} GiB of memory and were stopped"
    result = judge(step, entry["tests"], code, report, output, seconds)
    if cache is not None and submission is None and not hold().stopping:  # A step cut short is no result.
        cache.put(name, key, result)
    return result
