"""The manifest of the kit's test files: what the grader trusts.

`mnistkit/manifest.json` records, for every step, the sha256 of each test file, the names of the
tests those files hold (every one must report when the grader runs the step) and the sha256 of
the untouched stub (so the grader can say "not started" without running anything). A test file
that differs from its checksum makes the step `tampered`: it is not run and never counts as done.

Course authors (never learners) rebuild it after changing a suite or a stub:

    python -m mnistkit.grading.manifest          # rewrite mnistkit/manifest.json
    python -m mnistkit.grading.manifest --check  # exit 1 if it is out of date

A learner who has changed the manifest restores it (`git checkout -- mnistkit/manifest.json`);
rewriting it from their own files would only record their work as "the stub", and it refuses to.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.steps import STEPS, Step

MANIFEST_FILE = Path(__file__).resolve().parent.parent / "manifest.json"  # mnistkit/manifest.json


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collect_test_names(root: Path = KIT_ROOT) -> dict[int, list[str]]:
    """For every step, the test ids pytest collects from its test files (`test_file.py::test_name[param]`),
    all in one pytest process (one per step took 4.5 s)."""
    from mnistkit.engine.processes import isolated_env

    exercises = root / "exercises"
    files = [str(f) for step in STEPS for f in step.test_files(root)]
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *files, "--collect-only", "-q", "-p", "mnistkit.grading.plugin", "--noconftest",
         "-c", "/dev/null", "--rootdir", str(exercises),
         "--confcutdir", str(exercises), "--import-mode=importlib", "-p", "no:cacheprovider"],
        capture_output=True, text=True, env=isolated_env(), cwd=exercises, check=False,
    )
    names: dict[int, list[str]] = {step.number: [] for step in STEPS}
    folders = {step.folder: step.number for step in STEPS}
    for line in completed.stdout.splitlines():
        folder, _, test = line.strip().partition("/")
        if "::" in test and folder in folders:
            names[folders[folder]].append(test)
    for step in STEPS:
        if not names[step.number]:
            raise RuntimeError(f"step {step.number}: pytest collected no tests:\n{completed.stdout}{completed.stderr}")
    return names


def build_manifest(root: Path = KIT_ROOT) -> dict:
    names = collect_test_names(root)
    steps = {}
    for step in STEPS:
        steps[str(step.number)] = {
            "test_files": {f.name: sha256_of(f) for f in step.test_files(root)},
            "tests": names[step.number],
            "stub": sha256_of(step.learner_file(root=root)),
        }
    return {"schema": 1, "steps": steps}


def load_manifest(path: Path = MANIFEST_FILE) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RuntimeError(
            f"the kit's manifest {path} is missing or unreadable ({error}); restore it with "
            "`git checkout -- mnistkit/manifest.json`"
        ) from None


def tampered_files(step: Step, manifest: dict, root: Path = KIT_ROOT) -> list[str]:
    """The step's test files that are missing or changed. Files a learner adds are never run, so they don't count."""
    expected = manifest["steps"][str(step.number)]["test_files"]
    problems = []
    for name, digest in expected.items():
        path = step.exercise_dir(root) / name
        if not path.exists():
            problems.append(f"{name} is missing")
        elif not path.is_file():
            problems.append(f"{name} is a folder, not the kit's test file")
        elif sha256_of(path) != digest:
            problems.append(f"{name} was changed")
    return problems


# Said wherever the manifest may be out of date: who does what about it.
OUT_OF_DATE = (
    "mnistkit/manifest.json does not match the kit's test files and stubs. Learners: restore it with "
    "`git checkout -- mnistkit/manifest.json`; course authors (only) rewrite it with `python -m mnistkit.grading.manifest` "
    "after changing a suite or a stub"
)


USAGE = ("usage: python -m mnistkit.grading.manifest [--check]\n"
         "  rewrites mnistkit/manifest.json from the kit's test files and stubs (course authors only);\n"
         "  --check only says whether it is up to date (exit 1 if not)")


def main(argv: list[str]) -> int:
    from mnistkit.template import is_stub

    if argv not in ([], ["--check"]):
        print(USAGE)
        return 0 if argv in (["-h"], ["--help"]) else 2

    worked = [step for step in STEPS if not is_stub(step.learner_file().read_bytes(), step)] if all(
        step.learner_file().exists() for step in STEPS) else STEPS
    if worked:
        # The manifest records the shipped stubs; a learner's solved file is not one.
        print(f"exercises/{worked[0].folder}/{worked[0].file} is not an untouched stub (or is missing), so this is not the "
              "kit as shipped: the manifest is for course authors, rebuilt in the kit's own repository. "
              "Learners: `git checkout -- mnistkit/manifest.json` restores it.")
        return 1
    manifest = build_manifest()
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    if "--check" in argv:
        current = MANIFEST_FILE.read_text(encoding="utf-8") if MANIFEST_FILE.exists() else ""
        if current != text:
            print(OUT_OF_DATE)
            return 1
        print("mnistkit/manifest.json is up to date")
        return 0
    MANIFEST_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {MANIFEST_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
