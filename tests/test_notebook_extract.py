"""Taking a step's functions out of notebook cells (mnistkit.notebook.extract): what is kept, what
is left out, and the grader's --notebook option on files that are not notebooks. No kernel needed."""

from __future__ import annotations

import json
import subprocess
import sys

from mnistkit import KIT_ROOT
from mnistkit.notebook.extract import build_module, choose_cells, write_submission
from mnistkit.steps import get_step

STEP1 = get_step(1)
CELL = """%matplotlib inline
import numpy as np
RATE = 255.0

def scale_pixels(images):
    return images.astype("float32") / RATE

x = scale_pixels(np.zeros(3, dtype="uint8"))
print(x)
!ls
"""


def test_cell_keeps_imports_functions_and_constants_on_their_lines():
    module = build_module(STEP1, choose_cells(STEP1, [CELL]))
    lines = module.source.split("\n")
    assert lines[1] == "import numpy as np" and lines[2] == "RATE = 255.0"
    assert lines[4] == "def scale_pixels(images):"
    assert "print" not in module.source and "x = " not in module.source and "%" not in module.source and "!ls" not in module.source
    assert module.where(6) == ("code cell 1", 6)


def test_last_cell_defining_a_function_wins_and_other_cells_are_not_read():
    first = "def scale_pixels(images):\n    raise NotImplementedError\n"
    other = "import os\nos.remove('anything')\n"
    chosen = choose_cells(STEP1, [first, other, CELL])
    assert chosen["scale_pixels"][0] == "code cell 3"
    assert "os.remove" not in build_module(STEP1, chosen).source


def test_functions_of_one_step_in_two_cells_are_both_taken():
    step = get_step(6)
    cells = ["import keras\ndef train_model(model, x, y):\n    return 1\n", "def plot_history(history):\n    return 2\n"]
    source = build_module(step, choose_cells(step, cells)).source
    assert "def train_model" in source and "def plot_history" in source and "# --- code cell 2 ---" in source


def test_a_cell_with_a_syntax_error_is_kept_whole_so_the_grade_names_it():
    broken = "def scale_pixels(images)\n    return images / 255\n"
    source = build_module(STEP1, choose_cells(STEP1, [broken])).source
    compile_error = None
    try:
        compile(source, "cell", "exec")
    except SyntaxError as error:
        compile_error = error
    assert compile_error is not None and compile_error.lineno == 1


def test_write_submission_lays_out_every_step(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": CELL.splitlines(keepends=True)}]}))
    read = write_submission(notebook, tmp_path / "sub")
    assert (tmp_path / "sub" / "exercises" / "step1" / "scaling.py").read_text().count("def scale_pixels") == 1
    assert read[1] == "from code cell 1" and read[2] == "defined in no cell"


def test_grader_says_in_one_line_when_the_notebook_cannot_be_read(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ not json")
    completed = subprocess.run([sys.executable, str(KIT_ROOT / "grader.py"), "--notebook", str(bad)], cwd=KIT_ROOT,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert "can't be read as a notebook" in completed.stderr and "Traceback" not in completed.stderr


def test_version_guard_speaks_only_when_versions_differ(monkeypatch):
    from importlib.metadata import version

    import mnistkit.versions as versions

    numpy = ".".join(version("numpy").split(".")[:2])
    monkeypatch.setattr(versions, "MEASURED_ON", {"numpy": numpy})
    assert versions.version_note() is None
    monkeypatch.setattr(versions, "MEASURED_ON", {"numpy": "0.1"})
    note = versions.version_note()
    assert note is not None and f"numpy {version('numpy')} (measured on 0.1)" in note and "\n" not in note


def test_solution_asks_first_while_the_step_is_not_done():
    from mnistkit.notebook import solution

    refused = solution(1)  # No scale_pixels() is defined here, so step 1 is not started.
    assert refused.status == "not-started" and "solution(1, confirm=True)" in repr(refused)
    assert "def scale_pixels" not in repr(refused)
    shown = solution(1, confirm=True)
    assert "def scale_pixels" in repr(shown) and "def scale_pixels" in shown._repr_html_()
