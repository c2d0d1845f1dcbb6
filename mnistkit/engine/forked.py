"""What a judge forked from the warm engine (`mnistkit.engine.zygote`) inherits from it, read by
the judge's channel (`mnistkit.engine.channel`): whether it may still fork (`FORKABLE`), and the
engine's copy of the kit's code for its sandbox to import (`KIT_COPY`). A cold judge has neither
and copies the kit for its own sandbox (`copy_package`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

FORKABLE = False  # True in a judge freshly forked from the engine, until it runs a TensorFlow op.
# The kit's code, copied once for every sandbox forked from this engine to import from.
KIT_COPY: Path | None = None


def copy_package(kit: Path) -> None:
    """The kit's code (not its data) where the sandbox imports it from: a copy it can read, not change."""
    import mnistkit

    source = Path(mnistkit.__file__).resolve().parent
    shutil.copytree(source, kit / "mnistkit", ignore=shutil.ignore_patterns("__pycache__", "data", "*.pyc"))
    # The data is read where it is (40 MB is not copied for each check); the sandbox can't write it.
    (kit / "mnistkit" / "data").symlink_to(source / "data", target_is_directory=True)


def copy_kit() -> Path:
    """The engine's copy of the kit's code, readable by the sandbox's user; copies left by engines
    that were killed are removed."""
    for old in Path(tempfile.gettempdir()).glob("mnistkit-engine-*-*"):
        try:
            pid = int(old.name.split("-")[2])
            if old.stat().st_uid == os.getuid() and not Path(f"/proc/{pid}").exists():
                shutil.rmtree(old, ignore_errors=True)
        except (ValueError, OSError):
            pass
    folder = Path(tempfile.mkdtemp(prefix=f"mnistkit-engine-{os.getpid()}-"))
    os.chmod(folder, 0o755)
    copy_package(folder / "kit")
    return folder / "kit"
