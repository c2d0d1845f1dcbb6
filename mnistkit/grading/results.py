"""What grading a step gives: its status and message (`StepResult`), and the results remembered
between runs in `.mnistkit/results.json`, keyed by the learner's file, the step's tests and the kit.

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
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.steps import Step
from mnistkit.versions import kit_fingerprint

DONE, FAILING, NOT_STARTED, ERROR, TIMEOUT, TAMPERED = "done", "failing", "not-started", "error", "timeout", "tampered"
STATUSES = (DONE, FAILING, NOT_STARTED, ERROR, TIMEOUT, TAMPERED)
KIT_FAULT = "the kit can't run this step (not your code): "  # How a step's message names a fault of the kit.
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
    seed: int | None = None  # A grade that counts: the seed of its held-out inputs, to reproduce it.

    def to_json(self) -> dict:
        return asdict(self)


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


def not_started(step: Step, tests: int = 0) -> StepResult:
    """The result of a step whose functions are all still stubs, found without running its `tests`."""
    return StepResult(step.number, step.title, NOT_STARTED, failed=tests, message=f"step {step.number} not started")
