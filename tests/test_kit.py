"""The kit's layout keeps its promises: every listed step is complete, solutions mirror the
exercises, the manifest matches the tests, and nothing is missing or unlisted.

Everything is checked on the kit as shipped (`shipped_kit`, tests/conftest.py), so a learner's
work in exercises/ never makes these fail."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mnistkit import KIT_ROOT
from mnistkit.grading.manifest import OUT_OF_DATE, build_manifest, load_manifest
from mnistkit.steps import STEPS
from mnistkit.template import is_stub

STEP_IDS = [f"step{s.number}" for s in STEPS]


def functions_of(path: Path) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("step", STEPS, ids=STEP_IDS)
def test_step_has_stub_solution_tests_and_readme(step, shipped_kit):
    root = shipped_kit.root
    assert shipped_kit.stub(step).exists(), f"missing exercises/{step.folder}/{step.file}"
    assert step.learner_file(True, root).exists(), f"missing solutions/{step.folder}/{step.file}"
    assert step.test_files(root), f"exercises/{step.folder} has no test_*.py"
    assert step.readme(root).exists(), f"exercises/{step.folder} has no README.md"


@pytest.mark.parametrize("step", STEPS, ids=STEP_IDS)
def test_stub_and_solution_define_the_contract_functions(step, shipped_kit):
    for path in (shipped_kit.stub(step), step.learner_file(True, shipped_kit.root)):
        missing = [name for name in step.functions if name not in functions_of(path)]
        assert not missing, f"{path} lacks {missing}"


@pytest.mark.parametrize("step", STEPS, ids=STEP_IDS)
def test_solution_differs_from_stub_only_in_function_bodies(step, shipped_kit):
    stub, solution = functions_of(shipped_kit.stub(step)), functions_of(step.learner_file(True, shipped_kit.root))
    for name in step.functions:
        a, b = stub[name], solution[name]
        assert ast.dump(a.args) == ast.dump(b.args), f"{name}: signatures differ between exercise and solution"
        assert ast.get_docstring(a) == ast.get_docstring(b), f"{name}: docstrings differ between exercise and solution"
        assert (a.returns and ast.dump(a.returns)) == (b.returns and ast.dump(b.returns)), f"{name}: return types differ"


@pytest.mark.parametrize("step", STEPS, ids=STEP_IDS)
def test_stub_says_todo_and_raises_not_implemented_naming_the_step(step, shipped_kit):
    text = shipped_kit.stub(step).read_text()
    assert f"TODO(step {step.number})" in text
    assert re.search(rf'raise NotImplementedError\("step {step.number}\b', text)
    assert is_stub(text, step), f"exercises/{step.folder}/{step.file}: each of {step.functions} must only raise NotImplementedError"
    assert not is_stub(step.learner_file(True, shipped_kit.root).read_text(), step), f"solutions/{step.folder} looks like a stub"


@pytest.mark.parametrize("step", STEPS, ids=STEP_IDS)
def test_solutions_hold_only_the_solution_file(step, shipped_kit):
    """One copy of each suite and README: `--solutions` runs exercises/stepN's suite on solutions/stepN/<file>."""
    files = {p.name for p in step.solution_dir(shipped_kit.root).iterdir() if p.is_file()}
    assert files == {step.file}, f"solutions/{step.folder} holds {sorted(files - {step.file})} besides {step.file}"


@pytest.mark.parametrize("step", STEPS, ids=STEP_IDS)
def test_readme_has_two_or_three_hints(step, shipped_kit):
    hints = step.hints(shipped_kit.root)
    assert 2 <= len(hints) <= 3, f"exercises/{step.folder}/README.md has {len(hints)} hints under '## Hints'"


def test_no_unlisted_step_folders(shipped_kit):
    listed = {s.folder for s in STEPS}
    for side in ("exercises", "solutions"):
        found = {p.name for p in (shipped_kit.root / side).iterdir() if p.is_dir() and p.name.startswith("step")}
        assert found == listed, f"{side}/ has {sorted(found - listed)} not in mnistkit/steps.toml, or lacks {sorted(listed - found)}"


def test_points_add_up_to_100():
    assert sum(s.points for s in STEPS) == 100


def test_manifest_matches_the_test_files(shipped_kit):
    for step in STEPS:
        shipped_kit.stub(step)
    assert load_manifest() == build_manifest(shipped_kit.root), OUT_OF_DATE


def test_readme_step_table_lists_every_step():
    readme = (KIT_ROOT / "README.md").read_text()
    for step in STEPS:
        assert f"| {step.number} | {step.title} |" in readme, f"README.md's step table lacks step {step.number}"


def test_classroom_workflow_grades_every_step_with_its_points():
    workflow = (KIT_ROOT / ".github" / "workflows" / "classroom.yml").read_text()
    graded = re.findall(r"command: sudo venv/bin/python kit/grader\.py --submission submission --step (\d+)\n\s+timeout: \d+\n"
                        r"\s+max-score: (\d+)", workflow)
    assert [(int(n), int(p)) for n, p in graded] == [(s.number, s.points) for s in STEPS]


def test_classroom_workflow_takes_the_kit_from_the_pinned_template_only():
    workflow = (KIT_ROOT / ".github" / "workflows" / "classroom.yml").read_text()
    assert "rev-list" not in workflow and "git checkout" not in workflow, "the kit must not come from the student's history"
    assert "repository: ${{ env.TEMPLATE_REPOSITORY }}" in workflow and "ref: ${{ env.TEMPLATE_REF }}" in workflow
    # The template's grader, in the kit's own venv, on the student's files (tests/test_workflows.py runs it).
    assert workflow.count("command: sudo venv/bin/python kit/grader.py --submission submission --step ") == len(STEPS)


def test_every_subpackage_is_installed():
    """pyproject.toml lists the kit's packages by name: one left out is missing from a regular
    (non-editable) install, while a clone or `pip install -e .` still finds it."""
    import tomllib

    listed = set(tomllib.loads((KIT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(KIT_ROOT).parts) for init in (KIT_ROOT / "mnistkit").rglob("__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages in pyproject.toml"


def test_only_a_file_whose_every_step_function_is_a_stub_is_not_started_unrun(tmp_path, shipped_kit):
    """The grader's and the notebook's shortcut (mnistkit.grading.is_untouched): "not started"
    without a run only while every function of the step still only raises NotImplementedError."""
    from mnistkit.grading.grade import is_untouched
    from mnistkit.steps import get_step

    step = get_step(6)  # Two functions: train_model written, plot_history not, is half done.
    stub = ast.parse(step.learner_file(root=shipped_kit.root).read_text())
    solved = ast.parse(step.learner_file(True, shipped_kit.root).read_text())
    stub_plot = next(n for n in stub.body if isinstance(n, ast.FunctionDef) and n.name == "plot_history")
    solved.body = [stub_plot if isinstance(n, ast.FunctionDef) and n.name == "plot_history" else n for n in solved.body]
    cases = {
        "noted.py": (step.learner_file(root=shipped_kit.root).read_text() + "\n# My notes: fit, then plot.\n", True),
        "half.py": (ast.unparse(solved), False),
        "huge.py": (step.learner_file(root=shipped_kit.root).read_text() + "#" * 200_000 + "\n", False),
    }
    for name, (source, expected) in cases.items():
        (tmp_path / name).write_text(source)
        assert is_untouched(step, tmp_path / name) is expected, name
    assert not is_untouched(step, tmp_path / "missing.py")
