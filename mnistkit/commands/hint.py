"""`python grader.py --hint N`: the next hint of step N, one more each time; once all are out, all again."""

from __future__ import annotations

from mnistkit.grading.nextstep import grader_command
from mnistkit.grading.state import State
from mnistkit.steps import get_step


def show_hint(number: int) -> int:
    step = get_step(number)
    hints = step.hints()
    if not hints:
        print(f"Step {number} has no hints; read exercises/{step.folder}/README.md.")
        return 0
    state = State()
    already = state.hints_shown(number)
    if already >= len(hints):
        # Every hint is out: show them all again rather than nothing new.
        print(f"Step {number}, all {len(hints)} hints (each was shown before):")
        for index, hint in enumerate(hints, 1):
            print(f"  {index}. {hint}")
        print(f"Still stuck? `{grader_command('--compare', str(number))}` shows the solution.")
        return 0
    seen = state.next_hint(number, len(hints))
    print(f"Step {number}, hint {seen} of {len(hints)}: {hints[seen - 1]}")
    if seen < len(hints):
        print(f"(run `{grader_command('--hint', str(number))}` again for the next one)")
    else:
        print(f"That was the last hint; `{grader_command('--hint', str(number))}` now shows them all. "
              f"Still stuck? `{grader_command('--compare', str(number))}` shows the solution.")
    return 0
