"""The grader, run as a learner runs it (`python grader.py ...`) on a copy of the kit.

Each test lays out its own copy of the kit as shipped (`shipped_kit`, so a learner's own work in
exercises/ changes nothing here; the MNIST file is linked, not copied), puts a learner file made
for the case into it, and reads what the grader prints and returns. Step 1 serves for most cases
because its suite needs no TensorFlow and takes about a second.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnistkit import KIT_ROOT
from mnistkit.steps import STEPS
from tests.kitcopy import stop_engines

SOLVED_STEP1 = (KIT_ROOT / "solutions" / "step1" / "scaling.py").read_text()


def make_kit(root: Path, source: Path, solved: bool = False) -> Path:
    """A copy at `root` of the kit at `source`: grader, support package, exercises and solutions."""
    shutil.copy(source / "grader.py", root / "grader.py")
    shutil.copytree(source / "mnistkit", root / "mnistkit", ignore=shutil.ignore_patterns("__pycache__", "mnist.npz"))
    (root / "mnistkit" / "data" / "mnist.npz").symlink_to(KIT_ROOT / "mnistkit" / "data" / "mnist.npz")
    for side in ("exercises", "solutions"):
        shutil.copytree(source / side, root / side, ignore=shutil.ignore_patterns("__pycache__"))
    if solved:
        for step in STEPS:
            shutil.copy(step.learner_file(True, root), step.learner_file(False, root))
    return root


def grader(kit: Path, *args: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # Without CI=true as well: there `--step N` counts (GitHub Classroom's grade), and these tests
    # say what the grader does on a learner's machine; the test that wants CI sets it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")} | (env or {})
    return subprocess.run([sys.executable, str(kit / "grader.py"), *args], cwd=kit, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def step1_json(kit: Path, *extra: str) -> dict:
    completed = grader(kit, "--step", "1", "--json", *extra)
    payload = json.loads(completed.stdout)  # Only JSON on stdout.
    return payload["steps"][0] | {"exit": completed.returncode}


@pytest.fixture
def kit(tmp_path: Path, shipped_kit):
    if shipped_kit.missing:
        pytest.skip(f"no stub as shipped for steps {sorted(shipped_kit.missing)}: the grader tests need the kit's own stubs")
    yield make_kit(tmp_path, shipped_kit.root)
    stop_engines(tmp_path)


def write_step1(kit: Path, source: str) -> None:
    (kit / "exercises" / "step1" / "scaling.py").write_text(source)


# Statuses ------------------------------------------------------------------------------------

def test_fresh_kit_shows_nothing_done_and_names_step_1_next(kit):
    completed = grader(kit)
    assert completed.returncode == 1
    assert "0 of 8 steps done" in completed.stdout
    assert "Next: step 1" in completed.stdout and "pytest exercises/step1" in completed.stdout
    rows = [line for line in completed.stdout.splitlines() if line.split(" ")[0].isdigit() and "steps done" not in line]
    assert len(rows) == 8 and all("not-started" in row for row in rows)


def test_solved_step_is_done_and_exit_code_is_zero(kit):
    write_step1(kit, SOLVED_STEP1)
    result = step1_json(kit)
    assert (result["status"], result["failed"], result["exit"]) == ("done", 0, 0)
    # --json is a grade that counts: the suite's tests and the held-out one.
    assert result["passed"] == len(json.loads((kit / "mnistkit" / "manifest.json").read_text())["steps"]["1"]["tests"]) + 1
    assert result["results"]["tests"][-1]["name"] == "test_gives_the_same_answers_on_held_out_inputs"
    assert isinstance(result["seed"], int)


# Right for the very images the suite uses, and for nothing else.
HARD_CODED_STEP1 = (KIT_ROOT / "tests" / "variants" / "step1" / "wrong_answers_only_the_visible_images.py").read_text()


def test_answers_fitted_to_the_suites_inputs_fail_a_grade_that_counts_only(kit):
    write_step1(kit, HARD_CODED_STEP1)
    own = subprocess.run([sys.executable, "-m", "pytest", "exercises/step1", "-q", "-p", "mnistkit.grading.plugin",
                          "-p", "no:cacheprovider", "-p", "no:xdist"],
                         cwd=kit, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"MNISTKIT_COLD": "1"},
                         capture_output=True, text=True, timeout=300)
    assert own.returncode == 0 and "held_out" not in own.stdout and "step 1 done: all 8 checks pass" in own.stdout, own.stdout
    assert grader(kit, "--step", "1").returncode == 0  # The table without --fresh is the learner's own check.
    in_ci = grader(kit, "--step", "1", env={"CI": "true"})  # GitHub Classroom's grade: `--step N` in CI counts.
    assert in_ci.returncode == 1 and "held out by this grade" in in_ci.stdout, in_ci.stdout
    counted = step1_json(kit)
    held_out = counted["results"]["tests"][-1]
    assert (counted["status"], counted["code"], counted["exit"]) == ("failing", "step1.gives-the-same-answers-on-held-out-inputs", 1)
    assert counted["message"].startswith("scale_pixels() gave a different answer on other inputs"), counted["message"]
    assert str(counted["seed"]) not in held_out["message"] and held_out["output"] is None
    again = step1_json(kit, "--seed", str(counted["seed"]))
    assert (again["seed"], again["results"]["tests"][-1]["message"]) == (counted["seed"], held_out["message"])


def test_wrong_answer_is_failing_with_the_first_mistake(kit):
    write_step1(kit, SOLVED_STEP1.replace("255.0", "256.0"))
    result = step1_json(kit)
    assert result["status"] == "failing" and result["exit"] == 1
    assert "255" in result["message"]


def test_stub_raising_everywhere_but_edited_is_not_started(kit):
    stub = (kit / "exercises" / "step1" / "scaling.py").read_text()
    write_step1(kit, stub + "\n# I have read the README.\n")
    assert step1_json(kit)["status"] == "not-started"


def test_a_manifest_holding_the_solved_file_cannot_make_it_not_started(kit):
    # A learner who rewrote the manifest after solving: its "stub" checksum is now their solution's.
    import hashlib

    write_step1(kit, SOLVED_STEP1)
    path = kit / "mnistkit" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["steps"]["1"]["stub"] = hashlib.sha256(SOLVED_STEP1.encode()).hexdigest()
    path.write_text(json.dumps(manifest))
    assert step1_json(kit)["status"] == "done"


def test_syntax_error_is_error_in_one_line(kit):
    write_step1(kit, "def scale_pixels(images)\n    return images\n")
    result = step1_json(kit)
    assert result["status"] == "error"
    assert result["message"].startswith("SYNTAX ERROR in exercises/step1/scaling.py, line 1")


def test_missing_function_is_error(kit):
    write_step1(kit, "def scale(images):\n    return images / 255\n")
    result = step1_json(kit)
    assert result["status"] == "error" and "has no function scale_pixels()" in result["message"]


# The step's time limit in the hang test: a busy loop burns a core until then, so it is short.
HANG_TIMEOUT = 3


def test_hang_is_timeout_within_the_cap(kit):
    toml = kit / "mnistkit" / "steps.toml"
    toml.write_text(toml.read_text().replace("timeout = 60", f"timeout = {HANG_TIMEOUT}", 1))
    write_step1(kit, "def scale_pixels(images):\n    while True:\n        pass\n")
    started = time.monotonic()
    result = step1_json(kit)
    assert result["status"] == "timeout"
    assert time.monotonic() - started < HANG_TIMEOUT + 10


def test_crash_with_os_exit_is_error_not_success(kit):
    write_step1(kit, "import os\n\ndef scale_pixels(images):\n    os._exit(0)\n")
    result = step1_json(kit)
    assert result["status"] == "error" and result["exit"] == 1


def test_memory_hog_is_stopped_and_reported_as_error(kit):
    write_step1(kit, "def scale_pixels(images):\n    hoard = bytearray(16 * 2**30)\n    return hoard\n")
    result = step1_json(kit)
    assert result["status"] == "error" and "ran out of memory" in result["message"]


def test_ending_the_session_early_is_not_success(kit):
    # pytest.exit() in the learner's code ends only the learner's sandbox call, never the judge's session.
    write_step1(kit, "import pytest\n\ndef scale_pixels(images):\n    pytest.exit('all good', returncode=0)\n")
    result = step1_json(kit)
    assert result["status"] == "failing" and "your code raised Exit: all good" in result["message"], result


def test_grader_never_imports_tensorflow(kit):
    write_step1(kit, SOLVED_STEP1)
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['grader.py', '--step', '3', '--json']\n"
        "try:\n    runpy.run_path('grader.py', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('TF', 'tensorflow' in sys.modules, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run([sys.executable, "-c", probe], cwd=kit, env=env, capture_output=True, text=True, timeout=300)
    assert "TF False" in completed.stderr


def test_output_flood_is_capped_and_graded(kit):
    write_step1(kit, SOLVED_STEP1.replace('    return images.astype("float32") / 255.0',
                                          '    print("x" * 2_000_000)\n    return images.astype("float32") / 255.0'))
    completed = grader(kit, "--step", "1", "--json")
    payload = json.loads(completed.stdout)
    assert payload["steps"][0]["status"] == "done"
    assert all(len(t["output"] or "") <= 500 for t in payload["steps"][0]["results"]["tests"])
    assert len(completed.stdout) < 100_000


def test_edited_test_file_is_tampered_and_never_done(kit):
    write_step1(kit, SOLVED_STEP1)
    test_file = kit / "exercises" / "step1" / "test_scaling.py"
    test_file.write_text(test_file.read_text() + "\n# just a comment\n")
    result = step1_json(kit)
    assert result["status"] == "tampered" and result["exit"] == 1
    assert "git checkout -- exercises/step1/test_*.py" in result["message"]


def test_dropped_in_conftest_and_ini_cannot_change_the_outcome(kit):
    write_step1(kit, SOLVED_STEP1.replace("255.0", "256.0"))
    folder = kit / "exercises" / "step1"
    (folder / "conftest.py").write_text(
        "import pytest\n\n@pytest.hookimpl(wrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    report = yield\n    report.outcome = 'passed'\n    return report\n"
    )
    (kit / "exercises" / "conftest.py").write_text((folder / "conftest.py").read_text())
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:mnistkit.grading.plugin -k nothing\n")
    (folder / "test_mine.py").write_text("def test_always_passes():\n    assert True\n")
    assert step1_json(kit)["status"] == "failing"


# Options -------------------------------------------------------------------------------------

def test_solutions_option_grades_the_reference_solution(kit):
    completed = grader(kit, "--solutions", "--step", "1", "--json")
    assert completed.returncode == 0 and json.loads(completed.stdout)["steps"][0]["status"] == "done"


def test_next_points_to_the_readme_in_exercises_and_with_solutions_to_the_reference(monkeypatch):
    """The README lives only in exercises/stepN/; with `--solutions` the file to edit is the reference."""
    import io

    from mnistkit.grading.results import StepResult
    from mnistkit.grading.report import render_table

    monkeypatch.chdir(KIT_ROOT)
    step = STEPS[0]
    for solutions, edit in ((True, f"the reference solutions/{step.folder}/{step.file}"), (False, f"exercises/{step.folder}/{step.file}")):
        shown = io.StringIO()
        render_table([StepResult(step.number, step.title, "failing", failed=1, message="wrong")], solutions, stream=shown, others={})
        assert f"  read exercises/{step.folder}/README.md, edit {edit}\n" in shown.getvalue(), shown.getvalue()


def test_solutions_table_names_the_readme_that_exists(kit):
    completed = grader(kit, "--solutions", "--step", "1")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    found = re.search(r"read (exercises/step\d/README\.md), edit the reference (solutions/step\d/\w+\.py)", completed.stdout)
    assert found and (kit / found.group(1)).is_file() and (kit / found.group(2)).is_file(), completed.stdout


def test_one_step_graded_never_says_every_step_passes(kit):
    write_step1(kit, SOLVED_STEP1)
    completed = grader(kit, "--step", "1")
    assert completed.returncode == 0
    assert "Well done" not in completed.stdout and "Next: step 2" in completed.stdout, completed.stdout


def test_json_has_the_documented_shape(kit):
    payload = json.loads(grader(kit, "--json").stdout)
    assert payload["schema"] == 1 and payload["total"] == 8 and payload["done"] == 0
    assert payload["next"] == {"step": 1, "command": "pytest exercises/step1"}
    for step in payload["steps"]:
        assert {"step", "title", "status", "passed", "failed", "message", "points", "max_points", "results"} <= set(step)
        assert step["results"]["version"] == 3 and step["results"]["status"] in ("pass", "fail", "error")


def test_json_next_is_the_first_step_not_done_and_none_once_all_are():
    """The JSON's "next" from results alone (a real all-done `--json` retrains all eight steps;
    test_learner_path checks the stages before it with the grader itself)."""
    from mnistkit.grading.results import StepResult
    from mnistkit.grading.report import to_json

    done = [StepResult(s.number, s.title, "done", passed=1) for s in STEPS]
    payload = to_json(done)
    assert payload["next"] is None and payload["done"] == len(STEPS), payload["next"]
    half = [r if r.step != 4 else StepResult(4, r.title, "failing", failed=1, message="wrong") for r in done]
    assert to_json(half)["next"] == {"step": 4, "command": "pytest exercises/step4"}


def test_unchanged_rerun_comes_from_the_cache_and_fresh_runs_again(kit):
    write_step1(kit, SOLVED_STEP1)
    first = grader(kit)
    assert "step 1: done (" in first.stderr and "remembered" not in first.stderr
    assert "step 1: done (remembered)" in grader(kit).stderr  # The learner's table may remember,
    assert "remembered" not in grader(kit, "--fresh").stderr
    assert step1_json(kit)["cached"] is False  # a grade for a machine never does.


def test_corrupt_cache_is_ignored(kit):
    write_step1(kit, SOLVED_STEP1)
    step1_json(kit)
    (kit / ".mnistkit" / "results.json").write_text("{not json")
    assert step1_json(kit)["status"] == "done"


def test_hints_come_one_at_a_time_and_are_remembered(kit):
    first, second = grader(kit, "--hint", "1").stdout, grader(kit, "--hint", "1").stdout
    assert "hint 1 of 3" in first and "hint 2 of 3" in second
    last = grader(kit, "--hint", "1").stdout
    assert "hint 3 of 3" in last and "That was the last hint" in last
    hints = get_step_hints(kit)
    # Once all are out, asking again shows every hint given so far, not nothing new.
    again = grader(kit, "--hint", "1")
    assert again.returncode == 0 and all(hint in again.stdout for hint in hints), again.stdout


def get_step_hints(kit: Path) -> list[str]:
    from mnistkit.steps import get_step

    return get_step(1).hints(kit)


def test_compare_refuses_an_unfinished_step_without_confirmation(kit):
    completed = grader(kit, "--compare", "1")
    assert completed.returncode == 1 and "+++" not in completed.stdout
    assert "no terminal" in completed.stdout and "python grader.py --compare 1 --yes" in completed.stdout
    shown = grader(kit, "--compare", "1", "--yes")
    assert shown.returncode == 0 and "not done yet" not in shown.stdout  # --yes: just the comparison.
    assert "+++ solutions/step1/scaling.py" in shown.stdout and "astype" in shown.stdout


def test_compare_shows_the_whole_solution_with_its_blank_lines(kit):
    solution = (kit / "solutions" / "step7" / "evaluation.py").read_text()
    diff = grader(kit, "--compare", "7", "--yes").stdout.splitlines()
    body = diff[diff.index(next(line for line in diff if line.startswith("@@"))) + 1:]
    rebuilt = [line[1:] for line in body if line[:1] in (" ", "+")]
    assert rebuilt == solution.splitlines(), "the reference side of the diff is not the solution line for line"
    assert solution.count("\n\n\ndef ") >= 3  # What the check above covers: blank lines between functions.


def test_compare_without_solutions_says_so(kit):
    shutil.rmtree(kit / "solutions")
    completed = grader(kit, "--compare", "1", "--yes")
    assert "not in this copy of the kit" in completed.stdout and completed.returncode == 1


def test_grading_still_works_once_solutions_are_removed(kit):
    shutil.rmtree(kit / "solutions")
    write_step1(kit, SOLVED_STEP1)
    assert step1_json(kit)["status"] == "done"


@pytest.mark.parametrize("args", [["--step", "9"], ["--hint", "0"], ["--bogus"], ["--jobs", "0"]])
def test_usage_errors_exit_with_2(kit, args):
    assert grader(kit, *args).returncode == 2


@pytest.mark.timeout(90)
def test_watch_rechecks_a_saved_step_until_interrupted(kit):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen([sys.executable, str(kit / "grader.py"), "--watch", "--interval", "0.2"], cwd=kit, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Watching"):
                break
        write_step1(kit, SOLVED_STEP1)
        for line in process.stdout:
            lines.append(line)
            if line.strip().startswith("next:"):
                break
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    text = "".join(lines) + rest
    assert "step 1 (Scale the pixels to [0, 1]): not-started" in text
    assert "step 1 (Scale the pixels to [0, 1]): done, 8/8 tests" in text
    assert "next: step 2" in text and "Stopped watching. Carry on with step 2: `pytest exercises/step2`" in text
    assert process.returncode == 0


# One epoch on the first 12,000 training images (10,800 trained on) keeps the self-test short: the
# run took 13-16 s here, against 32-35 s on all 54,000. Measured, 5 runs: 90.97 % test accuracy
# each time (the run is seeded); 6,000 images give 79.7 %, 24,000 94.3 %, all of them 96.9 %.
FULL_RUN_IMAGES = 12_000
FULL_RUN_MIN_ACCURACY = 85


def test_full_run_reports_the_score_and_writes_the_figures(kit, tmp_path):
    # stdout is a pipe here, as in CI.
    completed = grader(kit, "--full", "--solutions", "--epochs", "1", "--images", str(FULL_RUN_IMAGES), "--out", str(tmp_path / "run"))
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    out = completed.stdout
    assert "Training your step 4 model (build_layered_model)" in out
    assert "The first epoch took" in out and "the tutorial's 10 take about" in out
    assert "\x1b" not in out and "cuda" not in completed.stderr.lower(), completed.stderr[-2000:]
    accuracy = float(out.split("Test accuracy:")[1].split("%")[0])
    assert FULL_RUN_MIN_ACCURACY < accuracy <= 100, out[-2000:]
    figures = ["confusion_matrix.png", "conv_kernels.png", "training_history.png"]
    assert all((tmp_path / "run" / name).stat().st_size > 1000 and str(tmp_path / "run" / name) in out for name in figures)
    assert "70,378" in (tmp_path / "run" / "model_summary.txt").read_text()


def test_full_run_estimate_scales_the_first_epoch():
    from mnistkit.commands.full_run import estimate

    assert estimate(30, 10) == "The first epoch took 30 s on this machine, so the other 9 should take about 4.5 min more."
    assert estimate(20, 2).endswith("the last one should take about 20 s more.")
    assert estimate(30, 1).endswith("the tutorial's 10 take about 5.0 min.")


def test_full_run_of_unfinished_steps_says_what_is_missing(kit):
    completed = grader(kit, "--full", "--json", "--out", str(kit / "run"))
    assert completed.returncode == 1
    assert "not started" in json.loads(completed.stdout)["full"]["error"]


class _Engine:
    """Stands in for a warm engine that is up (or not yet): records what it is asked to run."""

    def __init__(self, up: bool) -> None:
        self.up, self.asked = up, []

    def usable(self, wait: float = 30) -> bool:
        return self.up

    def run(self, argv, cwd, env, timeout, memory):
        from mnistkit.engine.processes import Run

        self.asked.append(argv)
        return Run(0, "", 0.0, json.dumps({"tests": []}))


def test_a_step_without_tensorflow_uses_the_engine_only_once_it_is_up(monkeypatch, tmp_path):
    """Class grading keeps one engine for the whole class: steps 1 and 2 are forked from it once it
    is up, and never wait for it (a cold check of them takes under a second)."""
    from mnistkit.engine.processes import Run
    from mnistkit.grading import grade as grading
    from mnistkit.grading.manifest import load_manifest
    from mnistkit.steps import get_step

    cold = []
    monkeypatch.setattr(grading, "run_isolated", lambda command, *args, **kwargs: cold.append(command) or Run(0, "", 0.0, ""))
    up, starting = _Engine(up=True), _Engine(up=False)
    for number, source in ((1, "def scale_pixels(images):\n    return images / 255\n"),
                           (2, "def add_channel_axis(images):\n    return images[..., None]\n")):
        step = get_step(number)
        (tmp_path / "exercises" / step.folder).mkdir(parents=True)
        (tmp_path / "exercises" / step.folder / step.file).write_text(source)  # Begun, so it is run.
        grading.grade_step(step, load_manifest(), submission=tmp_path, engine=up)
        grading.grade_step(step, load_manifest(), submission=tmp_path, engine=starting)
    assert len(up.asked) == 2 and not starting.asked and len(cold) == 2, (up.asked, starting.asked, cold)
