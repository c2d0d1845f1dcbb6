"""Versions: `kit_fingerprint`, which changes whenever the kit's machinery does, and the version guard: say once, plainly, when TensorFlow or Keras differ from the versions the kit's
thresholds were measured on (mnistkit.facts.MEASURED_ON). It reads package metadata only, so it
costs no TensorFlow import."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version

from mnistkit import KIT_ROOT, __version__

from mnistkit.facts import MEASURED_ON


def version_note() -> str | None:
    """One sentence when an installed version differs from MEASURED_ON (major.minor), else None."""
    differ = []
    for package, measured in MEASURED_ON.items():
        try:
            installed = version(package)
        except PackageNotFoundError:
            continue  # Missing TensorFlow is said by the steps that need it, in their own words.
        if ".".join(installed.split(".")[:2]) != measured:
            differ.append(f"{package} {installed} (measured on {measured})")
    if not differ:
        return None
    return ("Note: this kit's thresholds were measured on "
            + " and ".join(f"{p} {v}" for p, v in MEASURED_ON.items())
            + f"; here you have {', '.join(differ)}. Checks should still agree, but a borderline "
            "training accuracy or timing may differ.")


def kit_fingerprint() -> str:
    """Changes whenever the kit's machinery changes, so cached results of an older kit are not reused."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted((KIT_ROOT / "mnistkit").rglob("*.py")) + [KIT_ROOT / "mnistkit" / "steps.toml", KIT_ROOT / "mnistkit" / "manifest.json"]:
        if path.exists():
            digest.update(str(path.relative_to(KIT_ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()
