"""Grades nobody can forge: a determined learner's tricks, each tried on a copy of the kit.

Every trick lives only in the learner's own `exercises/stepN/<file>` (the one file a teacher can't
restore), and every one of them once got a wrong or empty step graded `done`. Now the verdict is
decided by a judge process that never runs learner code, the learner's code runs in a sandbox
that can write nowhere but its scratch folder, and every process it starts dies with the step.
Each test checks that the step is not graded `done`, that no process the trick started is still
alive afterwards, and that the kit's own files are unchanged.

Run as root (like CI) the sandbox runs as the user nobody besides; the step-1 tricks are also tried
with the sandbox kept as the grader's own user (MNISTKIT_SANDBOX_AS_SELF=1), as on a learner's
laptop, where only Landlock confines it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from tests.kitcopy import grader, make_kit

TOKEN = "mnistkit-honesty-probe"  # In the command line of every process a trick starts.

# The grader's report, forged: every expected test of step 1 "passed".
FORGE_REPORT = '''
import json, os
from mnistkit.grading.manifest import load_manifest

def _forge():
    names = load_manifest()["steps"]["1"]["tests"]
    tests = [{"name": n.split("::")[-1], "nodeid": n, "step": 1, "status": "pass", "message": "", "output": ""} for n in names]
    text = json.dumps({"exitstatus": 0, "tests": tests, "tensorflow_imported": False})
    for pid in (os.getppid(), os.getpid()):
        try:
            args = open(f"/proc/{pid}/cmdline").read().split("\\0")
        except OSError:
            continue
        if "--mnistkit-report" in args:
            target = args[args.index("--mnistkit-report") + 1]
            for path in ([f"/proc/{pid}/fd/{target[3:]}", f"/proc/self/fd/{target[3:]}"] if target.startswith("fd:") else [target]):
                try:
                    with open(path, "w") as handle:
                        handle.write(text)
                except OSError:
                    pass
    os._exit(0)

_forge()

def scale_pixels(images):
    return images
'''

# The kit's tests replaced in place: test functions found through gc, pytest's runtest patched.
REPLACE_TESTS = '''
import gc

def _noop(*args, **kwargs):
    return None

def _blind():
    try:
        import _pytest.python
        _pytest.python.Function.runtest = lambda self: None
    except Exception:
        pass
    for found in gc.get_objects():
        if callable(found) and getattr(found, "__name__", "").startswith("test_") and hasattr(found, "__code__"):
            try:
                found.__code__ = _noop.__code__
            except Exception:
                pass

_blind()

def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    _blind()
    return None
'''

# The kit's check helpers replaced in sys.modules, so that nothing is ever found wrong.
PATCH_CHECKS = '''
import sys

def _patch():
    for name, module in list(sys.modules.items()):
        if name.startswith("mnistkit"):
            for attribute in ("check", "mistake", "fail", "verify"):
                if hasattr(module, attribute):
                    setattr(module, attribute, lambda *args, **kwargs: None)
            if hasattr(module, "is_compiled"):
                module.is_compiled = lambda model: True

_patch()

def compile_model(model):
    _patch()
    return model
'''

# The running suite replaced by itself on the reference solutions (os.execv with --solutions).
EXEC_SOLUTIONS = '''
import os, sys

def _again():
    for pid in (os.getppid(), os.getpid()):
        try:
            args = open(f"/proc/{pid}/cmdline").read().split("\\0")[:-1]
        except OSError:
            continue
        if any("pytest" in part for part in args) and "--solutions" not in args:
            os.execv(args[0], args + ["--solutions"])

_again()

def build_sequential_model(input_shape=(28, 28, 1), num_classes=10):
    _again()
    return None
'''

# `done` written into the grader's results cache, keyed as the grader keys it, by a helper
# process that runs the real kit's own code (found from the judge's working folder).
FORGE_CACHE = '''
import os, subprocess, sys
from pathlib import Path

def _forge():
    try:
        root = Path(os.readlink(f"/proc/{os.getppid()}/cwd")).parents[1]
    except OSError:
        return
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from mnistkit.grading.results import ResultCache, StepResult, cache_key;"
        "from mnistkit.steps import STEPS;"
        "cache = ResultCache();"
        "[cache.put(f'exercises/{s.folder}', cache_key(s, False), StepResult(s.number, s.title, 'done', passed=99)) for s in STEPS]"
    )
    subprocess.run([sys.executable, "-c", code, str(root), "TOKEN"], cwd=root, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

_forge()

def scale_pixels(images):
    return images
'''.replace("TOKEN", TOKEN)

# Processes that leave the step's process group and session, then try to poison the kit for the
# steps graded after this one.
ESCAPE = '''
import os, subprocess, sys
from pathlib import Path

try:
    ROOT = Path(os.readlink(f"/proc/{os.getppid()}/cwd")).parents[1]
except OSError:
    ROOT = Path(".")
LOOP = (
    "import sys, time\\n"
    "while True:\\n"
    "    time.sleep(0.1)\\n"
    "    for name in ('reference.py', 'checks.py'):\\n"
    "        try:\\n"
    "            open(sys.argv[1] + '/mnistkit/' + name, 'a').write('\\\\nraise SystemExit(0)\\\\n')\\n"
    "        except OSError:\\n"
    "            pass\\n"
)

def _escape():
    subprocess.Popen([sys.executable, "-c", LOOP, str(ROOT), "TOKEN"], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", LOOP, str(ROOT), "TOKEN"])
        os._exit(0)

_escape()

def build_layered_model(input_shape=(28, 28, 1), num_classes=10):
    return None
'''.replace("TOKEN", TOKEN)


def survivors() -> list[str]:
    """Command lines of live processes that a trick started."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if TOKEN in cmdline and state != "Z" and "pytest" not in cmdline:
                found.append(cmdline)
    return found


def kit_digest(kit: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((kit / "mnistkit").rglob("*.py")) + sorted(kit.glob("exercises/*/test_*.py")):
        digest.update(str(path.relative_to(kit)).encode() + path.read_bytes())
    return digest.hexdigest()


def graded(kit: Path, step: int, env: dict[str, str]) -> dict:
    completed = grader(kit, "--step", str(step), "--json", env=env)
    assert completed.stdout.strip(), f"the grader printed no JSON: {completed.stderr[-2000:]}"
    return json.loads(completed.stdout)["steps"][0]


def left_clean(kit: Path, before: str) -> None:
    """What every trick must leave: no process it started alive, and the kit's own files unchanged."""
    time.sleep(0.5)  # Anything left would have had time to act.
    assert not survivors(), f"processes started by the learner's code outlived the grader: {survivors()}"
    assert kit_digest(kit) == before, "the kit's own files changed while the step was graded"


def attempt(tmp_path: Path, step: int, file: str, source: str, env: dict[str, str] | None = None) -> tuple[Path, dict]:
    """Grade the trick `source` as the learner's step file, and check what every trick must leave."""
    (tmp_path / "kit").mkdir()
    kit = make_kit(tmp_path / "kit")
    (kit / "exercises" / f"step{step}" / file).write_text(source)
    before = kit_digest(kit)
    result = graded(kit, step, env or {})
    assert result["status"] != "done", f"the trick was graded done: {result}"
    left_clean(kit, before)
    return kit, result


# Tricks in steps with TensorFlow, handed in together in one kit and graded as a whole kit is
# (`grader.py --json`): the grader's own warm engine forks each step's judge, and the escape of
# step 4 tries to poison the kit before step 5 is graded. (The one-step tricks above and below go
# through cold judges.)
TRICKS = {3: ("sequential_model.py", REPLACE_TESTS), 4: ("layered_model.py", ESCAPE), 5: ("compile_model.py", PATCH_CHECKS)}


@pytest.fixture(scope="module")
def tricked(tmp_path_factory) -> dict[int, dict]:
    """Each step's result in the grade of the kit holding TRICKS, once it is checked to be left clean."""
    kit = make_kit(tmp_path_factory.mktemp("kit"))
    for step, (file, source) in TRICKS.items():
        (kit / "exercises" / f"step{step}" / file).write_text(source)
    before = kit_digest(kit)
    completed = grader(kit, "--json")
    assert completed.stdout.strip(), f"the grader printed no JSON: {completed.stderr[-2000:]}"
    results = {s["step"]: s for s in json.loads(completed.stdout)["steps"]}
    left_clean(kit, before)
    return results


confinements = pytest.mark.parametrize("env", [
    pytest.param({}, id="ci" if os.geteuid() == 0 else "laptop"),
    *([pytest.param({"MNISTKIT_SANDBOX_AS_SELF": "1"}, id="laptop")] if os.geteuid() == 0 else []),
])


@confinements
def test_a_forged_report_and_an_early_exit_are_not_a_pass(tmp_path, env):
    _, result = attempt(tmp_path, 1, "scaling.py", FORGE_REPORT, env)
    assert result["status"] == "error" and "ended" in result["message"], result


def test_replacing_the_test_functions_changes_nothing_the_judge_runs(tricked):
    assert tricked[3]["status"] in ("failing", "error"), tricked[3]


def test_patching_the_kits_checks_patches_only_the_learners_copy(tricked):
    assert tricked[5]["status"] != "done" and "uncompiled" in tricked[5]["message"], tricked[5]


def test_processes_that_leave_the_session_die_with_the_step(tricked):
    assert tricked[4]["status"] != "done", tricked[4]  # And none outlived the grade (the fixture checks).


def test_running_the_suite_again_on_the_solutions_is_not_a_grade(tmp_path):
    attempt(tmp_path, 3, "sequential_model.py", EXEC_SOLUTIONS)


@confinements
def test_done_written_into_the_results_cache_is_never_read_back(tmp_path, env):
    kit, _ = attempt(tmp_path, 1, "scaling.py", FORGE_CACHE, env)
    table = grader(kit, env=env)
    assert "0 of 8 steps done" in table.stdout, table.stdout
    cache = kit / ".mnistkit" / "results.json"
    assert not cache.exists() or '"passed": 99' not in cache.read_text()


def test_a_submission_is_graded_with_the_kits_tests_and_grader_never_its_own(tmp_path):
    """The Classroom workflow's way: the kit from the pinned template, only the learner's files from the submission."""
    kit, submission = (tmp_path / "kit"), (tmp_path / "submission")
    kit.mkdir()
    submission.mkdir()
    make_kit(kit)
    make_kit(submission)
    solved = (kit / "solutions" / "step1" / "scaling.py").read_text()
    (submission / "grader.py").write_text("import sys\nsys.exit(0)\n")
    (submission / "exercises" / "step1" / "test_scaling.py").write_text("def test_scaled_pixels_are_float32():\n    pass\n")
    (submission / "exercises" / "step1" / "scaling.py").write_text(solved.replace("255", "256"))
    (submission / "exercises" / "step2" / "channels.py").write_text((kit / "solutions" / "step2" / "channels.py").read_text())
    completed = grader(kit, "--submission", str(submission), "--step", "1", "--json")
    wrong = json.loads(completed.stdout)["steps"][0]
    assert wrong["status"] == "failing" and "not 256" in wrong["message"], wrong
    right = json.loads(grader(kit, "--submission", str(submission), "--step", "2", "--json").stdout)["steps"][0]
    assert right["status"] == "done", right


def test_training_results_forged_into_the_machines_cache_are_never_read_by_a_grade(tmp_path):
    """`pytest exercises/stepN` runs the learner's code unconfined, so it can write the per-machine
    cache of the kit's training (mnistkit/memo.py). A model that doesn't learn, its remembered
    accuracy forged to 99 %, fools the learner's own loop, never a grade that counts."""
    import shutil
    import subprocess
    import sys

    import numpy as np

    kit = tmp_path / "kit"
    kit.mkdir()
    make_kit(kit)
    shutil.copy(Path(__file__).parent / "variants" / "step3" / "wrong_zeros_initializer.py",
                kit / "exercises" / "step3" / "sequential_model.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
        "MNISTKIT_CACHE": str(tmp_path / "cache"), "MNISTKIT_COLD": "1"}

    def own_loop() -> str:
        return subprocess.run([sys.executable, "-m", "pytest", "exercises/step3", "-q"], cwd=kit, env=env,
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL).stdout

    assert "doesn't learn" in own_loop()
    entries = list((tmp_path / "cache" / "learns").glob("*.npz"))
    assert len(entries) == 1, entries
    with np.load(entries[0], allow_pickle=False) as archive:
        digest = str(archive["digest"])
    np.savez(entries[0], digest=np.array(digest), accuracy=np.array(0.99))
    assert "step 3 done" in own_loop()  # The forge reaches what reads the cache: this test can fail.

    graded = json.loads(grader(kit, "--json", "--step", "3", env=env).stdout)["steps"][0]
    assert graded["status"] == "failing" and "doesn't learn" in graded["message"], graded
