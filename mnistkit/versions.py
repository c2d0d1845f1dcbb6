"""The version guard: say once, plainly, when TensorFlow or Keras differ from the versions the kit's
thresholds were measured on (mnistkit.facts.MEASURED_ON). It reads package metadata only, so it
costs no TensorFlow import."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

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
