"""`python grader.py --full`: the learner's own functions, end to end, exactly as the tutorial runs.

The grader starts this module in a fresh process (`python -m mnistkit.commands.full_run`), because it
imports TensorFlow and the grader must not. The run: load MNIST, scale, add the channel axis,
build the layer-by-layer model (step 4's: it is the model whose summary and results the tutorial
shows), compile, train 10 epochs with batch 128 and a 0.1 validation split, evaluate, predict,
confusion matrix, first-layer kernels; then the three figures and the model summary go into the
output folder. Test loss and accuracy are recomputed by the kit (`model.evaluate`), not taken from
the learner's evaluate_model, and shown beside the tutorial's.

How long it takes depends on the machine (ten epochs took 5.4 minutes on a shared 2-core one), so
no fixed figure is promised: the first epoch is timed and the rest estimated from it. Keras's
progress bar is shown on a terminal; elsewhere one plain line per epoch, without its ANSI colours.
"""

from __future__ import annotations

import os

# TensorFlow reads its log level when it is first imported, so it is set before anything imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from mnistkit import KIT_ROOT, facts  # noqa: E402

FULL_TIMEOUT = 30 * 60  # Seconds: a safety net several times the 5.4 minutes seen on a shared 2-core machine.
MODEL = "your step 4 model (build_layered_model)"
MODEL_NOTE = f"{MODEL}, the one the tutorial trains and whose summary it prints; step 3's Sequential-API model lacks only its second Dropout"

# TensorFlow's C++ start-up lines ("Could not find cuda drivers ...") are written before its log
# level is read, so TF_CPP_MIN_LOG_LEVEL can't stop them; they are filtered from the run's stderr.
_TF_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\).*|[IWE]\d{4} \d\d:\d\d:\d\d.*)$")


def _forward_stderr(stream) -> None:
    for line in iter(stream.readline, ""):
        if not _TF_NOISE.match(line.rstrip("\n")):
            sys.stderr.write(line)
            sys.stderr.flush()


def run_full(solutions: bool, out: str | None, as_json: bool, epochs: int | None = None, images: int | None = None) -> int:
    """Start the end-to-end run in its own process; print its report (or the JSON object)."""
    from mnistkit.engine.processes import run_isolated

    folder = Path(out) if out else KIT_ROOT / "mnistkit-run"
    with tempfile.TemporaryDirectory(prefix="mnistkit-full-") as scratch:
        report_path = Path(scratch) / "full.json"
        command = [sys.executable, "-m", "mnistkit.commands.full_run", "--out", str(folder.resolve()), "--report", str(report_path)]
        if solutions:
            command.append("--solutions")
        if epochs:
            command += ["--epochs", str(epochs)]
        if images:
            command += ["--images", str(images)]
        if as_json:
            # Only the JSON object may reach stdout: the run's own output is collected instead.
            run = run_isolated(command, KIT_ROOT, FULL_TIMEOUT)
            code, output, seconds = run.code, run.output, run.seconds
        else:
            # stdout goes straight to the learner's terminal (so Keras can draw its bar there).
            print(f"Training {MODEL_NOTE}.", flush=True)
            started = time.monotonic()
            process = subprocess.Popen(command, cwd=KIT_ROOT, env=_env(), stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace")
            forwarder = threading.Thread(target=_forward_stderr, args=(process.stderr,), daemon=True)
            forwarder.start()
            try:
                code = process.wait(timeout=FULL_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                code = None
            forwarder.join(timeout=5)
            output, seconds = "", time.monotonic() - started
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            ending = f" (timeout after {FULL_TIMEOUT} s)" if code is None else f" (exit code {code})"
            last = " | ".join(line.strip() for line in output.strip().splitlines()[-3:])
            report = {"error": "the run ended without a report" + ending + (f": {last}" if last else "")}
    report.setdefault("seconds", round(seconds, 2))
    report.setdefault("model", MODEL_NOTE)
    if as_json:
        print(json.dumps({"schema": 1, "target": "solutions" if solutions else "exercises", "full": report}, indent=1))
    elif "error" in report:
        print(f"\nThe full run stopped: {report['error']}")
    else:
        print(f"\nTest loss:     {report['test_loss']:.3f}   (tutorial: {facts.TEST_LOSS:.3f})")
        print(f"Test accuracy: {report['test_accuracy'] * 100:.2f}%  (tutorial: {facts.TEST_ACCURACY * 100:.2f}%)")
        print(f"{report['epochs']} epochs of {MODEL} in {report['seconds']:.1f} s; figures and summary in {folder}:")
        for figure in report["figures"] + [report["summary"]]:
            print(f"  {figure}")
    return 0 if "error" not in report else 1


def _env() -> dict[str, str]:
    from mnistkit.engine.processes import isolated_env

    return isolated_env()


def _tutorial(solutions: bool, out: Path, epochs: int, images: int | None = None) -> dict:
    """The tutorial, step by step, with the learner's functions. Returns the report."""
    import matplotlib

    matplotlib.use("Agg")
    from mnistkit.data import load_mnist
    from mnistkit.learner import load_function
    from mnistkit.reference import reset_keras
    from mnistkit.steps import get_step

    def learner(step: int, name: str):
        return load_function(get_step(step), name, solutions=solutions)

    started = time.monotonic()
    (x_train, y_train), (x_test, y_test) = load_mnist()
    if images:  # The kit's own tests: fewer training images, the same path.
        x_train, y_train = x_train[:images], y_train[:images]
    # 1. Load and prepare the data set.
    x_train = learner(2, "add_channel_axis")(learner(1, "scale_pixels")(x_train))  # (60000, 28, 28, 1)
    x_test = learner(2, "add_channel_axis")(learner(1, "scale_pixels")(x_test))  # (10000, 28, 28, 1)
    print("x_train shape:", x_train.shape)
    print("x_test shape:", x_test.shape)
    # 2. The layer-by-layer model, whose summary the tutorial prints.
    reset_keras()
    model = learner(4, "build_layered_model")(facts.INPUT_SHAPE, facts.NUM_CLASSES)
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    summary = out / "model_summary.txt"
    summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # 3. Compile and train, with the kit's timer and progress display on whatever fit the learner calls.
    model = learner(5, "compile_model")(model)
    _time_and_show_fit(epochs)
    history = learner(6, "train_model")(model, x_train, y_train, batch_size=facts.BATCH_SIZE, epochs=epochs, validation_split=facts.VALIDATION_SPLIT)
    # 4. Evaluate: the kit recomputes the score; the learner's functions make the rest.
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    learner(7, "evaluate_model")(model, x_test, y_test)
    predictions = learner(7, "predict_labels")(model, x_test)
    matrix = learner(7, "confusion_matrix")(y_test, predictions, num_classes=facts.NUM_CLASSES)
    # 5. The first layer's kernels.
    kernels = learner(8, "first_layer_kernels")(model)
    figures = []
    for name, figure in (
        ("training_history.png", learner(6, "plot_history")(history)),
        ("confusion_matrix.png", learner(7, "plot_confusion_matrix")(matrix)),
        ("conv_kernels.png", learner(8, "plot_kernels")(kernels)),
    ):
        figure.savefig(out / name, dpi=100)
        figures.append(str(out / name))
    return {
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "epochs": len(history.epoch),
        "seconds": round(time.monotonic() - started, 2),
        "figures": figures,
        "summary": str(summary),
        "tutorial": {"test_loss": facts.TEST_LOSS, "test_accuracy": facts.TEST_ACCURACY},
    }


def estimate(first_epoch: float, epochs: int) -> str:
    """What the first epoch's time says about the rest, in the learner's words."""
    if epochs <= 1:
        return f"The first epoch took {first_epoch:.0f} s on this machine; the tutorial's {facts.EPOCHS} take about {first_epoch * facts.EPOCHS / 60:.1f} min."
    rest = first_epoch * (epochs - 1)
    amount = f"{rest:.0f} s" if rest < 90 else f"{rest / 60:.1f} min"
    others = "the last one" if epochs == 2 else f"the other {epochs - 1}"
    return f"The first epoch took {first_epoch:.0f} s on this machine, so {others} should take about {amount} more."


def _time_and_show_fit(epochs: int) -> None:
    """Make every `fit` of this run time its first epoch and show progress the way the output can take it.

    The learner's train_model calls fit with its own arguments; the run needs its own callback and
    display, so Model.fit is wrapped for this process only (the full run is a process of its own).
    """
    import keras

    class FirstEpochTimer(keras.callbacks.Callback):
        # Said as the second epoch begins: by then Keras has finished the first epoch's line.
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 0:
                self.started = time.monotonic()
            elif epoch == 1:
                self.say()

        def on_train_end(self, logs=None):
            if (self.params.get("epochs") or epochs) == 1:
                self.say()

        def say(self):
            print(estimate(time.monotonic() - self.started, self.params.get("epochs") or epochs), flush=True)

    import inspect

    fit = keras.Model.fit

    def timed_fit(self, *args, **kwargs):
        call = inspect.signature(fit).bind(self, *args, **kwargs)  # The learner may pass anything positionally.
        call.arguments["callbacks"] = [*(call.arguments.get("callbacks") or []), FirstEpochTimer()]
        # A progress bar on a terminal; elsewhere Keras's one-line-per-epoch mode, which has no ANSI escapes.
        call.arguments["verbose"] = 1 if sys.stdout.isatty() else 2
        return fit(*call.args, **call.kwargs)

    keras.Model.fit = timed_fit


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnistkit.commands.full_run")
    parser.add_argument("--out", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--solutions", action="store_true")
    parser.add_argument("--epochs", type=int, default=facts.EPOCHS)
    parser.add_argument("--images", type=int, default=None, help="train on the first N training images only (the kit's tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        report = _tutorial(args.solutions, out, args.epochs, args.images)
        code = 0
    except NotImplementedError as error:
        report, code = {"error": f"a step is not started yet ({error}); the full run needs all eight"}, 1
    except Exception as error:  # noqa: BLE001  (the learner's code may raise anything)
        report, code = {"error": f"{type(error).__name__}: {error}"}, 1
    Path(args.report).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
