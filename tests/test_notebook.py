"""The notebook: built from the kit's sources, checked in a real Jupyter kernel, graded the same.

Three notebooks run headless (nbclient + ipykernel, the kernel being this very Python): the
untouched one, one with every reference solution pasted into its cell, and one with three known
mistakes from tests/variants/. Each is then graded with `python grader.py --notebook`, which must
give every step the status its check cell showed.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mnistkit import KIT_ROOT
from mnistkit.notebook.build import NOTEBOOK, code_cell_of, notebook, render
from mnistkit.grading.selftest import variant_expectation
from mnistkit.steps import STEPS

VARIANTS = Path(__file__).resolve().parent / "variants"
# Three known mistakes, one each of a step without TensorFlow, a model and an evaluation.
MISTAKES = {1: "wrong_divides_by_256.py", 3: "wrong_dense_64.py", 7: "wrong_confusion_transposed.py"}


def test_committed_notebook_is_up_to_date():
    assert NOTEBOOK.exists(), "exercises/mnistkit.ipynb is missing: run `python -m mnistkit.notebook.build`"
    assert NOTEBOOK.read_text(encoding="utf-8") == render(), (
        "exercises/mnistkit.ipynb is out of date with steps.toml, the READMEs or the stubs: "
        "run `python -m mnistkit.notebook.build`")


def test_notebook_has_readme_stub_and_check_per_step():
    ids = [cell["id"] for cell in notebook()["cells"]]
    for step in STEPS:
        at = ids.index(f"{step.folder}-readme")
        assert ids[at:at + 3] == [f"{step.folder}-readme", f"{step.folder}-code", f"{step.folder}-check"]
    assert ids[-1] == "progress"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory) -> str:
    """A kernel spec for this Python (the venv's), found through JUPYTER_PATH for this module only."""
    pytest.importorskip("nbclient", reason="the notebook tests need nbclient: pip install -e .[notebook]")
    pytest.importorskip("ipykernel", reason="the notebook tests need ipykernel: pip install -e .[notebook]")
    pytest.importorskip("nbformat", reason="the notebook tests need nbformat: pip install -e .[notebook]")
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "mnistkit-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "mnistkit test", "language": "python"}))
    saved = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root)
    yield "mnistkit-test"
    if saved is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = saved


def with_code(cells: dict[int, Path]) -> dict:
    """The kit's notebook with step N's code cell replaced by the file `cells[N]`."""
    nb = notebook()
    for cell in nb["cells"]:
        for number, path in cells.items():
            if cell["id"] == f"step{number}-code":
                cell["source"] = code_cell_of(path).splitlines(keepends=True)
    return nb


def execute(nb: dict, kernel: str) -> dict[str, dict]:
    """Run the notebook in a fresh kernel; per cell id, its shown text, HTML and any error."""
    import nbformat
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)
    NotebookClient(node, kernel_name=kernel, timeout=600, allow_errors=True,
                   resources={"metadata": {"path": str(KIT_ROOT / "exercises")}}).execute()
    shown = {}
    for cell in node.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        shown[cell.id] = {
            "text": "\n".join(o.get("data", {}).get("text/plain", "") for o in outputs),
            "html": "\n".join(o.get("data", {}).get("text/html", "") for o in outputs),
            "errors": [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"],
        }
    return shown


def status_of(output: dict) -> str:
    match = re.search(r'data-status="([^"]+)"', output["html"])
    assert match, f"no rendered result: {output}"
    return match.group(1)


def run(nb: dict, kernel: str, path: Path):
    """`(check cells' outputs, the grader's run)`: the grader reads only the saved sources, so it
    grades the notebook while the kernel executes it (the two take about as long)."""
    path.write_text(json.dumps(nb), encoding="utf-8")
    grading = subprocess.Popen([sys.executable, str(KIT_ROOT / "grader.py"), "--notebook", str(path), "--json"],
                               cwd=KIT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    try:
        shown = execute(nb, kernel)
    except BaseException:
        grading.kill()
        grading.wait()
        raise
    return shown, grading


def running(nb: dict, kernel: str, path: Path):
    """The fixture's life: the run, then the grader stopped if no test waited for it (say, under -k)."""
    shown, grading = run(nb, kernel, path)
    yield shown, grading
    if grading.poll() is None:
        grading.kill()
        grading.wait()
    for stream in (grading.stdout, grading.stderr):
        stream.close()


def graded(grading: subprocess.Popen) -> dict[int, str]:
    stdout, stderr = grading.communicate(timeout=900)
    assert stdout, stderr
    return {s["step"]: s["status"] for s in json.loads(stdout)["steps"]}


@pytest.fixture(scope="module")
def untouched(kernel, tmp_path_factory):
    yield from running(notebook(), kernel, tmp_path_factory.mktemp("nb") / "untouched.ipynb")


@pytest.fixture(scope="module")
def solved(kernel, tmp_path_factory):
    nb = with_code({s.number: s.learner_file(solutions=True) for s in STEPS})
    yield from running(nb, kernel, tmp_path_factory.mktemp("nb") / "solved.ipynb")


@pytest.fixture(scope="module")
def mistaken(kernel, tmp_path_factory):
    nb = with_code({n: VARIANTS / f"step{n}" / name for n, name in MISTAKES.items()})
    for cell in nb["cells"]:
        if cell["id"] == "step3-check":
            cell["source"] = ["check(build_sequential_model)"]  # The other way to name a step.
    yield from running(nb, kernel, tmp_path_factory.mktemp("nb") / "mistakes.ipynb")


def test_untouched_notebook_every_check_says_not_started(untouched):
    shown, _ = untouched
    for step in STEPS:
        output = shown[f"{step.folder}-check"]
        assert status_of(output) == "not-started", output
        assert f"Step {step.number} not started" in output["text"], output
    assert all(not out["errors"] for out in shown.values()), {k: v["errors"] for k, v in shown.items() if v["errors"]}
    assert "0 of 8 steps done" in shown["progress"]["text"]


def test_solved_notebook_every_check_is_done_and_progress_shows_8_of_8(solved):
    shown, _ = solved
    for step in STEPS:
        output = shown[f"{step.folder}-check"]
        assert status_of(output) == "done", output
        assert f"Step {step.number} done" in output["text"]
    assert "8 of 8 steps done" in shown["progress"]["text"], shown["progress"]["text"]
    assert all(not out["errors"] for out in shown.values()), {k: v["errors"] for k, v in shown.items() if v["errors"]}


def test_three_mistakes_are_each_named_under_their_check(mistaken):
    shown, _ = mistaken
    for number, name in MISTAKES.items():
        output = shown[f"step{number}-check"]
        expected = variant_expectation(VARIANTS / f"step{number}" / name)
        assert status_of(output) in ("failing", "error"), output
        assert " ".join(expected.split()) in " ".join(output["text"].split()), f"step {number} ({name}): {output['text']}"
        assert " ".join(html.escape(expected).split()) in " ".join(output["html"].split())
        assert "Traceback" not in output["text"]
    others = [s for s in STEPS if s.number not in MISTAKES]
    assert all(status_of(shown[f"{s.folder}-check"]) == "not-started" for s in others)


@pytest.mark.parametrize("which", ["untouched", "solved", "mistaken"])
def test_grader_on_the_notebook_agrees_with_its_check_cells(which, request):
    shown, grading = request.getfixturevalue(which)
    cells = {step.number: status_of(shown[f"{step.folder}-check"]) for step in STEPS}
    assert graded(grading) == cells
