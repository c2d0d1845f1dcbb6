"""How long does a notebook check take? Median of repeated check cells in one warm Jupyter kernel.

    python benchmarks/notebook_checks.py [--repeats 5] [--steps 1,3,7]

A kernel of this Python starts in exercises/, runs the notebook's setup cell and each measured
step's reference solution as its code cell, then runs every check cell once to warm up (imports,
the kit's data and reference model) and `--repeats` more times. Each figure is the wall-clock time
from sending the check cell to the kernel's reply, as a learner waits for it. Needs the notebook
extra: pip install -e .[notebook]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnistkit.notebook.build import SETUP, code_cell_of  # noqa: E402
from mnistkit.steps import get_step  # noqa: E402


def run(client, code: str) -> tuple[float, str]:
    """(seconds to the reply, the text shown) of one cell."""
    shown: list[str] = []

    def keep(message: dict) -> None:
        if message["msg_type"] in ("execute_result", "display_data"):
            shown.append(message["content"]["data"].get("text/plain", ""))
        elif message["msg_type"] == "error":
            shown.append(f"{message['content']['ename']}: {message['content']['evalue']}")

    started = time.perf_counter()
    client.execute_interactive(code, timeout=600, output_hook=keep)
    return time.perf_counter() - started, "\n".join(shown)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", default="1,3,7")
    args = parser.parse_args()
    from jupyter_client.manager import start_new_kernel

    steps = [get_step(int(n)) for n in args.steps.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "kernels" / "mnistkit-bench"
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "bench", "language": "python"}))
        import os

        os.environ["JUPYTER_PATH"] = scratch
        manager, client = start_new_kernel(kernel_name="mnistkit-bench", cwd=str(ROOT / "exercises"))
        try:
            run(client, SETUP)
            for step in steps:
                run(client, code_cell_of(step.learner_file(solutions=True)))
            for step in steps:
                seconds, text = run(client, f"check({step.number})")
                print(f"step {step.number} warm-up: {seconds:.2f} s: {text.splitlines()[0] if text else '(nothing shown)'}")
            for step in steps:
                times = []
                for _ in range(args.repeats):
                    seconds, text = run(client, f"check({step.number})")
                    assert "done" in text, text
                    times.append(seconds)
                print(f"step {step.number}: median {statistics.median(times):.2f} s of {args.repeats} "
                      f"({', '.join(f'{t:.2f}' for t in times)})")
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
