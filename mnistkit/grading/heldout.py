"""The held-out test a judge adds to each step in a grade that counts (`--mnistkit-judge` with
`--mnistkit-fresh`, or with a `--mnistkit-seed` alone, as the kit's self-test runs it): one more
item after the step's own tests, named `verdict.HELD_OUT_TEST`, which calls the learner's
functions on inputs drawn from the grade's seed (mnistkit/checks/heldout.py).

It is made by the judge, never by a test file, so the learner's code can't keep it from running;
and the verdict expects it in a grade that counts (`verdict.expected_tests`), so a report without
it is not done. A learner's own `pytest exercises/stepN` has no such item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from mnistkit.grading.verdict import HELD_OUT_TEST
from mnistkit.steps import Step, step_of_path


class HeldOutItem(pytest.Item):
    """The held-out checks of one learner's file of one step, after that step's visible tests."""

    keeps_no_output = True  # What the learner's code prints on held-out inputs could show them: not reported.

    def __init__(self, *, step: Step, visible: list[pytest.Item], status_of: Callable[[pytest.Item], str | None],
                 function_of: Callable[[str], Callable[..., Any]], seed: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.step, self.visible, self.status_of, self.function_of, self.seed = step, visible, status_of, function_of, seed

    def runtest(self) -> None:
        from mnistkit.checks.heldout import check_held_out, first_problem

        first_problem([(item.name, self.status_of(item)) for item in self.visible])
        check_held_out(self.step.number, self.function_of, self.seed)

    def reportinfo(self):
        return self.path, None, self.name


def add_held_out_items(items: list[pytest.Item], folder_of: Callable[[Step, Path], Path],
                       status_of: Callable[[pytest.Item], str | None],
                       function_maker: Callable[[Path], Callable[[str], Callable[..., Any]]], seed: int) -> None:
    """After the last test of each learner's file of each step in `items` (a session may judge
    several, as the kit's self-test does), one `HeldOutItem`, in place.

    `folder_of(step, test_file)` is where that test file's learner's file is; `function_maker(file)`
    gives the learner's functions of `file` by name."""
    groups: dict[tuple[int, Path], list[pytest.Item]] = {}
    for item in items:
        step = step_of_path(Path(str(item.path)))
        if step is not None:
            groups.setdefault((step.number, folder_of(step, Path(str(item.path)))), []).append(item)
    for (_, folder), visible in groups.items():
        step = step_of_path(Path(str(visible[0].path)))
        modules = {item.getparent(pytest.Module) for item in visible} - {None}
        parent = max(modules, key=lambda module: Path(str(module.path)).name)
        held_out = HeldOutItem.from_parent(parent, name=HELD_OUT_TEST, step=step, visible=visible, status_of=status_of,
                                           function_of=function_maker(folder / step.file), seed=seed)
        items.insert(items.index(visible[-1]) + 1, held_out)
