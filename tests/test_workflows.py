"""The GitHub workflows, run here as a runner runs them, in the layout that once made every grade `error`.

On GitHub's ubuntu runners a job runs as the user `runner` in /home/runner/work/<repo>/<repo>,
and /home/runner is mode 0750; classroom.yml and grade-class.yml grade as root (`sudo`), so the
learner's code runs in the sandbox as `nobody`, who can't enter the folder the kit and its venv
are in. Here each job is rendered into one bash script (tests/workflowrun.py: every `run:` step
as written, a local stand-in for each `uses:` action, the `${{ ... }}` expressions filled in)
and run as root inside a folder from `tempfile.mkdtemp()` (mode 0700), so the kit, the venv and
the workspace sit where `nobody` can't go, as on a runner. The interpreter the venv is made from
is this test's own, wherever it is (on the kit's development machine under /root, mode 0700:
stricter than a runner's world-readable tool cache). The command grader's stand-in passes its
command PATH and HOME only, as the action does; the variable `$GRADER` the workflow once took
from $GITHUB_ENV was empty there, and every step failed with "--step: not found".

Two things differ from a runner, both said where they happen:
- `pip install ./kit` would fetch TensorFlow from PyPI (minutes). Its stand-in gives the new venv
  this environment's packages through a `.pth` file in its site-packages, then installs the kit's
  copy itself with `--no-deps --no-build-isolation --no-index`. The venv is still made by the
  workflow's own `python -m venv venv`, in the workspace, and the kit still comes from its copy
  there: the locations under test are the runner's.
- The job runs as root already, so `sudo` (which need not be installed) has a stand-in that
  resets the environment as sudo's env_reset does (secure_path, root's HOME, nothing else).
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mnistkit import KIT_ROOT
from mnistkit.steps import STEPS, get_step
from tests.kitcopy import stop_engines
from tests.workflowrun import (COMMAND_GRADER_KEEPS, Checkout, ExpressionError, Runner, YamlError, evaluate, fill,
                               read_workflow, read_yaml, value_of)

WORKFLOWS = KIT_ROOT / ".github" / "workflows"
CLASSROOM, GRADE_CLASS = WORKFLOWS / "classroom.yml", WORKFLOWS / "grade-class.yml"
COMMAND_GRADER = "classroom-resources/autograding-command-grader"
REPORTER = "classroom-resources/autograding-grading-reporter"
SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def has_sys_admin() -> bool:
    """Whether this process may make mount namespaces (the sandbox's private view needs it)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    found = re.search(r"^CapEff:\s*([0-9a-f]+)$", status, re.MULTILINE)
    return bool(found and int(found.group(1), 16) >> 21 & 1)


LINUX = sys.platform.startswith("linux")
as_root_on_linux = pytest.mark.skipif(
    not LINUX or os.geteuid() != 0 or not has_sys_admin() or shutil.which("bash") is None,
    reason="runs the workflows as a GitHub runner does them: on Linux, as root (the grader under sudo), with "
           "CAP_SYS_ADMIN (which sudo has on GitHub's runners; without it every step is the kit's error, "
           "tests/test_faults.py checks that)")


# What the workflow files say -----------------------------------------------------------------------

def graders(workflow: dict) -> list[dict]:
    return [item for item in workflow["jobs"]["run-autograding-tests"]["steps"] if item.get("uses", "").startswith(COMMAND_GRADER + "@")]


def test_the_reader_reads_both_workflows_and_refuses_what_it_cannot_read():
    classroom, grade_class = read_workflow(CLASSROOM), read_workflow(GRADE_CLASS)
    assert classroom["on"] == ["push", "repository_dispatch"] and list(grade_class["jobs"]) == ["plan", "grade", "merge"]
    assert [g["id"] for g in graders(classroom)] == [f"step{s.number}" for s in STEPS]
    assert read_yaml("a:\n- b: |\n    x\n\n    # kept\n  c: 'it''s' # gone\n") == {"a": [{"b": "x\n\n# kept\n", "c": "it's"}]}
    for text in ("a: [1]\n", "a: &x 1\n", "a: b\n  c\n", "a: 1\na: 2\n", "a: >\n  x\n", "a: b: c\n"):
        with pytest.raises(YamlError):
            read_yaml(text)
    with pytest.raises(ExpressionError):
        fill("${{ github.event.pull_request.title }}", {"github": {}})
    assert evaluate("fromJSON(needs.plan.outputs.shards)", {"needs": {"plan": {"outputs": {"shards": "[1, 2]"}}}}) == [1, 2]


def test_each_classroom_command_needs_nothing_the_command_grader_does_not_pass():
    """The command grader runs `command` with PATH and HOME only (no `env:`, no $GITHUB_ENV): a
    command reading any other variable (once `$GRADER`, set in $GITHUB_ENV) runs as an empty word."""
    workflow = read_workflow(CLASSROOM)
    commands = [g["with"]["command"] for g in graders(workflow)]
    for command in commands:
        used = set(re.findall(r"\$\{?(\w+)", command))
        assert used <= set(COMMAND_GRADER_KEEPS), f"{command!r} reads {sorted(used - set(COMMAND_GRADER_KEEPS))}, which it never gets"
    assert [re.sub(r"--step \d+$", "--step N", c) for c in commands] == [commands[0].replace("--step 1", "--step N")] * len(STEPS)
    reporter = next(item for item in workflow["jobs"]["run-autograding-tests"]["steps"] if item.get("uses", "").startswith(REPORTER))
    assert reporter["with"]["runners"].split(",") == [g["id"] for g in graders(workflow)]


# The runner ----------------------------------------------------------------------------------------

@pytest.fixture
def private():
    """A folder only root may enter, as `mktemp -d` makes one; nobody can't pass it."""
    from mnistkit.engine.reach import NOBODY, can_pass

    folder = Path(tempfile.mkdtemp(prefix="mnistkit-runner-"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and not can_pass(folder, NOBODY)
    try:
        yield folder
    finally:
        for kit in folder.glob("machine*/home/runner/work/*/*/kit"):
            stop_engines(kit)
        shutil.rmtree(folder, ignore_errors=True)


def image(private: Path) -> str:
    """The runner image's PATH: the system's, with a python3 and the sudo stand-in (see the module's docstring)."""
    bin_folder = private / "image" / "bin"
    bin_folder.mkdir(parents=True)
    root_home = private / "root"
    root_home.mkdir(mode=0o700)
    (bin_folder / "sudo").write_text(
        "#!/bin/sh\n"
        "# sudo for a runner that is root already: the command gets the environment sudo's env_reset leaves.\n"
        'case "$1" in -*) echo "sudo stand-in: the option $1 is not stood in for" >&2; exit 1;; esac\n'
        f"exec env -i PATH={SECURE_PATH} HOME={shlex.quote(str(root_home))} USER=root LOGNAME=root SHELL=/bin/bash "
        'LANG=C.UTF-8 "$@"\n')
    # The image's own python3 (grade-class.yml's plan job uses it before any setup-python).
    (bin_folder / "python3").write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} \"$@\"\n")
    for name in ("sudo", "python3"):
        (bin_folder / name).chmod(0o755)
    return f"{bin_folder}:{SECURE_PATH}"


def outer_site_packages() -> list[str]:
    import sysconfig

    return sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})


# `pip install ./kit`, standing in (see the module's docstring): this environment's packages
# through a .pth file, then the kit's copy itself, from the folder the workflow names. Only into an
# environment inside the workspace: the stand-in runner's own `python` is this test's interpreter.
INSTALL = ("site=$(@PYTHON@ -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])') && "
           "case \"$site\" in \"$GITHUB_WORKSPACE\"/*) ;; *) echo \"pip install stand-in: $site is not in the workspace; "
           "here it would be the test's own environment\" >&2; exit 1;; esac && "
           f"printf '%s\\n' {' '.join(shlex.quote(p) for p in outer_site_packages())} > \"$site/_runner_packages.pth\" && "
           "@PYTHON@ -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --no-index ./kit")


def template_sha() -> str:
    found = subprocess.run(["git", "-C", str(KIT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    sha = found.stdout.strip()
    return sha if re.fullmatch(r"[0-9a-f]{40}", sha) else "4f6280d" + "0" * 33


def kit_files(shipped_kit, dest: Path, solved: set[int] = frozenset()) -> Path:
    """The kit as a checkout of it holds it (the data a real file, not a link), with the reference
    solutions of `solved` as the learner's files."""
    if shipped_kit.missing:
        pytest.skip(f"no stub as shipped for steps {sorted(shipped_kit.missing)}")
    shutil.copytree(shipped_kit.root, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for number in solved:
        step = get_step(number)
        shutil.copy(step.learner_file(True, dest), step.learner_file(False, dest))
    return dest


def by_id(workflow: dict, job: str) -> dict[str, int]:
    return {item["id"]: index for index, item in enumerate(workflow["jobs"][job]["steps"], 1) if "id" in item}


# classroom.yml -------------------------------------------------------------------------------------

# Graded here: steps 1 and 2 (no TensorFlow), step 3 left as the stub (not done, found without
# running it) and step 5, the cheapest step with TensorFlow (it compiles a model; steps 4, 6, 7 and
# 8 train or evaluate one, a minute or more on two cores). The other steps' commands differ only in
# the step's number (test_each_classroom_command_needs_nothing_the_command_grader_does_not_pass).
GRADED = {"step1": 0, "step2": 0, "step3": 1, "step5": 0}
STUB = 3


@as_root_on_linux
def test_classroom_workflow_grades_a_submission_as_root_in_a_private_folder(private, shipped_kit):
    workflow = read_workflow(CLASSROOM)
    sha = template_sha()
    workflow["env"]["TEMPLATE_REF"] = sha  # What the teacher sets: the template's full commit.
    template = workflow["env"]["TEMPLATE_REPOSITORY"]
    sources = private / "sources"
    kit = kit_files(shipped_kit, sources / "template")
    student = kit_files(shipped_kit, sources / "student", solved={s.number for s in STEPS} - {STUB})
    runner = Runner(root=private / "machine", repository="a-class/mnist-assignment-a-student",
                    checkouts={None: Checkout(student), template: Checkout(kit, ref=sha)}, python=Path(sys.executable),
                    artifacts=private / "artifacts", install=INSTALL,
                    skip_steps={f"step{s.number}" for s in STEPS} - set(GRADED))
    runner.prepare()
    run = runner.run(runner.render(workflow, "run-autograding-tests", image(private), CLASSROOM.name), timeout=600)
    assert run.code == 0, run.said()
    ids = by_id(workflow, "run-autograding-tests")
    codes = {name: run.steps[ids[name]] for name in ids}
    assert codes == {f"step{s.number}": ("command-grader", GRADED[f"step{s.number}"]) if f"step{s.number}" in GRADED
                     else ("skipped", None) for s in STEPS}, run.said()
    # Where it all was: inside the private folder, as under /home/runner on a runner.
    workspace = runner.workspace
    assert (workspace / "venv" / "pyvenv.cfg").is_file() and (workspace / "kit" / "grader.py").is_file(), run.said()
    assert list((workspace / "venv" / "lib").glob("python3*/site-packages/mnistkit/__init__.py")), "the kit is not installed in venv/"
    assert workspace.is_relative_to(private) and stat.S_IMODE(runner.home.stat().st_mode) == 0o750


def test_classroom_workflow_refuses_a_template_that_is_not_pinned(private):
    """As shipped, TEMPLATE_REF is a placeholder: the job ends at its first step, nothing graded."""
    if not LINUX or shutil.which("bash") is None:
        pytest.skip("renders the workflow into a bash script: Linux only")
    workflow = read_workflow(CLASSROOM)
    assert not re.fullmatch(r"[0-9a-f]{40}", workflow["env"]["TEMPLATE_REF"])
    nothing = private / "never-copied"
    runner = Runner(root=private / "machine", repository="a-class/mnist-assignment-a-student",
                    checkouts={None: Checkout(nothing), workflow["env"]["TEMPLATE_REPOSITORY"]: Checkout(nothing)},
                    python=Path(sys.executable), artifacts=private / "artifacts", install=INSTALL)
    runner.prepare()
    run = runner.run(runner.render(workflow, "run-autograding-tests", image(private), CLASSROOM.name), timeout=60)
    assert run.code == 1 and run.steps == {1: ("run", 1)}, run.said()
    assert "::error::Set TEMPLATE_REPOSITORY and TEMPLATE_REF" in run.stdout, run.said()


# grade-class.yml -----------------------------------------------------------------------------------

TOKEN = "token-for-the-test"


def student_repository(shipped_kit, github: Path, name: str, solved: set[int]) -> None:
    """A student's repository on the stand-in GitHub: a bare repository of their copy of the kit."""
    work = kit_files(shipped_kit, github.parent / "work" / name.replace("/", "-"), solved)
    git = ["git", "-c", "user.name=A Student", "-c", "user.email=student@example.org", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "my work"]):
        subprocess.run([*git, "-C", str(work), *command], check=True, capture_output=True)
    (github / name).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*git, "clone", "-q", "--bare", str(work), str(github / f"{name}.git")], check=True, capture_output=True)


@as_root_on_linux
def test_grade_class_workflow_grades_a_roster_in_shards_and_merges_one_gradebook(private, shipped_kit):
    """Two shards of a roster of two: alice (steps 1 and 2 solved, the rest the stub: no step with
    TensorFlow is run) and a repository that can't be cloned. Each job is a runner of its own, as on
    GitHub; the grade job's matrix comes from the plan job's output, so each job is rendered when
    the one before it has run. github.com is a folder of local repositories (git's insteadOf)."""
    if shutil.which("git") is None:
        pytest.skip("the roster's repositories are cloned with git, which is not installed")
    workflow = read_workflow(GRADE_CLASS)
    path = image(private)
    github = private / "github" / "repositories"
    student_repository(shipped_kit, github, "a-class/mnist-assignment-alice", {1, 2})
    kit = kit_files(shipped_kit, private / "sources" / "teacher")
    (kit / workflow["env"]["ROSTER"]).write_text(
        "# The class\n\na-class/mnist-assignment-alice\n  a-class/mnist-assignment-ghost\n")
    git_env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.file://{github}/.insteadOf",
               "GIT_CONFIG_VALUE_0": f"https://x-access-token:{TOKEN}@github.com/"}
    context = {"inputs": {"shards": "2"}, "secrets": {"CLASSROOM_TOKEN": TOKEN}}

    def job(name: str, job_id: str, **more) -> tuple[Runner, object]:
        runner = Runner(root=private / f"machine-{name}", repository="a-teacher/mnistkit", checkouts={None: Checkout(kit)},
                        python=Path(sys.executable), artifacts=private / "artifacts", install=INSTALL,
                        context={**context, **more}, extra_env=git_env)
        runner.prepare()
        run = runner.run(runner.render(workflow, job_id, path, GRADE_CLASS.name), timeout=600)
        assert run.code == 0, f"{name}: {run.said()}"
        return runner, run

    _, planned = job("plan", "plan")
    steps = {"plan": {"outputs": planned.outputs[by_id(workflow, "plan")["plan"]]}}
    needs = {"plan": {"outputs": {k: fill(v, {"steps": steps}) for k, v in workflow["jobs"]["plan"]["outputs"].items()}}}
    shards = value_of(workflow["jobs"]["grade"]["strategy"]["matrix"]["shard"], {"needs": needs})
    assert shards == [1, 2]
    for shard in shards:
        runner, _ = job(f"grade-{shard}", "grade", needs=needs, matrix={"shard": shard})
        assert sorted(p.name for p in (runner.workspace / "submissions").iterdir()) == ["mnist-assignment-alice", "mnist-assignment-ghost"]
    artifacts = private / "artifacts"
    assert [len((artifacts / f"shard-{n}" / "results.jsonl").read_text().splitlines()) for n in shards] == [1, 1]  # One each.
    job("merge", "merge", needs={"grade": {"result": "success"}})
    with open(artifacts / "class-report" / "gradebook.csv", newline="") as stream:
        rows = {row["Student"]: row for row in csv.DictReader(stream)}
    assert sorted(rows) == ["mnist-assignment-alice", "mnist-assignment-ghost"], rows
    alice, ghost = rows["mnist-assignment-alice"], rows["mnist-assignment-ghost"]
    assert int(alice["mnistkit total (100)"]) == get_step(1).points + get_step(2).points, alice
    assert alice["Status"] == "2 of 8 steps done", alice
    assert "no exercises/ folder" in ghost["Status"] and int(ghost["mnistkit total (100)"]) == 0, ghost
    assert (artifacts / "class-report" / "report.html").is_file()
