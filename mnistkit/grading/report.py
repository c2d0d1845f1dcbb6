"""How the grader shows results: the progress table for people, one JSON object for machines."""

from __future__ import annotations

import re
import sys

from mnistkit.grading.catalogue import step_code, test_code
from mnistkit.grading.results import DONE, KIT_FAULT, NOT_STARTED, StepResult
from mnistkit.grading.nextstep import all_done_line, check_command, first_unfinished, grader_command, here
from mnistkit.steps import STEPS, get_step

EXERCISM_STATUS = {"pass": "pass", "fail": "fail", "not-started": "fail", "error": "error", "skip": "fail"}
OUTPUT_LIMIT = 500

_COLOURS = {"done": "32", "failing": "31", "not-started": "33", "error": "35", "timeout": "35", "tampered": "35"}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`): a learner's message can't move the
    cursor, recolour the table or draw a row of its own."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def colour(text: str, status: str, enabled: bool) -> str:
    return f"\033[{_COLOURS.get(status, '0')}m{text}\033[0m" if enabled else text


def render_table(results: list[StepResult], solutions: bool = False, stream=sys.stdout, others: dict[int, StepResult] | None = None,
                 source: str | None = None) -> None:
    """The learner's progress: one row per graded step, then what to do next. `source`: what was
    graded, when not the kit's own folders (a notebook).

    `others` holds what is known of the steps not graded in this run (`nextstep.remembered`); "next"
    is the first step not done among all eight, and "every step passes" is said only when it is
    known that all eight do.
    """
    use_colour = stream.isatty()
    target = source or ("solutions/ (reference solutions)" if solutions else "exercises/")
    print(f"mnistkit progress ({target})", file=stream)
    print(f"{'step':<5} {'title':<52} {'status':<12} tests", file=stream)
    for result in results:
        total = result.passed + result.failed
        tests = f"{result.passed}/{total}" if total else "-"
        status = colour(f"{result.status:<12}", result.status, use_colour)
        print(f"{result.step:<5} {result.title:<52} {status} {tests}", file=stream)
    print("", file=stream)
    graded = {r.step: r for r in results}
    known = {**(others or {}), **graded}
    upcoming = first_unfinished({n: r.status for n, r in known.items()})
    if upcoming is not None:
        result = known.get(upcoming.number)
        if result is None:
            print(f"Next: step {upcoming.number}, {upcoming.title} (not graded since its file last changed)", file=stream)
        else:
            remembered = "" if upcoming.number in graded else ", as last graded"
            print(f"Next: step {upcoming.number}, {upcoming.title} ({result.status}{remembered})", file=stream)
            if result.message and result.status != NOT_STARTED and not result.message.startswith(KIT_FAULT):
                for line in printable(result.message).splitlines()[:2]:
                    print(f"  {line}", file=stream)
        # A fault of the kit is nothing for the learner to edit: the grader says once, last, what to fix.
        if result is None or not result.message.startswith(KIT_FAULT):
            # The README lives once, in exercises/stepN/; with --solutions the file to edit is the reference.
            edit = f"the reference {here(upcoming.learner_file(True))}" if solutions else here(upcoming.learner_file())
            print(f"  read {here(upcoming.readme())}, edit {edit}", file=stream)
            print(f"  check it:  {check_command(upcoming, solutions)}", file=stream)
            print(f"  a hint:    {grader_command('--hint', str(upcoming.number))}", file=stream)
    done = sum(r.status == DONE for r in results)
    if len(results) == len(STEPS):
        print(f"{done} of {len(STEPS)} steps done." + (" " + all_done_line() if upcoming is None else ""), file=stream)
        return
    # Only some steps were graded (--step N): say what is known of the others, never more.
    unknown = [s.number for s in STEPS if s.number not in known]
    numbers = ", ".join(str(r.step) for r in results)
    line = f"{done} of {len(results)} graded step{'s' if len(results) != 1 else ''} done (step {numbers})."
    if upcoming is None:
        line += f" The other steps are done as last graded. {all_done_line()}"
    elif unknown:
        listed = ", ".join(map(str, unknown))
        line += f" Only step {numbers} was graded now; step{'s' if len(unknown) != 1 else ''} {listed} {'was' if len(unknown) == 1 else 'were'} not graded since {'its file' if len(unknown) == 1 else 'their files'} last changed: `{grader_command()}` grades all eight."
    else:
        line += f" Of all {len(STEPS)}, with the others as last graded: {sum(r.status == DONE for r in known.values())} done."
    print(line, file=stream)


def exercism_results(result: StepResult) -> dict:
    """One step's test results in the shape of exercism's results.json, version 3."""
    tests = [
        {
            "name": t["name"],
            "status": EXERCISM_STATUS.get(t["status"], "error"),
            "message": t["message"] or None,
            "output": (t.get("output") or "")[:OUTPUT_LIMIT] or None,
            "task_id": result.step,
            "code": test_code(result.step, t),  # The mistake's stable code (mnistkit.grading.catalogue); None for a pass.
        }
        for t in result.tests
    ]
    status = "pass" if result.status == DONE else ("error" if result.status in ("error", "timeout", "tampered") else "fail")
    payload = {"version": 3, "status": status, "tests": tests}
    if status == "error":
        payload["message"] = result.message
    return payload


def to_json(results: list[StepResult], solutions: bool = False, others: dict[int, StepResult] | None = None) -> dict:
    done = sum(r.status == DONE for r in results)
    steps = []
    for result in results:
        step = get_step(result.step)
        steps.append(
            {
                "step": result.step,
                "title": result.title,
                "status": result.status,
                "passed": result.passed,
                "failed": result.failed,
                "message": result.message[:300],
                "code": step_code(result.step, result.status, result.message, result.tests),
                "points": step.points if result.status == DONE else 0,
                "max_points": step.points,
                "seconds": result.seconds,
                "cached": result.cached,
                "seed": result.seed,  # Of a grade that counts: `--seed` draws its held-out inputs again.
                "results": exercism_results(result),
            }
        )
    known = {**(others or {}), **{r.step: r for r in results}}
    upcoming = first_unfinished({n: r.status for n, r in known.items()})
    return {
        "schema": 1,
        "target": "solutions" if solutions else "exercises",
        "total": len(results),
        "done": done,
        "points": sum(s["points"] for s in steps),
        "max_points": sum(s["max_points"] for s in steps),
        # The first step not done of all eight (graded now, or as last graded); None only when all are known done.
        "next": None if upcoming is None else {"step": upcoming.number, "command": check_command(upcoming, solutions)},
        "steps": steps,
    }
