"""`python grader.py gradescope`: the autograder zip, unpacked and run as Gradescope runs it.

Gradescope unpacks the zip in /autograder/source, puts the student's files in
/autograder/submission and runs run_autograder as root, expecting /autograder/results/results.json.
Here each submission gets such a tree under ROOT (AUTOGRADER_ROOT=ROOT/autograder), inside a
folder from `tempfile.mkdtemp()` (mode 0700: the sandbox's user `nobody` can't pass it, as in CI),
and run_autograder (bash) runs the kit with this test's interpreter (MNISTKIT_PYTHON) instead of
the venv setup.sh makes on Gradescope; setup.sh itself needs the network and is only parsed.
Each submission is graded once (module-scoped fixtures): grading the eight solved steps is the
slow one.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from mnistkit import KIT_ROOT
from mnistkit.steps import STEPS, get_step
from tests.test_workflows import has_sys_admin

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("bash") is None,
                       reason="run_autograder is a bash script that Gradescope runs on Linux"),
    pytest.mark.skipif(sys.platform.startswith("linux") and os.geteuid() == 0 and not has_sys_admin(),
                       reason="as root, the sandbox (nobody) reaches a kit in a mkdtemp folder only through the private view, "
                              "which needs CAP_SYS_ADMIN; without it every step is the kit's error (tested below with setpriv)"),
]

SOLVED_PARTLY = {1, 2, 5}


@pytest.fixture(scope="module")
def private():
    """A folder only root may enter, as `mktemp -d` makes one (CI's layout)."""
    folder = Path(tempfile.mkdtemp(prefix="mnistkit-gradescope-test-"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def autograder(private) -> Path:
    """The zip, built by the teacher's command from this kit (which has solutions/ while it is the kit's own repository)."""
    out = private / "autograder.zip"
    built = subprocess.run([sys.executable, str(KIT_ROOT / "grader.py"), "gradescope", "--out", str(out)], cwd=private,
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert built.returncode == 0, built.stderr
    assert built.stdout.count("\n") == 1 and str(out) in built.stdout and "Configure Autograder" in built.stdout, built.stdout
    return out


def unpack(archive: Path, dest: Path) -> None:
    """As unzip does on Gradescope: the files with the modes the zip records."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            target = Path(opened.extract(info, dest))
            if info.external_attr >> 16:
                target.chmod(stat.S_IMODE(info.external_attr >> 16))


def run_autograder(private: Path, autograder: Path, name: str, files: dict[str, bytes], python: str = sys.executable,
                   prefix: tuple[str, ...] = ()) -> dict:
    """Lay out ROOT/autograder as Gradescope does, with `files` as the submission; run run_autograder; its results.json."""
    root = private / name / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    unpack(autograder, root / "source")
    for relative, data in files.items():
        (root / "submission" / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / relative).write_bytes(data)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"AUTOGRADER_ROOT": str(root), "MNISTKIT_PYTHON": python}
    ran = subprocess.run([*prefix, "bash", str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                         text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = root / "results" / "results.json"
    assert results.is_file(), f"no results.json; run_autograder said:\n{ran.stdout}{ran.stderr}"
    return json.loads(results.read_text(encoding="utf-8"))


def solution(number: int) -> bytes:
    step = get_step(number)
    path = step.learner_file(solutions=True)
    if not path.is_file():
        pytest.skip(f"solutions/{step.folder}/{step.file} is not in this copy of the kit (a teacher's copy for the class has none)")
    return path.read_bytes()


def stub(autograder: Path, number: int) -> bytes:
    """The stub as the class received it: the zip's own exercises/ file."""
    step = get_step(number)
    with zipfile.ZipFile(autograder) as opened:
        try:
            return opened.read(f"exercises/{step.folder}/{step.file}")
        except KeyError:
            pytest.skip(f"no stub as shipped for step {number} in the zip")


@pytest.fixture(scope="module")
def complete(private, autograder) -> dict:
    """The eight reference files, uploaded one by one (flat, by name)."""
    return run_autograder(private, autograder, "complete", {step.file: solution(step.number) for step in STEPS})


@pytest.fixture(scope="module")
def partial(private, autograder) -> dict:
    """A copy of the kit's exercises/ folder: steps 1, 2 and 5 solved, the others the untouched stubs."""
    return run_autograder(private, autograder, "partial", {
        f"exercises/{step.folder}/{step.file}": solution(step.number) if step.number in SOLVED_PARTLY else stub(autograder, step.number)
        for step in STEPS})


# Step 2 scales the pixels again (step 1's job): a failed check, named by its code.
ALSO_SCALES = b'import numpy as np\n\n\ndef add_channel_axis(images):\n    return np.expand_dims(images.astype("float32") / 255.0, -1)\n'


@pytest.fixture(scope="module")
def syntax_error(private, autograder) -> dict:
    """Two files by name: step 1 does not parse, step 2 is wrong; the other six are not there."""
    return run_autograder(private, autograder, "syntax", {"scaling.py": b"def scale_pixels(images)\n    return images / 255.0\n",
                                                           "channels.py": ALSO_SCALES})


@pytest.fixture(scope="module")
def empty(private, autograder) -> dict:
    return run_autograder(private, autograder, "empty", {})


def by_step(results: dict) -> dict[int, dict]:
    return {int(test["number"]): test for test in results["tests"]}


def assert_gradescope_shape(results: dict) -> None:
    """What Gradescope reads: a numeric score, and for each test its name, score, max_score, output, tags, visibility."""
    assert isinstance(results["score"], (int, float)) and results["visibility"] == "visible" and isinstance(results["output"], str)
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility", "tags", "status", "number"}, test
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible" and isinstance(test["tags"], list)


def test_the_zip_holds_the_kit_and_gradescopes_scripts_but_no_solution(autograder):
    with zipfile.ZipFile(autograder) as opened:
        names = set(opened.namelist())
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in opened.infolist()}
    assert not [n for n in names if n.startswith("solutions/") or "/solutions/" in n], "a file of solutions/ is in the zip"
    assert not [n for n in names if n.startswith("tests/")], "the self-test (its correct variants are solutions) is in the zip"
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert {"grader.py", "conftest.py", "pyproject.toml", "README.md", "mnistkit/steps.toml", "mnistkit/manifest.json",
            "mnistkit/data/mnist.npz", "mnistkit/data/kit_cnn.npz", "mnistkit/classroom/gradescope.py"} <= names
    for step in STEPS:
        assert f"exercises/{step.folder}/{step.file}" in names and f"exercises/{step.folder}/README.md" in names
        assert {f"exercises/{step.folder}/{t.name}" for t in step.test_files()} <= names
    for script in ("setup.sh", "run_autograder"):  # Correct shell; setup.sh is not run (it needs apt and PyPI).
        with zipfile.ZipFile(autograder) as opened:
            checked = subprocess.run(["bash", "-n"], input=opened.read(script), capture_output=True)
        assert checked.returncode == 0, (script, checked.stderr)


def test_out_must_name_a_zip_not_a_folder(private):
    refused = subprocess.run([sys.executable, str(KIT_ROOT / "grader.py"), "gradescope", "--out", str(private)], cwd=private,
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert refused.returncode == 2 and "that is a folder; name the zip to write" in refused.stderr, refused.stderr


def test_a_complete_submission_scores_every_point(complete):
    assert_gradescope_shape(complete)
    assert complete["score"] == sum(step.points for step in STEPS) == 100, complete
    tests = by_step(complete)
    assert sorted(tests) == [step.number for step in STEPS]
    for step in STEPS:
        test = tests[step.number]
        assert test["name"] == f"Step {step.number}: {step.title}"
        assert test["score"] == test["max_score"] == step.points and test["status"] == "passed" and test["tags"] == [], test
    assert "8 of 8 steps done" in complete["output"] and "Graded your files by name" in complete["output"]


def test_a_partial_submission_scores_its_done_steps_and_tags_the_others(partial):
    assert_gradescope_shape(partial)
    assert partial["score"] == sum(get_step(n).points for n in SOLVED_PARTLY), partial
    tests = by_step(partial)
    for step in STEPS:
        test = tests[step.number]
        assert test["name"] == f"Step {step.number}: {step.title}" and test["max_score"] == step.points
        if step.number in SOLVED_PARTLY:
            assert test["score"] == step.points and test["status"] == "passed" and test["tags"] == [], test
        else:
            assert test["score"] == 0 and test["status"] == "failed", test
            assert test["tags"] == [f"step{step.number}.not-started"], test
            assert "not started" in test["output"] and f"exercises/{step.folder}/README.md" in test["output"], test
    assert partial["output"].startswith("3 of 8 steps done: 30 of 100 points.") and "Next: step 3" in partial["output"], partial["output"]


def test_a_syntax_error_and_a_wrong_step_are_their_steps_mistakes_and_the_rest_is_missing(syntax_error):
    assert_gradescope_shape(syntax_error)
    assert syntax_error["score"] == 0
    tests = by_step(syntax_error)
    first = tests[1]
    assert first["score"] == 0 and first["max_score"] == get_step(1).points and "step1.syntax-error" in first["tags"], first
    assert "syntax" in first["output"].lower() and "line 1" in first["output"], first["output"]
    second = tests[2]
    assert second["score"] == 0 and second["status"] == "failed" and "step 1" in second["output"], second
    assert second["tags"] and all(t.startswith("step2.") and t.split(".")[1] not in ("crash", "syntax-error") for t in second["tags"]), second
    for step in STEPS[2:]:
        test = tests[step.number]
        assert test["tags"] == [f"step{step.number}.missing-file"] and f"{step.file} is not in your submission" in test["output"], test


def test_an_empty_submission_still_gets_a_results_file_saying_what_to_upload(empty):
    assert_gradescope_shape(empty)
    assert empty["score"] == 0 and len(empty["tests"]) == len(STEPS)
    assert "Nothing to grade was found" in empty["output"] and "scaling.py" in empty["output"], empty["output"]
    assert all(test["score"] == 0 and test["status"] == "failed" for test in empty["tests"])


def test_a_notebook_is_graded_when_no_step_file_is_there(private, autograder):
    with zipfile.ZipFile(autograder) as opened:
        notebook = json.loads(opened.read("exercises/mnistkit.ipynb"))
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code" and "def scale_pixels" in "".join(c["source"]))
    cell["source"] = solution(1).decode().splitlines(keepends=True)
    results = run_autograder(private, autograder, "notebook", {"work/mnistkit.ipynb": json.dumps(notebook).encode()})
    assert results["score"] == get_step(1).points and by_step(results)[1]["status"] == "passed", results
    assert by_step(results)[2]["tags"] == ["step2.not-started"]
    assert "Graded your notebook work/mnistkit.ipynb" in results["output"]


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv: only a root grader hands the student's code to nobody")
def test_without_cap_sys_admin_in_a_private_folder_the_grade_is_0_and_says_the_fix(private, autograder):
    # A container without CAP_SYS_ADMIN, the kit in a folder nobody can't pass (setup.sh opens
    # /autograder on Gradescope; this root is still 0700): nothing can be graded, and it says why.
    results = run_autograder(private, autograder, "nocap", {"scaling.py": solution(1)}, prefix=("setpriv", "--bounding-set=-sys_admin", "--"))
    assert results["score"] == 0 and results["tests"] == [], results
    assert "not a fault of your work" in results["output"] and "chmod o+x" in results["output"], results["output"]
    assert "or grade as another user" in results["output"], "the kit's message was cut short"



@pytest.mark.parametrize("python, said", [("no-venv/bin/python", "no-venv/bin/python) is missing"),
                                          ("crashing-python", "stopped before it could grade (exit code 3)")])
def test_a_python_that_is_missing_or_crashes_still_gets_a_results_file(private, autograder, python, said):
    path = private / "interpreters" / python
    if python == "crashing-python":
        path.parent.mkdir(exist_ok=True)  # Ends at once, writing half a line and no results.json.
        path.write_text('#!/bin/sh\nprintf \'Traceback "x"\\tbroken\\\\ \\001\' >&2\nexit 3\n')
        path.chmod(0o755)
    results = run_autograder(private, autograder, python.split("/")[0], {"scaling.py": b""}, python=str(path))
    assert results["score"] == 0 and results["tests"] == [], results
    assert said in results["output"] and "Regrade All Submissions" in results["output"], results["output"]
    if python == "crashing-python":
        assert 'It said: Traceback "x" broken\\ ' in results["output"], results["output"]
