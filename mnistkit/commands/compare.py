"""`python grader.py --compare N`: the learner's file of step N beside the reference solution,
asked first while the step is not done."""

from __future__ import annotations

import difflib
import sys

from mnistkit.grading.grade import grade_step
from mnistkit.grading.manifest import load_manifest
from mnistkit.grading.nextstep import grader_command
from mnistkit.grading.report import printable
from mnistkit.grading.results import DONE, ResultCache
from mnistkit.steps import get_step


def compare(number: int, assume_yes: bool) -> int:
    step = get_step(number)
    mine, theirs = step.learner_file(), step.learner_file(solutions=True)
    if not theirs.exists():
        print(f"solutions/{step.folder}/{step.file} is not in this copy of the kit (your teacher may have removed solutions/).")
        return 1
    if not assume_yes:  # With --yes the learner has decided: just compare.
        result = grade_step(step, load_manifest(), cache=ResultCache())
        if result.status != DONE:
            ask = f"Step {number} is not done yet ({result.status}): seeing the solution now takes away the puzzle."
            if not sys.stdin.isatty():
                print(f"{ask} There is no terminal to ask in, so nothing is shown: run "
                      f"`{grader_command('--compare', str(number), '--yes')}` to see it anyway.")
                return 1
            if input(f"{ask} Show it anyway? [y/N] ").strip().lower() not in ("y", "yes"):
                return 1
    if not mine.is_file():
        print(f"exercises/{step.folder}/{step.file} is missing (or not a file): restore the stub with "
              f"`git checkout -- exercises/{step.folder}/{step.file}`, or read the reference in solutions/{step.folder}/.")
        return 1
    # The whole file as one hunk, line by line: no blank line between functions is left out, and a
    # last line without a newline (or Windows line endings) can't run into the next diff line.
    # A file that is not UTF-8 is shown with its odd bytes as escapes rather than refused.
    ours = mine.read_text(encoding="utf-8", errors="backslashreplace").splitlines()
    reference = theirs.read_text(encoding="utf-8", errors="backslashreplace").splitlines()
    diff = difflib.unified_diff(
        ours, reference, n=max(len(ours), len(reference)), lineterm="",
        fromfile=f"exercises/{step.folder}/{step.file} (yours)",
        tofile=f"solutions/{step.folder}/{step.file} (reference)",
    )
    text = "\n".join(printable(line) for line in diff)
    print(text if text else "Your file is identical to the reference solution.")
    return 0
