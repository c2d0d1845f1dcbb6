"""Bad input gets one clear line and the right status, and loses nothing: each fault on a copy of the kit."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.kitcopy import grader, make_kit, stop_engines


@pytest.fixture
def kit(tmp_path: Path):
    root = tmp_path / "kit"
    root.mkdir()
    yield make_kit(root)
    stop_engines(root)


def solve(kit: Path, *numbers: int) -> None:
    for number in numbers:
        folder = f"step{number}"
        source = next((kit / "solutions" / folder).glob("[!t]*.py"))
        (kit / "exercises" / folder / source.name).write_text(source.read_text())


def steps_json(kit: Path, *args: str) -> dict:
    completed = grader(kit, "--json", *args)
    assert "Traceback" not in completed.stderr, completed.stderr[-2000:]
    return {s["step"]: s for s in json.loads(completed.stdout)["steps"]}


def test_a_folder_where_a_file_belongs_is_one_line_and_the_other_steps_are_graded(kit):
    solve(kit, 2)
    (kit / "exercises" / "step1" / "scaling.py").unlink()
    (kit / "exercises" / "step1" / "scaling.py").mkdir()
    (kit / "exercises" / "step2" / "test_channels.py").rename(kit / "exercises" / "step2" / "kept.py")
    (kit / "exercises" / "step2" / "test_channels.py").mkdir()
    steps = steps_json(kit, "--step", "1")
    assert steps[1]["status"] == "error" and "is a folder, not a file" in steps[1]["message"]
    steps = steps_json(kit, "--step", "2")
    assert steps[2]["status"] == "tampered" and "is a folder" in steps[2]["message"]


@pytest.mark.parametrize("state", ['{"hints": null}', '{"hints": {"1": -5}}', '[1, 2]', '{"hints": {"1": "x"}}', "\xff\xfe"])
def test_a_state_file_of_the_wrong_shape_never_stops_the_hints(kit, state):
    (kit / ".mnistkit").mkdir()
    (kit / ".mnistkit" / "state.json").write_text(state, encoding="latin-1")
    first, second = grader(kit, "--hint", "1"), grader(kit, "--hint", "1")
    assert first.returncode == 0 and "hint 1 of" in first.stdout, first.stdout + first.stderr
    assert "hint 2 of" in second.stdout and "Traceback" not in first.stderr + second.stderr


def test_compare_shows_a_file_that_is_not_utf8_and_names_a_deleted_one(kit):
    (kit / "exercises" / "step1" / "scaling.py").write_bytes(b"def scale_pixels(images):\n    return images / 255  # caf\xe9\n")
    shown = grader(kit, "--compare", "1", "--yes")
    assert shown.returncode == 0 and "\\xe9" in shown.stdout and "Traceback" not in shown.stderr
    (kit / "exercises" / "step1" / "scaling.py").unlink()
    missing = grader(kit, "--compare", "1", "--yes")
    assert missing.returncode == 1 and "is missing" in missing.stdout and "Traceback" not in missing.stderr


def test_a_damaged_mnist_file_is_the_kits_error_naming_the_file_and_the_fix(kit):
    data = kit / "mnistkit" / "data" / "mnist.npz"
    original = data.resolve().read_bytes()
    data.unlink()
    data.write_bytes(original[: len(original) // 2])  # Truncated.
    solve(kit, 3)
    step = steps_json(kit, "--step", "3")[3]
    assert step["status"] == "error", step
    assert "not your code" in step["message"] and "mnist.npz" in step["message"] and "git checkout" in step["message"], step


def test_tensorflow_missing_is_said_with_the_command_that_installs_it(kit):
    # A package named tensorflow that is not there: the kit's folder comes first on the path.
    (kit / "tensorflow").mkdir()
    (kit / "tensorflow" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'tensorflow'\", name='tensorflow')\n")
    solve(kit, 3)
    step = steps_json(kit, "--step", "3")[3]
    assert step["status"] == "error" and "TensorFlow is not installed" in step["message"] and "pip install" in step["message"], step


def test_a_python_without_the_kits_packages_is_the_kits_error_for_every_step(kit, tmp_path):
    # The grader run by a Python the kit was never installed in (a venv made and `pip install -e .`
    # forgotten, or the system's python3): no traceback and no learner's crash, but what is missing
    # and the command that installs it, for every step, with the exit code of the kit's own fault.
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=60)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}

    def run(*args):
        return subprocess.run([str(bare / "bin" / "python"), str(kit / "grader.py"), *args], cwd=kit, env=env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    graded = run("--solutions", "--json")
    assert graded.returncode == 3 and "Traceback" not in graded.stderr, (graded.returncode, graded.stderr[-2000:])
    steps = json.loads(graded.stdout)["steps"]
    assert [s["step"] for s in steps] == list(range(1, 9))
    for step in steps:
        message = step["message"]
        assert step["status"] == "error" and step["code"] == f"step{step['step']}.kit-error", step
        assert "not your code" in message and "numpy" in message and "pip install -e ." in message and "\n" not in message, step
        assert ("tensorflow" in message) == (step["step"] >= 3), step
    # The learner's plain `python grader.py` (which would start the shared warm engine): the table,
    # nothing to edit, and the one line that says what to fix.
    table = run()
    assert table.returncode == 3 and "Traceback" not in table.stderr, table.stderr[-2000:]
    assert "The kit could not grade these steps (not your code)" in table.stdout and "pip install -e ." in table.stdout
    assert "edit exercises" not in table.stdout, table.stdout


def modules_of_distributions(*names: str) -> set[str]:
    """The top-level modules of these installed distributions and of everything they require here."""
    from importlib import metadata

    from packaging.requirements import Requirement

    providers = metadata.packages_distributions()  # module -> the distributions that provide it
    wanted, seen = list(names), set()
    while wanted:
        name = wanted.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement.name)
    return {module for module, dists in providers.items()
            if any(d.lower().replace("_", "-") in seen for d in dists) and importlib.util.find_spec(module) is not None}


def test_a_learners_pytest_without_numpy_says_what_to_install(kit, tmp_path):
    # `pytest exercises/step1` from a Python that has pytest but not numpy (pytest installed alone,
    # by hand): one line that names what is missing and the command, not the plugin's traceback.
    only = tmp_path / "only-pytest"
    only.mkdir()
    for name in modules_of_distributions("pytest", "pytest-timeout"):
        spec = importlib.util.find_spec(name)
        folders = list(spec.submodule_search_locations or [])  # A package's folder; a module's file otherwise.
        source = Path(folders[0]) if folders else Path(spec.origin)
        (only / source.name).symlink_to(source)
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=60)
    site = next(bare.glob("lib/python3*/site-packages"))
    (site / "only-pytest.pth").write_text(f"{only}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}
    completed = subprocess.run([str(bare / "bin" / "python"), "-m", "pytest", "exercises/step1"], cwd=kit, env=env,
                               capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    said = completed.stdout + completed.stderr
    assert completed.returncode != 0 and "Traceback" not in said and "ModuleNotFoundError" not in said, said[-2000:]
    assert "numpy is not installed in this Python" in said and "pip install -e ." in said, said[-2000:]


def test_control_characters_in_a_learners_message_are_shown_escaped(kit):
    (kit / "exercises" / "step1" / "scaling.py").write_text(
        "def scale_pixels(images):\n    raise ValueError('\\x1b[2K\\x1b[1A1     Scale the pixels   done')\n")
    table = grader(kit, "--step", "1").stdout
    assert "\x1b[2K" not in table and "\\x1b[2K" in table, table


def test_ctrl_c_stops_the_grader_within_two_seconds_with_the_table_so_far(kit):
    solve(kit, 1, 2, 3)
    # Step 3's function takes a minute: the grader is surely in the middle of it when Ctrl-C comes.
    step3 = kit / "exercises" / "step3" / "sequential_model.py"
    step3.write_text(step3.read_text() + "\n\n_build = build_sequential_model\n\n\n"
                     "def build_sequential_model(*args, **kwargs):\n    import time\n\n    time.sleep(60)\n"
                     "    return _build(*args, **kwargs)\n")
    assert "time.sleep(60)" in step3.read_text()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen([sys.executable, str(kit / "grader.py"), "--fresh"], cwd=kit, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    time.sleep(8)  # Steps 1 and 2 take under a second each; step 3 is waiting by now.
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    stopped_after = time.monotonic() - sent
    assert process.returncode == 130 and "Stopped (Ctrl-C)" in output, output[-2000:]
    assert stopped_after < 2.0, f"took {stopped_after:.1f} s to stop"


needs_root_without_sys_admin = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or subprocess.run(["which", "setpriv"], capture_output=True).returncode,
    reason="needs root and setpriv: the sandbox changes user only when the grader is root")


@needs_root_without_sys_admin
def test_a_sandbox_that_cannot_reach_the_kits_python_is_the_kits_error_for_every_step(kit, tmp_path):
    # The kit in a folder only root may enter, graded by a root that may not make the sandbox a
    # view of it (a container started without CAP_SYS_ADMIN): nothing the learner wrote is to blame.
    tmp_path.chmod(0o700)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run(["setpriv", "--bounding-set=-sys_admin", "--", sys.executable, str(kit / "grader.py"), "--solutions", "--json"],
                               cwd=kit, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert completed.returncode == 3, (completed.returncode, completed.stderr[-2000:])
    steps = json.loads(completed.stdout)["steps"]
    assert len(steps) == 8
    for step in steps:
        assert step["status"] == "error", step
        assert step["code"] == f"step{step['step']}.kit-error", step
        message = step["message"]
        assert "\n" not in message and "not your code" in message and "chmod o+x" in message, message
        assert "os._exit" not in message, message


@needs_root_without_sys_admin
def test_a_learners_own_exit_is_still_named_in_a_private_folder(kit, tmp_path):
    # The same private folder, graded by a root that may make the view: the kit is fine, so an
    # exit is the learner's, and said as such.
    tmp_path.chmod(0o700)
    (kit / "exercises" / "step1" / "scaling.py").write_text("import os\n\ndef scale_pixels(images):\n    os._exit(1)\n")
    solve(kit, 2)
    steps = steps_json(kit, "--step", "1")
    assert steps[1]["status"] == "error" and "os._exit()" in steps[1]["message"] and "exit code 1" in steps[1]["message"], steps[1]
    assert steps[1]["code"] == "step1.crash", steps[1]
    assert steps_json(kit, "--step", "2")[2]["status"] == "done"
