"""One rule for "what next", wherever it is said (grader table, watch, the pytest summary line):
the next step is the first step that is not done, and the command to check it is written so that
it works from the folder the learner is in.

A step's status is known when it was graded in this run, when the grader's result cache holds a
result for the file exactly as it is now, or when the file is the untouched stub. A step whose
status is unknown is never taken as done. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import os
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.grading.results import DONE
from mnistkit.steps import STEPS, Step


def here(path: Path, cwd: Path | None = None) -> str:
    """`path` as typed from the current folder: `exercises/step4` at the kit's root, `../step4` inside step3."""
    try:
        return os.path.relpath(path, cwd or Path.cwd())
    except ValueError:  # Another drive on Windows: only the full path works.
        return str(path)


def check_command(step: Step, solutions: bool = False, cwd: Path | None = None) -> str:
    # The suites live in exercises/; `--solutions` points them at solutions/ instead.
    return f"pytest {here(step.exercise_dir(), cwd)}" + (" --solutions" if solutions else "")


def grader_command(*options: str, cwd: Path | None = None) -> str:
    return " ".join(["python", here(KIT_ROOT / "grader.py", cwd), *options])


def first_unfinished(statuses: dict[int, str | None]) -> Step | None:
    """The first step not known to be done (a missing or None status is unknown, so not done), or None when all are."""
    return next((step for step in STEPS if statuses.get(step.number) != DONE), None)


def remembered(solutions: bool = False) -> dict[int, object]:
    """What is known without running anything: {step: StepResult} from the fresh cache or the untouched stub.

    Only for saying what is next: a grade always comes from a run.
    """
    from mnistkit.grading.results import ResultCache, cache_key, not_started
    from mnistkit.grading.grade import is_untouched
    from mnistkit.grading.manifest import load_manifest

    try:
        manifest = load_manifest()
    except RuntimeError:
        return {}
    cache, known = ResultCache(), {}
    for step in STEPS:
        entry = manifest["steps"].get(str(step.number))
        if entry is None:
            continue
        if not solutions and is_untouched(step, step.learner_file(solutions)):
            known[step.number] = not_started(step)
            continue
        try:
            result = cache.get(f"{'solutions' if solutions else 'exercises'}/{step.folder}", cache_key(step, solutions))
        except OSError:
            result = None
        if result is not None:
            known[step.number] = result
    return known


def all_done_line(cwd: Path | None = None) -> str:
    return (f"Well done: every step passes! Next: `{grader_command('--full', cwd=cwd)}` runs your functions "
            "end to end, as the tutorial does.")
