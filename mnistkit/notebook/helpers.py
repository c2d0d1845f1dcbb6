"""`hint(N)`, `solution(N)` and `progress()` in a notebook, as the grader's --hint, --compare and table."""

from __future__ import annotations

import io

from mnistkit.grading.results import DONE, NOT_STARTED, StepResult, not_started
from mnistkit.notebook.check import LAST_CHECKED, current, resolve, run_step, version_note_once
from mnistkit.notebook.display import Panel
from mnistkit.steps import STEPS


def hint(target) -> Panel:
    """The next hint of the step (one more each call, remembered as the grader remembers them)."""
    from mnistkit.grading.state import State

    step = resolve(target)
    hints = step.hints()
    if not hints:
        return Panel("info", f"Step {step.number} has no hints; read its README above.")
    seen = State().next_hint(step.number, len(hints))
    then = (f"hint({step.number}) again gives the next one." if seen < len(hints)
            else f"That was the last hint. Still stuck? solution({step.number}) shows the reference solution.")
    return Panel("info", f"Step {step.number}, hint {seen} of {len(hints)}", f"{hints[seen - 1]}\n\n{then}")


def _status(step) -> StepResult | None:
    result, module, _ = current(step)
    if result is None and module is not None:
        result = run_step(step, module)
        LAST_CHECKED[step.number] = (module.source, result)
    return result


def solution(target, confirm: bool = False) -> Panel:
    """The reference solution of the step; while the step is not done, only with `confirm=True`."""
    step = resolve(target)
    file = step.learner_file(solutions=True)
    if not file.exists():
        return Panel("info", f"solutions/{step.folder}/{step.file} is not in this copy of the kit "
                             "(your teacher may have removed the solutions).")
    result = _status(step)
    status = result.status if result is not None else NOT_STARTED
    if status != DONE and not confirm:
        return Panel("not-started", f"Step {step.number} is not done yet ({status})",
                     f"Seeing the solution now takes away the puzzle; hint({step.number}) gives a nudge instead. "
                     f"To see it anyway: solution({step.number}, confirm=True)", status=status)
    return Panel("info", f"Step {step.number}: the reference solution (solutions/{step.folder}/{step.file})",
                 code=file.read_text(encoding="utf-8"), status=status)


class Progress(Panel):
    """The grader's table for this notebook's steps; `.results` holds each step's StepResult."""

    def __init__(self, results: list[StepResult], table: str, note: str):
        done = sum(r.status == DONE for r in results)
        kind = "done" if done == len(results) else "info"
        super().__init__(kind, f"{done} of {len(results)} steps done", table, note=note)
        self.results = results


def progress() -> Progress:
    """Every step as the kernel defines it now: checked again only where its cells changed since its last check."""
    from mnistkit.grading.report import render_table

    results = []
    for step in STEPS:
        result = _status(step)
        if result is None:  # Its code cell was never run in this kernel.
            result = not_started(step)
        results.append(result)
    table = io.StringIO()
    render_table(results, stream=table, source="this notebook")
    text = table.getvalue()
    # The grader's advice speaks of files and pytest; in a notebook the step's cells are the place.
    lines = [line for line in text.splitlines() if not line.startswith(("  read ", "  check it:", "  a hint:"))]
    return Progress(results, "\n".join(lines), version_note_once())
