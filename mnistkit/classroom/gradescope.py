"""`python grader.py gradescope`: the kit as a Gradescope autograder, and what grades on Gradescope.

Gradescope builds an image from a zip with `setup.sh` and `run_autograder` at its top (unpacked
in /autograder/source), then runs `run_autograder` as root for each submission, the student's
files in /autograder/submission, and shows /autograder/results/results.json. The zip holds what
grading needs of the kit as shipped (grader, package and data, step suites, stubs), never
solutions/ nor the self-test in tests/ (its correct variants are solutions too): student code
runs in that container. Grading is the kit's own: `grader.py --submission DIR --json` (or
`--notebook`), run as a teacher runs it, its JSON turned into Gradescope's. Whatever fails, a
results.json is written, since Gradescope shows nothing useful without one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mnistkit import KIT_ROOT
from mnistkit.classroom.submissions import FILE_CAP, Staged, Submission, stage
from mnistkit.steps import STEPS, get_step

SCRIPTS = Path(__file__).resolve().parent / "gradescope_files"  # setup.sh and run_autograder, for the zip's top.
ZIPPED = ("grader.py", "conftest.py", "pyproject.toml", "README.md", "mnistkit", "exercises")  # What grading reads.
SKIPPED = {"__pycache__", ".ipynb_checkpoints"}
STAMP = (1980, 1, 1, 0, 0, 0)  # Every entry's date: the same kit gives the same zip.


def kit_entries(copy: Path) -> list[tuple[str, Path]]:
    """(name in the zip, file) for the kit's files that grading needs, from a pristine copy of it."""
    entries = []
    for part in ZIPPED:
        path = copy / part
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        entries += [(p.relative_to(copy).as_posix(), p) for p in found
                    if not SKIPPED & set(p.parts) and p.suffix != ".pyc"]
    return entries


def build(out: Path, kit: Path = KIT_ROOT) -> list[int]:
    """Write the autograder zip to `out`; the steps whose shipped stub was not found (left out).

    The kit comes from `mnistkit.template.pristine_copy`, so a teacher's own solved exercises go in
    as the stubs the class received; solutions/ is never written, even from a kit that has it."""
    from mnistkit.grading.manifest import load_manifest
    from mnistkit.template import pristine_copy

    with tempfile.TemporaryDirectory(prefix="mnistkit-gradescope-") as scratch:
        copy = Path(scratch)
        missing = pristine_copy(copy, load_manifest(), root=kit)
        entries = kit_entries(copy) + [(name, SCRIPTS / name) for name in ("setup.sh", "run_autograder")]
        if any(name.split("/")[0] in ("solutions", "tests") for name, _ in entries):  # Student code runs beside these files.
            raise RuntimeError("a file of solutions/ or tests/ was about to go into the autograder zip; nothing written")
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in entries:
                info = zipfile.ZipInfo(name, STAMP)
                info.external_attr = (0o100755 if os.access(path, os.X_OK) or name.endswith(".sh") else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())  # A linked file (the data) goes in as its bytes.
        partial.replace(out)
    return [step.number for step in missing]


def main(argv: list[str]) -> int:
    """`python grader.py gradescope [--out autograder.zip]`."""
    parser = argparse.ArgumentParser(prog="python grader.py gradescope",
                                     description="Build a Gradescope autograder (a zip) from this kit, without solutions/.")
    parser.add_argument("--out", type=Path, default=Path("autograder.zip"), metavar="ZIP", help="where to write it (default autograder.zip)")
    args = parser.parse_args(argv)
    if args.out.is_dir():
        parser.error(f"--out {args.out}: that is a folder; name the zip to write")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    missing = build(args.out)
    if missing:
        print(f"warning: no stub as shipped for step {', '.join(map(str, missing))}: left out of the zip (students' files replace it)", file=sys.stderr)
    print(f"Wrote {args.out} ({args.out.stat().st_size / 1e6:.0f} MB): on Gradescope, create a Programming Assignment, "
          "then Configure Autograder -> Zip file upload -> choose it -> Update Autograder")
    return 0


# On Gradescope: run_autograder -> python -m mnistkit.classroom.gradescope --root /autograder ----------

@dataclass
class Work:
    """What a submission hands in: step files (`staged`), or else a notebook; `note` tells the student what was read."""

    staged: Staged
    notebook: Path | None
    note: str


def _walk(folder: Path, keep: Callable[[Path], bool]) -> list[Path]:
    """The files under `folder` (no link followed, none taken) that `keep(path)` wants, shallowest first."""
    found = []
    for where, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in SKIPPED and not f.startswith("."))
        found += [Path(where) / f for f in sorted(files) if keep(Path(where) / f) and not (Path(where) / f).is_symlink()]
    return sorted(found, key=lambda p: len(p.relative_to(folder).parts))


def _flat(submission: Path) -> Staged:
    """The step files by their names anywhere in the submission (uploaded one by one, or in folders of
    their own): the shallowest of each name; two at that depth are the student's to resolve."""
    staged, wanted = Staged(), {step.file: step for step in STEPS}
    found = _walk(submission, lambda p: p.name in wanted)
    for name, step in wanted.items():
        files = [p for p in found if p.name == name]
        shallowest = [p for p in files if len(p.parts) == len(files[0].parts)] if files else []
        if len(shallowest) > 1:
            listed = ", ".join(p.relative_to(submission).as_posix() for p in shallowest)
            staged.step_problems[step.number] = f"{name} is unreadable: your submission has {len(shallowest)} of them ({listed}); keep one"
        elif files and files[0].stat().st_size > FILE_CAP:
            staged.step_problems[step.number] = f"{name} is unreadable: more than the {FILE_CAP // 1_000_000} MB a step's file may have"
        elif files:
            staged.files[step.number] = files[0].read_bytes()
    return staged


def find_work(submission: Path) -> Work:
    """The step files of `exercises/stepN/` (a copy of the kit, perhaps in one top folder), else the
    files by name, else a notebook (`mnistkit.ipynb` first), else nothing (every step then missing)."""
    staged = stage(Submission("submission", submission))
    how = "your exercises/ folder"
    if staged.problem is not None:
        staged, how = _flat(submission), "your files by name"
    notebooks = _walk(submission, lambda p: p.suffix == ".ipynb")
    if staged.files or staged.step_problems:
        ignored = f" (your notebook {notebooks[0].name} was not graded: the step files were)" if notebooks else ""
        return Work(staged, None, f"Graded {how}{ignored}.")
    if notebooks:
        notebook = next((p for p in notebooks if p.name == "mnistkit.ipynb"), notebooks[0])
        return Work(staged, notebook, f"Graded your notebook {notebook.relative_to(submission).as_posix()}.")
    names = ", ".join(step.file for step in STEPS)
    return Work(staged, None, f"Nothing to grade was found in your submission: upload your step files ({names}), "
                              "your kit's exercises/ folder, or your notebook mnistkit.ipynb, then submit again.")


def grade(root: Path) -> dict:
    """Grade /autograder/submission (under `root`) with the kit in `root/source`: Gradescope's results."""
    started = time.monotonic()
    source, work = root / "source", find_work(root / "submission")
    with tempfile.TemporaryDirectory(prefix="mnistkit-gradescope-") as scratch:
        if work.notebook is not None:
            args = ["--notebook", str(work.notebook)]
        else:
            args = ["--submission", str(work.staged.write(Path(scratch)))]
        # Two steps at a time, whatever the container's cores: the memory docs/teaching.md asks for is measured so.
        args += ["--jobs", "2"]
        limit = sum(step.timeout for step in STEPS) + 300  # The grader stops each step at its own limit first.
        try:
            done = subprocess.run([sys.executable, str(source / "grader.py"), *args, "--json"], cwd=source, capture_output=True,
                                  text=True, timeout=limit, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return failure(f"the grader took more than {limit} s and was stopped")
    print(done.stderr, file=sys.stderr, end="")  # The grader's progress, for the instructor's log.
    try:
        report = json.loads(done.stdout)
    except ValueError:
        if work.notebook is not None and done.returncode == 2:  # The grader's usage error: the notebook can't be read.
            return {"score": 0, "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
                    "output": f"{work.note} It could not be read: {done.stderr.strip()[-1000:]}\nSave it again from "
                              "Jupyter, VS Code or Colab (or upload your step files instead) and submit again."}
        return failure(f"the grader ended with exit code {done.returncode} and no grade: {done.stderr.strip()[-1500:]}")
    results = convert(report, work)
    results["execution_time"] = round(time.monotonic() - started)
    return results


def convert(report: dict, work: Work) -> dict:
    """The grader's `--json` as Gradescope's results: one test per step, worth its points only when done."""
    # A step's message, whole: `message` is cut at 300 characters, the exercism-shaped `results` of an error is not.
    said = {s["step"]: s.get("results", {}).get("message") or s["message"] for s in report["steps"]}
    faults = [said[s["step"]] for s in report["steps"] if (s.get("code") or "").endswith(".kit-error")]
    if faults:
        return failure(faults[0])
    tests = []
    for entry in report["steps"]:
        step = get_step(entry["step"])
        done = entry["status"] == "done"
        codes = [entry.get("code")] + [t.get("code") for t in entry.get("results", {}).get("tests", [])]
        output = f"Done: all {entry['passed']} checks pass." if done else said[step.number] or f"{entry['status']}."
        if step.number in work.staged.step_problems:
            output, codes = work.staged.step_problems[step.number], [f"step{step.number}.missing-file"]
        elif entry.get("code") == f"step{step.number}.missing-file" and work.notebook is None:
            output = f"{step.file} is not in your submission: upload it by its name, or as exercises/{step.folder}/{step.file}."
        if not done:
            output += (f"\n\nWhat to do: exercises/{step.folder}/README.md; on your machine `python grader.py --step "
                       f"{step.number}` checks it, `python grader.py --hint {step.number}` gives a hint.")
        tests.append({"name": f"Step {step.number}: {step.title}", "number": str(step.number),
                      "score": step.points if done else 0, "max_score": step.points, "status": "passed" if done else "failed",
                      "output": output, "tags": list(dict.fromkeys(c for c in codes if c)), "visibility": "visible"})
    score, done = sum(t["score"] for t in tests), [t for t in tests if t["status"] == "passed"]
    summary = f"{len(done)} of {len(tests)} steps done: {score} of {sum(t['max_score'] for t in tests)} points. {work.note}"
    upcoming = next((get_step(int(t["number"])) for t in tests if t["status"] != "passed"), None)
    if upcoming is not None:
        summary += f" Next: step {upcoming.number}, {upcoming.title}; each step below says what to do, then submit again."
    return {"score": score, "output": summary, "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def failure(why: str) -> dict:
    """Score 0, saying what went wrong and who can fix it: the kit, never the student's work."""
    return {"score": 0, "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "output": f"The autograder could not grade this submission, which is not a fault of your work; tell your instructor. "
                      f"What went wrong: {why}\nInstructors: this submission's autograder output has the details, and the kit's "
                      "docs/teaching.md (Grading on Gradescope) the fixes; then upload the autograder again (Configure "
                      "Autograder) and Regrade All Submissions."}


def write_results(path: Path, results: dict) -> None:
    """results.json, whole or not at all (run_autograder writes its own when none is there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(results, indent=1), encoding="utf-8")
    partial.replace(path)


def run(argv: list[str]) -> int:
    """What run_autograder starts: grade the submission under --root and write its results.json."""
    parser = argparse.ArgumentParser(prog="python -m mnistkit.classroom.gradescope")
    parser.add_argument("--root", type=Path, default=Path("/autograder"), help="Gradescope's /autograder folder")
    root = parser.parse_args(argv).root
    try:
        results = grade(root)
    except Exception as error:  # noqa: BLE001  (a student still gets a results.json saying what happened)
        results = failure(f"{type(error).__name__}: {error}")
    write_results(root / "results" / "results.json", results)
    print(f"results.json: {results['score']} points" + ("" if results["tests"] else f"; {results['output']}"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
