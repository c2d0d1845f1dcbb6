"""A learner's whole path, in a git clone of the kit: untouched, half done, all done with the
reference solutions (committed, as GitHub Classroom learners do), and all done with correct but
unusual code of their own (tests/variants/ files whose first line is `EXPECT = "pass"`).

At each stage, inside the clone:
- the parts of the self-test whose outcome could depend on the learner's files (the layout and
  manifest checks, a stub's "not started" run, the grader tests that start from untouched stubs)
  pass, and none is skipped: they judge the kit as shipped, found through git;
- the grader's "next" is the first unfinished step, and "every step passes" is said only at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mnistkit import KIT_ROOT
from mnistkit.grading.manifest import load_manifest
from mnistkit.grading.selftest import counted_expectation, variant_expectation
from mnistkit.steps import STEPS
from mnistkit.template import pristine_copy
from tests.kitcopy import stop_engines

# The self-test's parts that read exercises/; the rest (every variant of every suite, the data)
# never looks at the learner's files and would only repeat minutes of work four times.
SELF_TEST = [
    "tests/test_kit.py",
    "tests/test_suites.py::test_untouched_stub_reports_not_started[1]",
    "tests/test_grader.py::test_fresh_kit_shows_nothing_done_and_names_step_1_next",
    "tests/test_grader.py::test_stub_raising_everywhere_but_edited_is_not_started",
]
GIT = ["git", "-c", "user.name=Learner", "-c", "user.email=learner@example.org", "-c", "commit.gpgsign=false"]


def run(kit: Path, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(command, cwd=kit, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def unusual_but_correct(step) -> Path:
    """The step's last correct variant (by name): written unlike the reference solution, and passing."""
    # Passing in a grade that counts too: not a variant that answers only the visible checks' inputs.
    correct = [v for v in sorted((KIT_ROOT / "tests" / "variants" / step.folder).glob("*.py"))
               if variant_expectation(v) == counted_expectation(v) == "pass"]
    assert correct, f"tests/variants/{step.folder} has no variant expected to pass"
    return correct[-1]


def solve(kit: Path, step, source: Path) -> None:
    shutil.copy(source, step.learner_file(root=kit))


def check_stage(kit: Path, tmp_path: Path, stage: str, expected_next: int | None) -> None:
    self_test = run(kit, sys.executable, "-m", "pytest", *SELF_TEST, "-q", "-rs", f"--basetemp={tmp_path / ('self-test-' + stage)}")
    assert self_test.returncode == 0, f"{stage}: the self-test failed in the learner's clone:\n{self_test.stdout[-3000:]}"
    assert "skipped" not in self_test.stdout, f"{stage}: parts of the self-test were skipped:\n{self_test.stdout[-2000:]}"
    if expected_next is None:
        # The learner's own command. (`--json`, a grade that counts, trains every step afresh: 25 s
        # each time; the stages before this one check what it says.)
        table = run(kit, sys.executable, "grader.py").stdout
        assert "Well done: every step passes!" in table and "python grader.py --full" in table, table
        assert "8 of 8 steps done" in table, table
    else:
        payload = json.loads(run(kit, sys.executable, "grader.py", "--json").stdout)
        table = run(kit, sys.executable, "grader.py").stdout  # Remembered from the run above: no second grading.
        statuses = {s["step"]: s["status"] for s in payload["steps"]}
        assert payload["next"] == {"step": expected_next, "command": f"pytest exercises/step{expected_next}"}, (stage, statuses)
        assert f"Next: step {expected_next}," in table and "Well done" not in table, table


@pytest.fixture
def kit(tmp_path: Path):
    kit = tmp_path / "clone"
    kit.mkdir()
    yield kit
    stop_engines(kit)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_whole_path_keeps_the_self_test_green_and_next_right(kit, tmp_path):
    assert not pristine_copy(kit, load_manifest()), "the kit's own stubs must be found"
    shutil.copytree(KIT_ROOT / "tests", kit / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "The kit, as the class received it"]):
        assert run(kit, *GIT, *command).returncode == 0

    check_stage(kit, tmp_path, "untouched", expected_next=1)

    for number in (1, 2, 3, 5):  # Half done, and not in order: step 4 is left for later.
        solve(kit, STEPS[number - 1], STEPS[number - 1].learner_file(True, kit))
    (kit / "exercises" / "step3" / "notes.md").write_text("My notes: Conv2D, then MaxPooling2D.\n")  # Not the kit's file.
    check_stage(kit, tmp_path, "half-done", expected_next=4)
    # Grading one step still names the first unfinished of all eight (the others as just graded).
    one = run(kit, sys.executable, "grader.py", "--step", "5")
    assert "Next: step 4," in one.stdout and "Well done" not in one.stdout, one.stdout
    # The suite's summary, run from inside a step folder, names step 4 by a path that works from there.
    inside = subprocess.run([sys.executable, "-m", "pytest", ".", "-q"], cwd=kit / "exercises" / "step1", capture_output=True,
                            text=True, timeout=300, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert "step 1 done" in inside.stdout and "next: step 4: pytest ../step4" in inside.stdout, inside.stdout[-2000:]

    for step in STEPS:
        solve(kit, step, step.learner_file(True, kit))
    assert run(kit, *GIT, "commit", "-qam", "All eight steps").returncode == 0  # Now HEAD holds no stub at all.
    check_stage(kit, tmp_path, "all-solutions", expected_next=None)

    for step in STEPS:
        solve(kit, step, unusual_but_correct(step))
    check_stage(kit, tmp_path, "all-own-code", expected_next=None)

    # The manifest is the course author's: it refuses to record solved work as the stubs.
    manifest = (kit / "mnistkit" / "manifest.json").read_text()
    refused = run(kit, sys.executable, "-m", "mnistkit.grading.manifest")
    assert refused.returncode == 1 and "course authors" in refused.stdout
    assert (kit / "mnistkit" / "manifest.json").read_text() == manifest
