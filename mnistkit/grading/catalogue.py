"""Stable mistake codes, derived from the suites rather than kept in a second list.

The suites have one test per behaviour, named as a sentence, so a failed check's code is the
step and the test's name: `test_dropout_drops_half_of_the_features` failing in step 3 is
`step3.dropout-drops-half-of-the-features` (the parameters of a parametrized test are dropped:
one behaviour, one code). What keeps a step from running at all has a fixed code per step
(`step3.syntax-error`, `step3.timeout`, ...). A code changes only when a test is renamed, which
the manifest (`python -m mnistkit.grading.manifest`) makes visible.

The catalogue is computed from `mnistkit/manifest.json`, the test files and the step READMEs:

    python -m mnistkit.grading.catalogue          every code, its step, what it means, its hint
    python -m mnistkit.grading.catalogue --json   the same as one JSON list
"""

from __future__ import annotations

import ast
import json
import re
import sys
from functools import lru_cache

from mnistkit.grading.verdict import held_out_test
from mnistkit.steps import STEPS, Step

# Codes for what keeps a step's checks from running, the same for every step.
FIXED = {
    "not-started": "the stub is untouched, or its functions still raise NotImplementedError",
    "syntax-error": "the file has a syntax error",
    "missing-file": "the step's file is missing, unreadable, a symbolic link or over the size cap",
    "missing-function": "a function the step needs is missing, renamed or not a function",
    "import-error": "importing the file raised an exception",
    "crash": "the suite crashed or ran out of memory before every check reported",
    "skipped-tests": "checks were skipped by the learner's code, so they never ran",
    "timeout": "the suite did not finish within the step's time limit",
    "tampered": "a test file of the step was changed",
    "kit-error": "the kit itself could not run the step (not the learner's code)",
}

HELD_OUT_DESCRIPTION = ("A function gave another answer than the kit's reference on inputs held out from the visible "
                        "checks (in a grade that counts): it fits only the checks' own inputs")

# The one-line messages mnistkit.learner gives a file that can't be used, by their first word(s).
_LOAD_ERRORS = {"SYNTAX ERROR": "syntax-error", "MISSING FUNCTION": "missing-function", "NOT A FUNCTION": "missing-function",
                "MISSING FILE": "missing-file", "IMPORT ERROR": "import-error"}


def check_code(step: int, test_name: str) -> str:
    """`step3.dropout-drops-half-of-the-features` for step 3's `test_dropout_drops_half_of_the_features[...]`."""
    name = test_name.split("::")[-1].split("[")[0].removeprefix("test_")
    return f"step{step}.{name.replace('_', '-')}"


def test_code(step: int, test: dict) -> str | None:
    """The code of one test's outcome; None for a pass or a skip ("not checked yet" names nothing)."""
    status = test.get("status")
    if status in ("pass", "skip"):
        return None
    if status in ("not-started", "kit-error"):
        return f"step{step}.{status}"
    if status == "error":
        message = test.get("message") or ""
        fixed = next((code for start, code in _LOAD_ERRORS.items() if message.startswith(start)), "crash")
        return f"step{step}.{fixed}"
    return check_code(step, test.get("name") or test.get("nodeid", ""))


def step_code(step: int, status: str, message: str, tests: list[dict]) -> str | None:
    """The code of a step's headline: the mistake its message names (mnistkit.grading.judge picks it)."""
    if status == "done":
        return None
    if status in ("not-started", "timeout", "tampered"):
        return f"step{step}.{status}"
    if message.startswith("the kit can't run"):
        return f"step{step}.kit-error"
    if status == "error":
        # Before the run (grade_step, class grading): no usable file; after it: no full report.
        if any(words in message for words in (" is missing", " is a folder", " is unreadable")):
            return f"step{step}.missing-file"
        if message.startswith(("the suite crashed", "every test passed but")) or _NEVER_REPORTED.match(message):
            return f"step{step}.crash"
        failing = next((t for t in tests if t.get("status") == "error"), None)
        return test_code(step, failing) if failing else f"step{step}.crash"
    problems = [t for t in tests if t.get("status") not in ("pass", "skip")]
    return test_code(step, problems[0]) if problems else f"step{step}.skipped-tests"


_NEVER_REPORTED = re.compile(r"\d+ of \d+ tests never reported")
_STOP = set("the a an of and or to is are be in on it its as by for with from that this not your you".split())


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 1}


def nearest_hint(step: Step, name: str) -> int | None:
    """The number of the step's hint sharing most words with the check's name (the first on a tie)."""
    hints = step.hints()
    if not hints:
        return None
    wanted = _words(name)
    scores = [len(wanted & _words(hint)) for hint in hints]
    return scores.index(max(scores)) + 1


@lru_cache(maxsize=None)
def _docstrings(step: Step) -> dict[str, str]:
    """First docstring lines of the step's test functions (a test may explain itself)."""
    found = {}
    for path in step.test_files():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and ast.get_docstring(node):
                found[node.name] = ast.get_docstring(node).splitlines()[0]
    return found


def catalogue(manifest: dict | None = None) -> list[dict]:
    """Every code a suite can report: `code`, `step`, `test`, `description`, `hint` (number) and `hint_text`."""
    from mnistkit.grading.manifest import load_manifest

    manifest = manifest or load_manifest()
    entries: dict[str, dict] = {}
    for step in STEPS:
        hints = step.hints()
        for kind, description in FIXED.items():
            hint = 1 if kind == "not-started" and hints else None
            entries[f"step{step.number}.{kind}"] = _entry(step, f"step{step.number}.{kind}", None, description, hint)
        for nodeid in manifest["steps"][str(step.number)]["tests"]:
            code = check_code(step.number, nodeid)
            name = nodeid.split("::")[-1].split("[")[0]
            sentence = name.removeprefix("test_").replace("_", " ")
            description = _docstrings(step).get(name) or sentence[0].upper() + sentence[1:]
            entries.setdefault(code, _entry(step, code, nodeid.split("[")[0], description, nearest_hint(step, sentence)))
        # The held-out test a grade that counts adds to every step (mnistkit/grading/heldout.py).
        held_out = held_out_test(manifest["steps"][str(step.number)]["test_files"])
        code = check_code(step.number, held_out)
        entries[code] = _entry(step, code, held_out, HELD_OUT_DESCRIPTION, None)
    return list(entries.values())


def _entry(step: Step, code: str, test: str | None, description: str, hint: int | None) -> dict:
    hints = step.hints()
    return {"code": code, "step": step.number, "test": test, "description": description,
            "hint": hint, "hint_text": hints[hint - 1] if hint else None}


def by_code(manifest: dict | None = None) -> dict[str, dict]:
    return {entry["code"]: entry for entry in catalogue(manifest)}


def main(argv: list[str]) -> int:
    entries = catalogue()
    if "--json" in argv:
        print(json.dumps(entries, indent=1))
        return 0
    for entry in entries:
        hint = f"  (hint {entry['hint']})" if entry["hint"] else ""
        print(f"{entry['code']:<70} {entry['description']}{hint}")
    print(f"{len(entries)} codes over {len(STEPS)} steps", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
