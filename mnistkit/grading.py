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
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mnistkit import KIT_ROOT, __version__
from mnistkit.manifest import sha256_of, tampered_files
from mnistkit.selfcheck import isolated_env, pytest_command
from mnistkit.steps import Step
from mnistkit.template import is_stub

DONE, FAILING, NOT_STARTED, ERROR, TIMEOUT, TAMPERED = "done", "failing", "not-started", "error", "timeout", "tampered"
STATUSES = (DONE, FAILING, NOT_STARTED, ERROR, TIMEOUT, TAMPERED)

OUTPUT_CAP = 64_000  # Characters of a step's own output kept; the rest is read and dropped.
MEMORY_CAP = 6 * 2**30  # Bytes of address space a step's process may use (TensorFlow needs ~2 GiB).
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
    for path in sorted((KIT_ROOT / "mnistkit").glob("*.py")) + [KIT_ROOT / "mnistkit" / "steps.toml", KIT_ROOT / "mnistkit" / "manifest.json"]:
        if path.exists():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def cache_key(step: Step, solutions: bool) -> str:
    """Changes when the learner's file, the step's tests or the kit change."""
    digest = hashlib.sha256(kit_fingerprint().encode() + str(solutions).encode())
    learner = step.learner_file(solutions)
    digest.update(learner.read_bytes() if learner.exists() else b"<missing>")
    for path in step.test_files():
        digest.update(path.name.encode() + path.read_bytes())
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


def _drain(stream, sink: list[str]) -> None:
    """Read everything the child prints (so it never blocks) but keep only OUTPUT_CAP characters."""
    kept = 0
    for chunk in iter(lambda: stream.read(8192), ""):
        if kept < OUTPUT_CAP:
            sink.append(chunk[: OUTPUT_CAP - kept])
            kept += len(sink[-1])


def run_isolated(command: list[str], cwd: Path, timeout: float) -> tuple[int | None, str, float]:
    """(return code or None on timeout, capped output, seconds) of a command in its own process group."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=cwd, env=isolated_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", preexec_fn=_limit_resources,
    )
    output: list[str] = []
    reader = threading.Thread(target=_drain, args=(process.stdout, output), daemon=True)
    reader.start()
    try:
        code: int | None = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # Also whatever the learner's code started.
        except ProcessLookupError:
            pass
        process.wait()
    reader.join(timeout=5)
    return code, "".join(output), time.monotonic() - started


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


def is_untouched(step: Step, entry: dict) -> bool:
    """The learner's file is the shipped stub, so "not-started" needs no run.

    The checksum alone is not enough: a rewritten manifest could hold the checksum of solved
    work. The source must also still be a stub (every function only raises NotImplementedError).
    """
    learner = step.learner_file()
    if not learner.exists() or sha256_of(learner) != entry["stub"]:
        return False
    return is_stub(learner.read_bytes(), step)


def grade_step(step: Step, manifest: dict, solutions: bool = False, cache: ResultCache | None = None, fresh: bool = False) -> StepResult:
    """Grade one step: tamper check, cache, then an isolated run of exactly the manifest's tests."""
    entry = manifest["steps"][str(step.number)]
    if not solutions:
        problems = tampered_files(step, manifest)
        if problems:
            return StepResult(
                step.number, step.title, TAMPERED,
                message=f"{'; '.join(problems)}: the kit's tests must stay as shipped. "
                f"Restore them with `git checkout -- exercises/{step.folder}/test_*.py`",
            )
    learner = step.learner_file(solutions)
    if not learner.exists():
        return StepResult(step.number, step.title, ERROR, message=f"{learner.relative_to(KIT_ROOT)} is missing: restore the stub from the kit")
    if not solutions and is_untouched(step, entry):
        return StepResult(step.number, step.title, NOT_STARTED, failed=len(entry["tests"]), message=f"step {step.number} not started")
    key = cache_key(step, solutions)
    name = f"{'solutions' if solutions else 'exercises'}/{step.folder}"
    if cache is not None and not fresh:
        remembered = cache.get(name, key)
        if remembered is not None:
            return remembered
    with tempfile.TemporaryDirectory(prefix="mnistkit-") as scratch:
        report_path = Path(scratch) / "report.json"
        test_files = [step.exercise_dir() / file_name for file_name in entry["test_files"]]
        command = pytest_command(test_files, report_path, solutions)
        code, output, seconds = run_isolated(command, step.exercise_dir(), step.timeout)
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
    result = judge(step, entry["tests"], code, report, output, seconds)
    if cache is not None:
        cache.put(name, key, result)
    return result
