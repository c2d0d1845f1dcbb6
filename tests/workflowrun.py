"""The kit's GitHub workflows run here as a GitHub runner would run them (tests/test_workflows.py).

`read_yaml` reads the two workflow files. PyYAML is no dependency of the kit, so this is a small
reader of the YAML they are written in (block mappings and sequences, plain and quoted scalars,
`|` block scalars, comments); anything else (flow collections, anchors, tags, tabs, continued
scalars, a key given twice) is refused with its line, never guessed at. Every scalar stays a
string, as a workflow's inputs are.

`Runner.render` turns one job into one bash script, step by step, in the runner's own terms: the
workspace at home/runner/work/<repo>/<repo>, `$RUNNER_TEMP`, `$GITHUB_ENV` / `$GITHUB_PATH` /
`$GITHUB_OUTPUT` files that later steps read, each `${{ ... }}` replaced before the step runs
(only the expressions these files use are understood; any other fails the test with its text),
and a local stand-in for each `uses:` action:

- actions/checkout: a copy of a folder the test prepared for that repository (and ref);
- actions/setup-python: puts the test's stand-in interpreter on `$GITHUB_PATH`;
- classroom-resources/autograding-command-grader: `command` run as that action runs it
  (`execSync`: /bin/sh in the workspace, an environment of PATH, HOME and three constants only,
  the step's timeout), its exit code recorded; the action itself never fails the job;
- classroom-resources/autograding-grading-reporter: nothing (it adds up the graders' outputs,
  which its `env:` reads; the test reads their exit codes instead);
- actions/upload-artifact, actions/download-artifact: a copy into and out of a local store.

Each step is started by `launch` (this file, run as a script), which gives it the environment a
runner would. A step's shell is what GitHub uses when a workflow names none, `bash -e`; a failing
`run:` step ends the job there. `steps.<id>.outputs` are known only once steps have run: the test
reads them from the finished job (for a job's `outputs:`); in a step they are refused.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


# Reading the YAML --------------------------------------------------------------------------------

class YamlError(ValueError):
    pass


_KEY = re.compile(r"""^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^\s'"#\-\[\]{}&*!|>%@`][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s+|$)""")


class _Reader:
    def __init__(self, text: str):
        if "\t" in text:
            raise YamlError(f"line {text[:text.index(chr(9))].count(chr(10)) + 1}: a tab (not read here)")
        self.lines = text.split("\n")
        self.at = 0

    def fail(self, why: str, line: int | None = None):
        number = (self.at if line is None else line) + 1
        raise YamlError(f"line {number}: {why}: {self.lines[min(number - 1, len(self.lines) - 1)]!r}")

    def next_significant(self) -> tuple[int, str] | None:
        """(indent, text) of the next line that is neither blank nor a comment, skipping to it."""
        while self.at < len(self.lines):
            line = self.lines[self.at]
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                if stripped in ("---", "...") or stripped.startswith("%"):
                    self.fail("a document marker or directive (not read here)")
                return len(line) - len(line.lstrip(" ")), stripped
            self.at += 1
        return None

    def node(self, indent: int):
        found = self.next_significant()
        if found is None or found[0] < indent:
            return None
        if found[1] == "-" or found[1].startswith("- "):
            return self.sequence(found[0])
        return self.mapping(found[0])

    def mapping(self, indent: int) -> dict:
        result: dict = {}
        while True:
            found = self.next_significant()
            if found is None or found[0] < indent:
                return result
            if found[0] > indent:
                self.fail("indented more than the mapping it is in")
            text = found[1]
            if text == "-" or text.startswith("- "):
                return result  # `key:` followed by a sequence at the key's own indent ends here.
            match = _KEY.match(text)
            if match is None:
                self.fail("not a `key: value` line")
            key = self.scalar(match.group(1))
            if key in result:
                self.fail(f"the key {key!r} given twice")
            rest = text[match.end():]
            line = self.at
            self.at += 1
            if rest == "" or rest.startswith("#"):
                following = self.next_significant()
                if following is not None and (following[0] > indent or (following[0] == indent and (following[1] == "-" or following[1].startswith("- ")))):
                    result[key] = self.node(following[0])
                else:
                    result[key] = None
            elif rest[0] in "|>":
                result[key] = self.block(rest, indent, line)
            else:
                result[key] = self.scalar(rest, line)
                self.no_continuation(indent)

    def sequence(self, indent: int) -> list:
        result = []
        while True:
            found = self.next_significant()
            if found is None or found[0] < indent:
                return result
            if found[0] > indent:
                self.fail("indented more than the sequence it is in")
            text = found[1]
            if not (text == "-" or text.startswith("- ")):
                return result
            content = text[1:].lstrip(" ")
            column = indent + (len(text) - len(content))
            if content == "" or content.startswith("#"):
                self.at += 1
                result.append(self.node(indent + 1))
            elif _KEY.match(content):
                # `- key: value`: a mapping whose first line starts at the item's content.
                self.lines[self.at] = " " * column + content
                result.append(self.mapping(column))
            elif content[0] in "|>":
                self.fail("a block scalar as a sequence item (not read here)")
            else:
                line = self.at
                self.at += 1
                result.append(self.scalar(content, line))
                self.no_continuation(indent)

    def no_continuation(self, indent: int) -> None:
        found = self.next_significant()
        if found is not None and found[0] > indent:
            self.fail("a scalar continued on the next line (not read here)")

    def block(self, header: str, indent: int, line: int) -> str:
        match = re.fullmatch(r"\|([-+]?)\s*(#.*)?", header)
        if match is None:
            self.fail("a block scalar other than `|`, `|-` or `|+` (not read here)", line)
        chomp = match.group(1)
        body: list[str] = []
        content_indent = None
        while self.at < len(self.lines):
            raw = self.lines[self.at]
            if raw.strip() == "":
                body.append("")
                self.at += 1
                continue
            current = len(raw) - len(raw.lstrip(" "))
            if content_indent is None:
                if current <= indent:
                    break
                content_indent = current
            if current < content_indent:
                break
            body.append(raw[content_indent:])
            self.at += 1
        text = "\n".join(body)
        if chomp == "+":
            return text + "\n" if body else ""
        text = text.rstrip("\n")
        return text if chomp == "-" or not text else text + "\n"

    def scalar(self, text: str, line: int | None = None) -> str:
        text = text.strip()
        where = self.at if line is None else line
        if text.startswith("'"):
            match = re.match(r"'((?:[^']|'')*)'\s*(#.*)?$", text)
            if match is None:
                self.fail("an unfinished or followed single-quoted scalar", where)
            return match.group(1).replace("''", "'")
        if text.startswith('"'):
            match = re.match(r'"((?:[^"\\]|\\.)*)"\s*(#.*)?$', text)
            if match is None:
                self.fail("an unfinished or followed double-quoted scalar", where)
            escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "0": "\0"}
            value = match.group(1)
            if re.search(r"\\[^nt\"\\/0]", value):
                self.fail("an escape not read here", where)
            return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], value)
        if text[0] in "[{&*!|>%@`":
            self.fail("a flow collection, anchor, alias or tag (not read here)", where)
        comment = re.search(r"\s#", text)
        if comment:
            text = text[:comment.start()].rstrip()
        if re.search(r":(\s|$)", text):
            self.fail("a plain scalar holding ': ' (quote it)", where)
        return text


def read_yaml(text: str):
    reader = _Reader(text)
    found = reader.next_significant()
    if found is None:
        return None
    if found[0] != 0:
        reader.fail("the top level is indented")
    value = reader.node(0)
    if reader.next_significant() is not None:
        reader.fail("left over after the document")
    return value


def read_workflow(path: Path) -> dict:
    return read_yaml(path.read_text(encoding="utf-8"))


# Expressions ---------------------------------------------------------------------------------------

class ExpressionError(ValueError):
    pass


class _AtRunTime(dict):
    """The `steps` context while a job is rendered: its outputs exist only once steps have run."""


AT_RUN_TIME = _AtRunTime()


_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}")


def evaluate(expression: str, context: dict):
    """The value of one expression, from the few forms these workflows use."""
    expression = expression.strip()
    if expression == "!cancelled()":
        return not context.get("cancelled", False)
    match = re.fullmatch(r"fromJSON\((.*)\)", expression)
    if match:
        return json.loads(str(evaluate(match.group(1), context)))
    match = re.fullmatch(r"([\w.\-]+)\s*(==|!=)\s*'([^']*)'", expression)
    if match:
        equal = str(evaluate(match.group(1), context)) == match.group(3)
        return equal if match.group(2) == "==" else not equal
    match = re.fullmatch(r"(env|github|runner|inputs|matrix|secrets|needs|steps)((?:\.[\w\-]+)+)", expression)
    if match is None:
        raise ExpressionError(f"an expression this stand-in for GitHub does not evaluate: ${{{{ {expression} }}}}")
    if match.group(1) not in context:
        raise ExpressionError(f"${{{{ {expression} }}}}: no {match.group(1)} context here")
    value = context[match.group(1)]
    if value is AT_RUN_TIME:
        raise ExpressionError(f"${{{{ {expression} }}}} is known only once the job runs; this stand-in does not evaluate it in a step")
    for part in match.group(2).split(".")[1:]:
        if not isinstance(value, dict):
            raise ExpressionError(f"${{{{ {expression} }}}}: {part!r} of a value that has no fields")
        if part not in value:
            if match.group(1) in ("steps", "needs", "env", "secrets", "inputs"):
                return ""  # What GitHub gives for a property that is not there.
            raise ExpressionError(f"${{{{ {expression} }}}}: the runner has no {part!r} here")
        value = value[part]
    return value


def text_of(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "" if value is None else str(value)


def fill(text: str, context: dict) -> str:
    """`text` with each `${{ ... }}` replaced by its value, as GitHub does before a step runs."""
    return _EXPRESSION.sub(lambda found: text_of(evaluate(found.group(1), context)), text)


def value_of(text: str, context: dict):
    """The value of a setting that is one whole `${{ ... }}` (a list stays a list, as in `matrix:`)."""
    found = _EXPRESSION.fullmatch(text.strip())
    return evaluate(found.group(1), context) if found else text


def condition(value, context: dict) -> bool:
    if value is None:
        return True
    text = str(value).strip()
    found = _EXPRESSION.fullmatch(text)
    result = evaluate(found.group(1) if found else text, context)
    return bool(result) if not isinstance(result, str) else result not in ("", "false", "0")


# The runner ----------------------------------------------------------------------------------------

# What `classroom-resources/autograding-command-grader@v1` hands its command (src/main.js: execSync
# with `env: {PATH, FORCE_COLOR, DOTNET_CLI_HOME, DOTNET_NOLOGO, HOME}`): no other variable.
COMMAND_GRADER_ENV = {"FORCE_COLOR": "true", "DOTNET_CLI_HOME": "/tmp", "DOTNET_NOLOGO": "true"}
COMMAND_GRADER_KEEPS = ("PATH", "HOME")


def written(path: Path) -> dict[str, str]:
    """What a step wrote to $GITHUB_ENV or $GITHUB_OUTPUT: `NAME=value` lines, or `NAME<<DELIMITER`,
    the value's lines, then `DELIMITER`."""
    found, lines = {}, Path(path).read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index)
            found[name], index = "\n".join(lines[index:end]), end + 1
        else:
            name, value = line.split("=", 1)
            found[name] = value
    return found


def launch(argv: list[str]) -> None:
    """`python tests/workflowrun.py SPEC COMMAND...`, run by the rendered script for each step: the
    job's environment, then what earlier steps wrote to $GITHUB_ENV and $GITHUB_PATH, then the
    step's own `env:`; an action that passes on only some of it (the command grader) gets just that.
    The command starts in the workspace, as every step and action does."""
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    env = dict(spec["job"])
    env.update(written(env["GITHUB_ENV"]))
    added = [line for line in Path(env["GITHUB_PATH"]).read_text(encoding="utf-8").split("\n") if line]
    env["PATH"] = os.pathsep.join([*reversed(added), env["PATH"]])  # The latest addition first.
    env.update(spec["step"])
    env["GITHUB_OUTPUT"] = spec["output"]
    Path(spec["output"]).touch()
    if spec["keep"] is not None:
        env = {name: env[name] for name in spec["keep"] if name in env} | spec["extra"]
    os.chdir(spec["workspace"])
    os.execvpe(argv[1], argv[1:], env)


@dataclass
class Checkout:
    """What actions/checkout copies for a repository: `source`, which must be at `ref` (None: any)."""

    source: Path
    ref: str | None = None


@dataclass
class Runner:
    """One GitHub-hosted runner for one job, laid out under `root` as on ubuntu-latest."""

    root: Path  # This runner's machine: home/runner, the tool cache, root's home.
    repository: str  # owner/name of the repository the workflow runs in.
    checkouts: dict[str | None, Checkout]  # Repository (None: the workflow's own) -> what to copy.
    python: Path  # The interpreter setup-python provides (a stand-in: this test's own).
    artifacts: Path  # The store upload-artifact writes and download-artifact reads.
    context: dict = field(default_factory=dict)  # Expression contexts besides env and steps.
    extra_env: dict[str, str] = field(default_factory=dict)  # The runner image's own settings.
    install: str = ""  # What replaces each line `PY -m pip install [--quiet] ./kit` (@PYTHON@ stands for PY).
    skip_steps: set[str] = field(default_factory=set)  # Step ids not run (said in the script).

    @property
    def home(self) -> Path:
        return self.root / "home" / "runner"

    @property
    def workspace(self) -> Path:
        name = self.repository.split("/")[1]
        return self.home / "work" / name / name

    @property
    def temp(self) -> Path:
        return self.home / "work" / "_temp"

    @property
    def results(self) -> Path:
        return self.temp / "_results"

    def prepare(self) -> None:
        """The machine before the job: /home/runner 0750 as on GitHub's images, a `python` in the tool cache."""
        self.workspace.mkdir(parents=True)
        (self.root / "home").chmod(0o755)
        self.home.chmod(0o750)
        self.temp.mkdir()
        (self.temp / "_steps").mkdir()
        (self.temp / "_outputs").mkdir()
        for name in ("GITHUB_ENV", "GITHUB_PATH"):
            (self.temp / f"_{name.lower()}").write_text("")
        self.results.write_text("")
        tool = self.tool_bin
        tool.mkdir(parents=True)
        for name in ("python", "python3"):
            (tool / name).write_text(f"#!/bin/sh\nexec {shlex.quote(str(self.python))} \"$@\"\n")
            (tool / name).chmod(0o755)

    @property
    def tool_bin(self) -> Path:
        return self.root / "opt" / "hostedtoolcache" / "Python" / "3.11" / "x64" / "bin"

    def job_env(self, image_path: str) -> dict[str, str]:
        return {
            "HOME": str(self.home), "USER": "runner", "LANG": "C.UTF-8", "PATH": image_path, "CI": "true",
            "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_REPOSITORY": self.repository,
            "RUNNER_TEMP": str(self.temp), "RUNNER_OS": "Linux", "RUNNER_TOOL_CACHE": str(self.root / "opt" / "hostedtoolcache"),
            "GITHUB_ENV": str(self.temp / "_github_env"), "GITHUB_PATH": str(self.temp / "_github_path"),
            **self.extra_env,
        }

    def render(self, workflow: dict, job_id: str, image_path: str, source: str) -> str:
        """The job as one bash script (see the module's docstring)."""
        job = workflow["jobs"][job_id]
        base_env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
        contexts = {"github": {"workspace": str(self.workspace), "repository": self.repository, "actor": "a-student"},
                    "runner": {"temp": str(self.temp), "os": "Linux"}, "inputs": {}, "matrix": {}, "secrets": {},
                    "needs": {}, **self.context, "steps": AT_RUN_TIME}
        contexts["env"] = {k: fill(str(v), {**contexts, "env": {}}) for k, v in base_env.items()}
        job_env = self.job_env(image_path) | contexts["env"]
        lines = [
            "#!/usr/bin/env bash",
            f"# Job `{job_id}` of {source}, rendered by tests/workflowrun.py for a stand-in runner at {self.root}.",
            "set -u",
            f"RESULTS={shlex.quote(str(self.results))}",
            "step() {  # step INDEX KIND SPEC COMMAND...: one step, as the runner starts it; its exit code recorded.",
            "    local index=$1 kind=$2 spec=$3",
            "    shift 3",
            f"    {shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).resolve()))} \"$spec\" \"$@\"",
            "    local code=$?",
            "    echo \"$index $kind $code\" >> \"$RESULTS\"",
            "    if [ \"$kind\" != command-grader ] && [ \"$code\" -ne 0 ]; then",
            "        echo \"step $index ($kind) failed with exit code $code: the job ends here\" >&2",
            "        exit \"$code\"",
            "    fi",
            "}",
        ]
        if not condition(job.get("if"), contexts):
            lines.append(f"echo 'job {job_id}: its `if:` is false, nothing runs'")
            return "\n".join(lines) + "\n"
        for index, item in enumerate(job["steps"], 1):
            lines += ["", *self.render_step(index, item, contexts, job_env)]
        return "\n".join(lines) + "\n"

    def spec(self, index: int, job_env: dict, step_env: dict, keep=None, extra=None) -> str:
        path = self.temp / "_steps" / f"{index}.json"
        path.write_text(json.dumps({"job": job_env, "step": step_env, "output": str(self.temp / "_outputs" / str(index)),
                                    "workspace": str(self.workspace), "keep": keep, "extra": extra or {}}))
        return shlex.quote(str(path))

    def render_step(self, index: int, item: dict, contexts: dict, job_env: dict) -> list[str]:
        name = fill(str(item.get("name") or item.get("uses") or item.get("run", "").split("\n")[0]), contexts)
        head = f"# step {index}: {name}"
        if item.get("id") in self.skip_steps:
            return [head, f"echo {shlex.quote(f'step {index} ({name}) is not run here (the test says why)')}",
                    f"echo \"{index} skipped -\" >> \"$RESULTS\""]
        if not condition(item.get("if"), contexts):
            return [head, f"echo \"{index} if-false -\" >> \"$RESULTS\""]
        if item.get("uses", "").startswith("classroom-resources/autograding-grading-reporter@"):
            # It adds up the command graders' outputs (its `env:` reads them); the test reads their exit codes instead.
            return [head, f"step {index} autograding-grading-reporter {self.spec(index, job_env, {})} true"]
        step_env = {k: fill(str(v), contexts) for k, v in (item.get("env") or {}).items()}
        scoped = {**contexts, "env": {**contexts["env"], **step_env}}
        if "run" in item:
            body = self.stand_in_for_pip(fill(item["run"], scoped))
            script = self.temp / "_steps" / f"{index}.sh"
            script.write_text(body)
            return [head, *(f"#   {line}" for line in body.rstrip("\n").split("\n")),
                    f"step {index} run {self.spec(index, job_env, step_env)} bash -e {shlex.quote(str(script))}"]
        action, _, version = item["uses"].partition("@")
        given = {k: fill(str(v), scoped) for k, v in (item.get("with") or {}).items()}
        if action == "actions/checkout":
            repository = given.get("repository") or None
            checkout = self.checkouts.get(repository)
            if checkout is None:
                raise ExpressionError(f"step {index}: no stand-in repository for a checkout of {repository or self.repository}")
            if checkout.ref is not None and given.get("ref") != checkout.ref:
                raise ExpressionError(f"step {index}: a checkout of {repository} at {given.get('ref')!r}, not at {checkout.ref}")
            target = self.workspace / given.get("path", ".")
            if not target.resolve().is_relative_to(self.workspace):
                raise ExpressionError(f"step {index}: actions/checkout's path must be inside the workspace")
            command = f"mkdir -p {shlex.quote(str(target))} && cp -a {shlex.quote(str(checkout.source))}/. {shlex.quote(str(target))}"
        elif action == "actions/setup-python":
            command = f"echo {shlex.quote(str(self.tool_bin))} >> \"$GITHUB_PATH\""
        elif action == "classroom-resources/autograding-command-grader":
            seconds = int(float(given.get("timeout", "10")) * 60)
            spec = self.spec(index, job_env, step_env, keep=list(COMMAND_GRADER_KEEPS), extra=COMMAND_GRADER_ENV)
            return [head, f"#   {given['command']}",
                    f"step {index} command-grader {spec} timeout {seconds} /bin/sh -c {shlex.quote(given['command'])}"]
        elif action == "actions/upload-artifact":
            store = self.artifacts / given["name"]
            source = self.workspace / given["path"]
            command = (f"mkdir -p {shlex.quote(str(store))} && if [ -d {shlex.quote(str(source))} ]; then cp -a {shlex.quote(str(source))}/. "
                       f"{shlex.quote(str(store))}; else cp -a {shlex.quote(str(source))} {shlex.quote(str(store))}/; fi")
        elif action == "actions/download-artifact":
            target = self.workspace / given["path"]
            pattern = given["pattern"]
            command = (f"mkdir -p {shlex.quote(str(target))} && for found in {shlex.quote(str(self.artifacts))}/{pattern}; do "
                       f"cp -a \"$found\" {shlex.quote(str(target))}/; done")
        else:
            raise ExpressionError(f"step {index}: no stand-in for the action {item['uses']}")
        return [head, f"step {index} {action.split('/')[-1]} {self.spec(index, job_env, step_env)} bash -e -c {shlex.quote(command)}"]

    def stand_in_for_pip(self, body: str) -> str:
        """Each `PY -m pip install [--quiet] ./kit` line replaced by `self.install` (with PY for @PYTHON@); any
        other pip install is refused, so that nothing is ever fetched from PyPI here."""
        out = []
        for line in body.split("\n"):
            found = re.fullmatch(r"(\s*)(\S+) -m pip install (?:--quiet )?\./kit\s*", line)
            if found:
                out.append(found.group(1) + self.install.replace("@PYTHON@", found.group(2)))
            elif "pip install" in line or "pip3 install" in line:
                raise ExpressionError(f"a pip install this test has no stand-in for: {line.strip()}")
            else:
                out.append(line)
        return "\n".join(out)

    def run(self, script: str, timeout: float) -> "JobRun":
        path = self.temp / "_job.sh"
        path.write_text(script)
        completed = subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=timeout,
                                   stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        codes = {}
        for line in self.results.read_text().splitlines():
            index, kind, code = line.split(" ")
            codes[int(index)] = (kind, None if code == "-" else int(code))
        outputs = {int(file.name): written(file) for file in (self.temp / "_outputs").iterdir()}
        return JobRun(completed.returncode, completed.stdout, completed.stderr, codes, outputs, path)


@dataclass
class JobRun:
    code: int
    stdout: str
    stderr: str
    steps: dict[int, tuple[str, int | None]]  # Step index -> (kind, exit code; None when not run).
    outputs: dict[int, dict[str, str]]  # Step index -> what it wrote to $GITHUB_OUTPUT.
    script: Path

    def said(self) -> str:
        return f"exit code {self.code}; script {self.script}\n--- stdout\n{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-6000:]}"


if __name__ == "__main__":
    launch(sys.argv[1:])
