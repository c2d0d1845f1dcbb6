"""Who the sandbox runs as, and how it reaches what it needs wherever the kit is installed.

Run by root (CI, a container, a teacher's server), the grader runs the learner's code as the
unprivileged user `nobody`, so that the file system's own permissions keep it away from the kit,
the results cache and everything else root owns, even where Landlock is missing.

But `nobody` must still read the interpreter, its standard library, the venv's site-packages, the
kit's copy and its data. A kit cloned into a folder only root may enter (`mktemp -d` makes one of
mode 0700; so is `/root`) hides all of that from it. Three ways out were weighed:
- changing the teacher's folders (`chmod`, ACLs): it changes what every other user may see, and
  the kit has no business doing that;
- a capability such as CAP_DAC_READ_SEARCH: it lets the sandbox read *every* file on the machine,
  and open_by_handle_at() with it has let containers be escaped;
- a private view: the sandbox gets its own mount namespace in which each folder it can't pass is
  covered by an empty, root-owned folder (tmpfs, mode 0711: it may pass, not list or write), into
  which only the entries on the way to what it needs are bound back. Paths stay the same, so
  `sys.path`, module files and shared libraries load as they would; every file keeps its owner and
  mode, so nothing becomes writable; siblings (`/root/.ssh`, the solutions) stay out of sight; and
  once it is `nobody` it has no right to mount or unmount anything. This is the way taken.

The view needs root's CAP_SYS_ADMIN (a bare machine, `sudo` on a CI runner; not a Docker container
started without it). Where it can't be had, `Unreachable` names the folder and the fix, and the
grader says so for every step as a fault of the installation, never of the learner's code.
When every needed folder is reachable already (the usual case), no namespace is made at all.
"""

from __future__ import annotations

import ctypes
import os
import stat
import sys
from pathlib import Path

NOBODY = (65534, 65534)  # uid and gid of `nobody` on Debian, Ubuntu, Fedora and Alpine.

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_REC, _MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18


class Unreachable(Exception):
    """The sandbox's user can't reach something it needs, and no view of it can be made here."""


def sandbox_user() -> tuple[int, int] | None:
    """(uid, gid) the learner's code runs as: `nobody` when the grader is root; None keeps the user.

    MNISTKIT_SANDBOX_AS_SELF=1 keeps root, for the kit's own tests of the confinement that a
    learner's laptop (no root) relies on."""
    if os.name != "posix" or os.geteuid() != 0 or os.environ.get("MNISTKIT_SANDBOX_AS_SELF") == "1":
        return None
    return NOBODY


def needed_paths(extra: list[Path]) -> list[Path]:
    """What the sandbox reads: the interpreter, its library, every folder on `sys.path`, and `extra`.

    A checkout of the kit on `sys.path` (the kit's root, put there by an install or PYTHONPATH) is
    left out: the sandbox imports its own copy of the kit's code, and the kit's root holds the
    solutions and the tests."""
    paths = [Path(sys.executable).resolve().parent, Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)]
    for entry in sys.path:
        folder = Path(entry or ".").absolute()
        if folder.is_dir() and not ((folder / "grader.py").is_file() and (folder / "mnistkit").is_dir()):
            paths.append(folder)
    for path in extra:
        paths += hops(Path(path))
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            # A link stays a link (in its real folder): following it passes where it lies, too.
            real = path.parent.resolve(strict=True) / path.name if path.is_symlink() else path.resolve(strict=True)
        except OSError:
            continue
        seen.setdefault(str(real), real)
    return list(seen.values())


def hops(path: Path, limit: int = 40) -> list[Path]:
    """`path` and every link on the way to what it names (a copy's data file may link to another
    copy's, which links to the kit's): each must be reachable for the last to be read."""
    found = [path]
    while path.is_symlink() and len(found) < limit:
        path = path.parent / os.readlink(path)
        found.append(path)
    return found


def can_pass(folder: Path, user: tuple[int, int]) -> bool:
    """Whether `user` (with no supplementary groups) may pass through `folder`."""
    info = folder.stat()
    if info.st_uid == user[0]:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid == user[1]:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def blocked(paths: list[Path], user: tuple[int, int]) -> dict[Path, set[str]]:
    """{folder the user can't pass: the names inside it that lead to `paths`}, for real paths."""
    found: dict[Path, set[str]] = {}
    for path in paths:
        for ancestor in reversed(path.parents):
            if not can_pass(ancestor, user):
                found.setdefault(ancestor, set()).add(path.relative_to(ancestor).parts[0])
    return found


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def open_view(folders: dict[Path, set[str]]) -> None:
    """In a mount namespace of this process's own, cover each folder with an empty one that
    anybody may pass, and bind back only the named entries (shallowest folder first, so a
    blocked folder inside a blocked folder is covered after its parent was)."""
    libc = _libc()
    _call(libc.unshare(_CLONE_NEWNS), "unshare")
    # Nothing mounted here may show outside (systemd makes "/" a shared mount).
    _call(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    for folder in sorted(folders, key=lambda f: len(f.parts)):
        original = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            _call(libc.mount(b"tmpfs", bytes(folder), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0711,size=64k"),
                  f"mount a view over {folder}")
            for name in sorted(folders[folder]):
                source = f"/proc/self/fd/{original}/{name}"  # The entry under the folder as it was.
                target = folder / name
                if os.path.islink(source):
                    os.symlink(os.readlink(source), target)
                    continue
                if os.path.isdir(source):
                    target.mkdir(mode=0o711)
                else:
                    target.touch(mode=0o600)
                _call(libc.mount(source.encode(), bytes(target), None, _MS_BIND | _MS_REC, None), f"bind {target}")
        finally:
            os.close(original)


def become(user: tuple[int, int], extra: list[Path]) -> None:
    """Turn this process into `user`, first opening a view of whatever it needs and can't reach.

    Raises Unreachable, naming the folder and the fix, where the view can't be made."""
    folders = blocked(needed_paths(extra), user)
    if folders:
        try:
            open_view(folders)
        except OSError as error:
            first = min(folders, key=lambda f: len(f.parts))
            mode = stat.filemode(first.stat().st_mode)
            raise Unreachable(
                f"the sandbox's user (nobody: the grader runs as root) can't enter {first} ({mode}), and this "
                f"system won't let the kit give it a view ({error.strerror}: no CAP_SYS_ADMIN?); fix: `chmod o+x "
                f"{first}`, or install the kit where others may enter, or grade as another user") from None
    os.setgroups([])
    os.setgid(user[1])
    os.setuid(user[0])
