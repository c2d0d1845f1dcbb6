"""The learner's function as the suites see it: `step_function("scale_pixels")` returns a
`StepFunction`, which runs each call through a runner and hands back what came out.

- `LocalRunner` calls the function in this process: the learner's own `pytest exercises/stepN`,
  where `print()` and `breakpoint()` work as usual.
- `SandboxRunner` sends the call to a sandbox process (`mnistkit.engine.sandbox`) that alone
  imports the learner's file: the grade, where the process deciding the verdict never runs
  learner code.

Both pack and unpack through `mnistkit.engine.calls`, so a check sees the same values either way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from mnistkit.engine import calls
from mnistkit.engine.bundles import Bundle, MalformedValue, read_bundle, write_bundle

SEED = 1234  # The kit's seed (mnistkit.reference.SEED), repeated here so the engine needs no Keras.
REPLY_LINE_LIMIT = 4096
FIT_LIMIT = 50  # fit() calls the judge trains for one call of a learner's function (mnistkit.engine.fitting).


class ChannelBroken(Exception):
    """The sandbox ended or broke the channel: the call has no result."""


class SandboxUnavailable(Exception):
    """The sandbox could not be set up (its user can't reach the kit's Python, say): a fault of the
    kit or its installation, before any learner code ran."""


class StepFunction:
    """Calls the learner's `name` from `file`, seeded; `.fresh()` also clears Keras's session first."""

    def __init__(self, runner: "LocalRunner | SandboxRunner", file: Path, name: str, seed: int = SEED, fresh: bool = False):
        self.runner, self.file, self.name, self.seed, self._fresh = runner, Path(file), name, seed, fresh
        self.__name__ = name

    def fresh(self, seed: int = SEED) -> "StepFunction":
        return StepFunction(self.runner, self.file, self.name, seed, fresh=True)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from mnistkit.mistakes import Mistake

        request = calls.encode_request(args, kwargs)
        try:
            reply = self.runner.call(self.file, self.name, request, self.seed, self._fresh)
            result, error, output = calls.decode_reply(reply, args, kwargs)
        except ChannelBroken as broken:  # A crash of the learner's code, not a wrong answer.
            from mnistkit.learner import LearnerCodeError

            raise LearnerCodeError(f"{self.name}() never answered: {broken}") from None
        except MalformedValue as malformed:
            raise Mistake(f"{self.name}() sent back {malformed}: return plain values (arrays, models, figures)") from None
        if output:
            sys.stdout.write(output)  # The learner's print() output, shown with the test as pytest shows it.
        if error is not None:
            raise error
        return result

    def __repr__(self) -> str:
        return f"<learner function {self.name} of {self.file.name}>"


class LocalRunner:
    """Runs the learner's function in this process (after the same encoding as a sandbox's)."""

    def call(self, file: Path, name: str, request: Bundle, seed: int, fresh: bool) -> Bundle:
        from mnistkit.learner import function_from

        try:
            function = function_from(file, name)
        except BaseException as error:  # noqa: BLE001  (a syntax error, a missing function, a stub raising at import)
            states = [None] * calls.argument_count(request)
            return Bundle({"result": None, "error": calls.describe_exception(error), "states": states, "output": ""})
        return calls.run_request(function, request, seed, fresh)

    def close(self) -> None:
        pass


class SandboxRunner:
    """One sandbox process per judge session, started at once (so its imports overlap the judge's)."""

    def __init__(self, tensorflow: bool, user: tuple[int, int] | None = None, memory: int | None = None,
                 imports: tuple[str, ...] = ()):
        self.scratch = Path(tempfile.mkdtemp(prefix="mnistkit-judge-"))
        self.outbox = self.scratch / "out"
        self.outbox.mkdir()
        self.kit = self.scratch / "kit"  # The learner's files, as the sandbox reads them (copy_of).
        from mnistkit.engine import forked

        # Where the sandbox imports the kit from: the warm engine's copy (made once), or a copy of our own.
        package = forked.KIT_COPY if forked.FORKABLE and forked.KIT_COPY is not None else self.kit
        if package == self.kit:
            forked.copy_package(self.kit)
        self.copies: dict[Path, Path] = {}
        self.count = 0
        self.served = 0  # fit() calls of the learner's code trained here (mnistkit.engine.fitting), for the judge's report.
        self.lock = threading.Lock()
        to_sandbox_r, self.to_sandbox = os.pipe()
        self.from_sandbox, from_sandbox_w = os.pipe()
        if user is not None:
            os.chown(self.outbox, *user)
            os.chmod(self.scratch, 0o755)
        command = [sys.executable, "-m", "mnistkit.engine.sandbox", "--requests", str(to_sandbox_r),
                   "--replies", str(from_sandbox_w), "--outbox", str(self.outbox)]
        if user is not None:
            # It starts as root and becomes the user itself, once it has a view of what it must read
            # (mnistkit.engine.reach): a kit installed where that user can't go still works.
            command += ["--user", f"{user[0]}:{user[1]}"]
        if tensorflow:
            command.append("--tensorflow")
        for name in imports:
            command += ["--import", name]
        # How the sandbox began, for the judge's report: "forked" from this warm judge, or "started" cold.
        self.kind = "forked" if forked.FORKABLE else "started"
        if forked.FORKABLE:  # A judge fresh from the warm engine: fork the sandbox, already warm.
            self.process = ForkedSandbox(to_sandbox_r, from_sandbox_w, self.outbox, package, user, memory,
                                         close=(self.to_sandbox, self.from_sandbox), imports=imports)
        else:
            self.process = subprocess.Popen(
                command, pass_fds=(to_sandbox_r, from_sandbox_w), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.outbox, env=sandbox_env(self.outbox, package),
                preexec_fn=lambda: _limit(memory),
            )
        os.close(to_sandbox_r)
        os.close(from_sandbox_w)
        self.replies = os.fdopen(self.from_sandbox, "rb", buffering=0)
        self.ready = False

    def await_ready(self) -> None:
        """The sandbox's first line: set up, or why not. Ending before it is the kit's fault."""
        try:
            answer = json.loads(self._read_line())
        except ChannelBroken:
            try:
                code = f"exit code {self.process.wait(timeout=2)}"
            except subprocess.TimeoutExpired:
                code = "it stopped answering"
            raise SandboxUnavailable(f"the sandbox that runs the learner's code ended before it was set up ({code})") from None
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or answer.get("ready") is not True:
            why = answer.get("unready") if isinstance(answer, dict) else None
            raise SandboxUnavailable(str(why) if why else "the sandbox sent no sign that it was set up")
        self.ready = True

    def call(self, file: Path, name: str, request: Bundle, seed: int, fresh: bool) -> Bundle:
        with self.lock:
            if not self.ready:
                self.await_ready()
            self.count += 1
            folder = self.scratch / f"in{self.count}"
            folder.mkdir()
            write_bundle(request, folder)
            os.chmod(folder, 0o755)
            message = {"n": self.count, "file": str(self.copy_of(file)), "function": name, "request": str(folder), "seed": seed, "fresh": fresh}
            try:
                os.write(self.to_sandbox, (json.dumps(message) + "\n").encode())
            except OSError:
                raise ChannelBroken(self.ended()) from None
            fits = 0
            while True:
                try:
                    answer = json.loads(self._read_line())
                except ValueError:
                    raise MalformedValue("a reply that is not the kit's (was something written to the kit's channel?)") from None
                if not (isinstance(answer, dict) and "fit" in answer and fits < FIT_LIMIT):
                    break
                fits += 1
                self._train_for_sandbox(answer["fit"], fits)
            shutil.rmtree(folder, ignore_errors=True)
            if not isinstance(answer, dict) or answer.get("n") != self.count:
                raise MalformedValue("a reply to another call")
            reply_folder = self.outbox / str(self.count)
            try:
                return read_bundle(reply_folder)
            finally:
                shutil.rmtree(reply_folder, ignore_errors=True)

    def _train_for_sandbox(self, number: Any, fits: int) -> None:
        """A plain fit() the learner's code made (mnistkit.engine.fitting): trained here, on data read as
        data, and answered with the result; or declined, and the sandbox trains it itself."""
        from mnistkit.engine import fitcalls, fitting

        path = None
        if type(number) is int and 0 < number < 1_000_000:
            sent = self.outbox / f"fit{number}"
            try:
                call = fitcalls.call_from(read_bundle(sent))
            except MalformedValue:
                call = None
            finally:
                shutil.rmtree(sent, ignore_errors=True)
            try:
                result = fitting.serve(call)
            except Exception:  # noqa: BLE001  (a model the kit can't load or train: the sandbox trains it and meets the error)
                result = None
            if result is not None:
                self.served += 1
                path = self.scratch / f"fitted{self.count}-{fits}"
                path.mkdir()
                write_bundle(fitcalls.result_bundle(result), path)
                os.chmod(path, 0o755)
        try:
            os.write(self.to_sandbox, (json.dumps({"fitted": number, "path": None if path is None else str(path)}) + "\n").encode())
        except OSError:
            raise ChannelBroken(self.ended()) from None

    def copy_of(self, file: Path) -> Path:
        """The learner's file as the sandbox reads it: a copy in the read-only kit, in a stepN folder as the original."""
        file = Path(file).resolve()
        if file not in self.copies:
            copy = self.kit / "files" / str(len(self.copies)) / Path(*file.parts[-3:])
            copy.parent.mkdir(parents=True)
            if file.is_file():
                shutil.copyfile(file, copy)
            self.copies[file] = copy
        return self.copies[file]

    def _read_line(self) -> str:
        data = b""
        while not data.endswith(b"\n"):
            chunk = self.replies.read(1)
            if not chunk:
                raise ChannelBroken(self.ended())
            data += chunk
            if len(data) > REPLY_LINE_LIMIT:
                raise MalformedValue("a reply line too long to be the kit's")
        return data.decode("utf-8", errors="replace")

    def ended(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the process running your code stopped answering"
        if code < 0:
            import signal

            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return f"the process running your code was killed by {name}" + (
                " (out of memory?)" if name == "SIGKILL" else "")
        return f"the process running your code ended (exit code {code}): is there an os._exit() or sys.exit() in it?"

    def close(self) -> None:
        for fd in (self.to_sandbox,):
            try:
                os.close(fd)
            except OSError:
                pass
        if isinstance(self.process, ForkedSandbox):
            # Every call is answered: nothing is lost by killing it, and the judge need not wait the
            # 20-30 ms its exit takes (the engine, a subreaper, reaps it once the judge has ended).
            self.process.kill()
        else:
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.replies.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class ForkedSandbox:
    """The sandbox as a fork of this (warm, still forkable) judge: set up as `sandbox.main` sets up a cold one."""

    def __init__(self, requests: int, replies: int, outbox: Path, kit: Path, user: tuple[int, int] | None,
                 memory: int | None, close: tuple[int, ...], imports: tuple[str, ...] = ()) -> None:
        self.pid = os.fork()
        if self.pid:
            return
        try:
            for fd in close:
                os.close(fd)
            devnull = os.open(os.devnull, os.O_RDWR)
            for target in (0, 1, 2):
                os.dup2(devnull, target)
            os.chdir(outbox)
            os.environ.clear()
            os.environ.update(sandbox_env(outbox, kit))
            tempfile.tempdir = None  # Read TMPDIR again: temporary files go to the outbox.
            _limit(memory)
            from mnistkit.engine import sandbox

            os.set_inheritable(requests, False)
            os.set_inheritable(replies, False)
            keep = sorted({0, 1, 2, requests, replies})
            for low, high in zip(keep, keep[1:] + [65536]):
                os.closerange(low + 1, high)  # Nothing of the judge's stays open here.
            try:
                sandbox.set_up(outbox, user, False, kit, imports)  # TensorFlow is imported already.
            except BaseException as error:  # noqa: BLE001
                sandbox.unready(replies, error)
                os._exit(70)
            sandbox.serve(requests, replies, outbox)
        finally:
            os._exit(0)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                return self.returncode
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("sandbox", timeout)
            time.sleep(0.01)

    def kill(self) -> None:
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:
            pass


def sandbox_env(home: Path, kit: Path) -> dict[str, str]:
    from mnistkit.engine.processes import isolated_env

    env = isolated_env()
    env["PYTHONPATH"] = str(kit)
    env["HOME"] = str(home)  # Keras and matplotlib write their caches under HOME,
    env["MPLCONFIGDIR"] = str(home / ".matplotlib")
    env["TMPDIR"] = str(home)  # and temporary files go there too: the one place the sandbox may write.
    return env


def _limit(memory: int | None) -> None:
    """In the sandbox before it starts: a memory ceiling."""
    import resource

    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def probe_sandbox(user: tuple[int, int] | None, timeout: float = 60) -> str | None:
    """Start a sandbox as a grade would (this user, a copy of the kit, its environment) and ask it
    only whether it can reach what the checks need; None when it can, else why not, in one line."""
    from mnistkit.engine import forked

    scratch = Path(tempfile.mkdtemp(prefix="mnistkit-probe-"))
    try:
        os.chmod(scratch, 0o755)
        home = scratch / "out"
        home.mkdir()
        if user is not None:
            os.chown(home, *user)
        forked.copy_package(scratch / "kit")
        command = [sys.executable, "-m", "mnistkit.engine.sandbox", "--probe"]
        if user is not None:
            command += ["--user", f"{user[0]}:{user[1]}"]
        try:
            done = subprocess.run(command, cwd=home, env=sandbox_env(home, scratch / "kit"), capture_output=True,
                                  text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"the sandbox that runs the learner's code could not start: {error}"
        lines = done.stdout.strip().splitlines()
        try:
            answer = json.loads(lines[-1]) if lines else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return f"the sandbox that runs the learner's code could not start (exit code {done.returncode}): {last[:300]}"
        return answer.get("problem")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
