"""How the grader shows results: the progress table for people, one JSON object for machines."""

from __future__ import annotations

import sys

from mnistkit.grading import DONE, NOT_STARTED, StepResult
from mnistkit.steps import STEPS, get_step

EXERCISM_STATUS = {"pass": "pass", "fail": "fail", "not-started": "fail", "error": "error", "skip": "fail"}
OUTPUT_LIMIT = 500

_COLOURS = {"done": "32", "failing": "31", "not-started": "33", "error": "35", "timeout": "35", "tampered": "35"}


def colour(text: str, status: str, enabled: bool) -> str:
    return f"\033[{_COLOURS.get(status, '0')}m{text}\033[0m" if enabled else text


def next_step(results: list[StepResult]) -> StepResult | None:
    return next((r for r in results if r.status != DONE), None)


def render_table(results: list[StepResult], solutions: bool = False, stream=sys.stdout, source: str | None = None) -> None:
    """The learner's progress: one row per step, then what to do next. `source`: what was graded, when
    not the kit's own folders (a notebook)."""
    use_colour = stream.isatty()
    target = source or ("solutions/ (reference solutions)" if solutions else "exercises/")
    print(f"mnistkit progress ({target})", file=stream)
    print(f"{'step':<5} {'title':<52} {'status':<12} tests", file=stream)
    for result in results:
        total = result.passed + result.failed
        tests = f"{result.passed}/{total}" if total else "-"
        status = colour(f"{result.status:<12}", result.status, use_colour)
        print(f"{result.step:<5} {result.title:<52} {status} {tests}", file=stream)
    done = sum(r.status == DONE for r in results)
    print("", file=stream)
    upcoming = next_step(results)
    if upcoming is not None:
        step = get_step(upcoming.step)
        folder = "solutions" if solutions else "exercises"
        print(f"Next: step {step.number}, {step.title} ({upcoming.status})", file=stream)
        if upcoming.message and upcoming.status != NOT_STARTED:
            for line in upcoming.message.splitlines()[:2]:
                print(f"  {line}", file=stream)
        print(f"  read {folder}/{step.folder}/README.md, edit {folder}/{step.folder}/{step.file}", file=stream)
        print(f"  check it:  pytest {folder}/{step.folder}{' --solutions' if solutions else ''}", file=stream)
        print(f"  a hint:    python grader.py --hint {step.number}", file=stream)
    graded = len(results)
    of_all = "" if graded == len(STEPS) else f" (of the {graded} graded)"
    print(f"{done} of {graded} steps done{of_all}." + (" Well done: every step passes!" if done == graded else ""), file=stream)


def exercism_results(result: StepResult) -> dict:
    """One step's test results in the shape of exercism's results.json, version 3."""
    tests = [
        {
            "name": t["name"],
            "status": EXERCISM_STATUS.get(t["status"], "error"),
            "message": t["message"] or None,
            "output": (t.get("output") or "")[:OUTPUT_LIMIT] or None,
            "task_id": result.step,
        }
        for t in result.tests
    ]
    status = "pass" if result.status == DONE else ("error" if result.status in ("error", "timeout", "tampered") else "fail")
    payload = {"version": 3, "status": status, "tests": tests}
    if status == "error":
        payload["message"] = result.message
    return payload


def to_json(results: list[StepResult], solutions: bool = False) -> dict:
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
                "points": step.points if result.status == DONE else 0,
                "max_points": step.points,
                "seconds": result.seconds,
                "cached": result.cached,
                "results": exercism_results(result),
            }
        )
    upcoming = next_step(results)
    return {
        "schema": 1,
        "target": "solutions" if solutions else "exercises",
        "total": len(results),
        "done": done,
        "points": sum(s["points"] for s in steps),
        "max_points": sum(s["max_points"] for s in steps),
        "next": None if upcoming is None else {"step": upcoming.step, "command": f"pytest exercises/step{upcoming.step}"},
        "steps": steps,
    }
