"""One student's submission (a folder, a git clone or a `.zip`) as a clean folder of learner files.

Only the eight files a learner writes (`exercises/stepN/<file>` of mnistkit/steps.toml) are ever
taken from a submission, copied into a scratch folder that the grader's `--submission` reads;
the kit's own files always come from the teacher's copy. Nothing of an archive is extracted but
those files, each read with a size cap, so a path with `..`, an absolute path, a symbolic link or
a zip bomb can't reach anything. A submission that can't be read at all becomes a `problem` (one
row of the gradebook); a single unreadable file becomes a problem of its step only.
"""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mnistkit.steps import STEPS

FILE_CAP = 1_000_000  # Bytes a learner file may have; the reference files are a few kilobytes.
ZIP_ENTRIES_CAP = 100_000  # Entries an archive may list; a repository of the kit has a few hundred.


@dataclass
class Submission:
    name: str  # The student, as the gradebook shows them: the folder's or the zip's name.
    source: Path


@dataclass
class Staged:
    """What grading a submission needs: its learner files (in `files`), or why there are none."""

    files: dict[int, bytes] = field(default_factory=dict)  # Step number -> the learner file's bytes.
    step_problems: dict[int, str] = field(default_factory=dict)  # Step number -> why its file can't be used.
    problem: str | None = None  # Why the whole submission can't be graded.

    def key(self, kit: str) -> str:
        """Changes exactly when the learner's files (or the kit grading them) change."""
        digest = hashlib.sha256(kit.encode())
        if self.problem is not None:
            digest.update(b"problem:" + self.problem.encode())
        for step in STEPS:
            digest.update(f"\0step{step.number}\0".encode())
            digest.update(self.files.get(step.number, b"<missing>"))
            digest.update(self.step_problems.get(step.number, "").encode())
        return digest.hexdigest()

    def write(self, folder: Path) -> Path:
        """The learner files as `folder/exercises/stepN/<file>`, readable by the sandbox's user."""
        folder.chmod(0o755)  # The sandbox may run as nobody (grading as root, as in CI).
        (folder / "exercises").mkdir(exist_ok=True)  # Even with no file at all: each step is then "missing".
        for step in STEPS:
            if step.number in self.files:
                target = step.exercise_dir(folder) / step.file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self.files[step.number])
        for path in [folder / "exercises", *folder.glob("exercises/*"), *folder.glob("exercises/*/*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        return folder


def find_submissions(paths: list[Path]) -> list[Submission]:
    """One submission per path, named after it; a name given twice gets `#2`, `#3`, ..."""
    seen: dict[str, int] = {}
    found = []
    for path in paths:
        name = path.name[:-4] if path.name.lower().endswith(".zip") else path.name
        name = name or str(path)
        seen[name] = seen.get(name, 0) + 1
        found.append(Submission(name if seen[name] == 1 else f"{name}#{seen[name]}", path))
    return sorted(found, key=lambda s: s.name)


def class_folder(path: Path) -> list[Path] | None:
    """The submissions inside `path` when it is a folder of them rather than one (`class downloads/`
    meant as `class downloads/*`), else None.

    It is such a folder when it has no `exercises/` folder of its own but holds a `.zip` or at
    least two folders that look like a student's copy of the kit (with `exercises/`, or one top
    folder holding it). A single such folder stays one submission: `_from_folder` reads a
    download's top folder. Its entries are then taken as the shell's `downloads/*` lists them (all
    but the hidden ones), so what can't be graded is a row saying why, as it would be there."""
    if path.is_symlink() or not path.is_dir() or (path / "exercises").is_dir():
        return None
    try:
        entries = sorted(entry for entry in path.iterdir() if not entry.name.startswith("."))
    except OSError:
        return None
    zips = [e for e in entries if e.is_file() and e.name.lower().endswith(".zip")]
    folders = [e for e in entries if e.is_dir() and not e.is_symlink() and _looks_like_kit(e)]
    return entries if zips or len(folders) >= 2 else None


def _looks_like_kit(folder: Path) -> bool:
    """`folder/exercises/`, or `folder/<top folder>/exercises/`: what `_from_folder` reads."""
    try:
        return (folder / "exercises").is_dir() or any((child / "exercises").is_dir() for child in folder.iterdir())
    except OSError:
        return False


def stage(submission: Submission) -> Staged:
    """Read the learner files of one submission, never raising for what a student handed in."""
    path = submission.source
    try:
        if path.is_symlink():
            return Staged(problem=f"{path.name} is a symbolic link; hand in the folder or the zip itself")
        if path.is_dir():
            return _from_folder(path)
        if not path.exists():
            return Staged(problem=f"{path} does not exist")
        if not path.is_file() or not path.name.lower().endswith(".zip"):
            return Staged(problem=f"{path.name} is neither a folder nor a .zip file")
        if not zipfile.is_zipfile(path):
            return Staged(problem=f"{path.name} is not a zip archive (damaged, or another format renamed .zip)")
        return _from_zip(path)
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError) as error:
        return Staged(problem=f"{path.name} can't be read: {type(error).__name__}: {error}")


def _from_folder(root: Path) -> Staged:
    """`root/exercises/`, or `root/<one folder>/exercises/` (an archive's or a download's top folder)."""
    candidates = [root] if (root / "exercises").is_dir() else [c for c in sorted(root.iterdir()) if (c / "exercises").is_dir()]
    if len(candidates) != 1:
        return Staged(problem="no exercises/ folder" + (" (several found)" if candidates else "")
                      + ": expected a copy of the kit with the student's exercises/stepN files")
    base, staged = candidates[0].resolve(), Staged()
    for step in STEPS:
        shown, file = f"exercises/{step.folder}/{step.file}", step.exercise_dir(candidates[0]) / step.file
        if not file.exists() and not file.is_symlink():
            continue  # Graded as missing.
        if file.is_symlink() or not file.resolve().is_relative_to(base):
            staged.step_problems[step.number] = f"{shown} is unreadable: a symbolic link, not a file"
        elif not file.is_file():
            staged.step_problems[step.number] = f"{shown} is unreadable: not a regular file"
        elif file.stat().st_size > FILE_CAP:
            staged.step_problems[step.number] = _too_big(shown, file.stat().st_size)
        else:
            staged.files[step.number] = file.read_bytes()
    return staged


_LEARNER_FILE = re.compile(r"^(.*?)exercises/step(\d+)/([^/]+)$")


def _from_zip(path: Path) -> Staged:
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        if len(entries) > ZIP_ENTRIES_CAP:
            return Staged(problem=f"{path.name} lists {len(entries)} entries, more than the {ZIP_ENTRIES_CAP} allowed")
        wanted = {(step.number, step.file) for step in STEPS}
        found: dict[str, dict[int, zipfile.ZipInfo]] = {}  # Prefix (top folder) -> step -> entry.
        for entry in entries:
            name = entry.filename
            if name.startswith("/") or "\\" in name or ".." in PurePosixPath(name).parts:
                continue  # Never a learner file of the kit; and never extracted anywhere.
            match = _LEARNER_FILE.match(name)
            if match and (int(match.group(2)), match.group(3)) in wanted and match.group(1).count("/") <= 1:
                found.setdefault(match.group(1), {})[int(match.group(2))] = entry
        if not found:
            return Staged(problem=f"no exercises/ folder in {path.name}: expected a zip of the kit with the student's exercises/stepN files")
        prefix = min(found, key=lambda p: (p.count("/"), p))
        staged = Staged()
        for number, entry in found[prefix].items():
            shown = entry.filename[len(prefix):]
            if stat.S_ISLNK(entry.external_attr >> 16):
                staged.step_problems[number] = f"{shown} is unreadable: a symbolic link, not a file"
            elif entry.file_size > FILE_CAP:
                staged.step_problems[number] = _too_big(shown, entry.file_size)
            else:
                try:
                    with archive.open(entry) as stream:
                        data = stream.read(FILE_CAP + 1)  # The header's size may lie.
                except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
                    staged.step_problems[number] = f"{shown} is unreadable in the archive: {type(error).__name__}: {error}"
                    continue
                if len(data) > FILE_CAP:
                    staged.step_problems[number] = _too_big(shown, len(data))
                else:
                    staged.files[number] = data
        return staged


def _too_big(shown: str, size: int) -> str:
    return f"{shown} is unreadable: {size / 1e6:.1f} MB, more than the {FILE_CAP // 1_000_000} MB a step's file may have"
