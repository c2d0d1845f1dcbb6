#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (an Ubuntu image; see
# `## Grading on Gradescope` in the kit's docs). It puts a Python 3.11 or newer on the image, makes
# the kit's venv in /autograder/venv and installs the kit from /autograder/source (the zip that
# `python grader.py gradescope` wrote, unpacked) into it. Nothing here runs per submission.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="$ROOT/venv"
export DEBIAN_FRONTEND=noninteractive

# The kit needs Python 3.11 or newer (tomllib); Ubuntu 22.04's python3 is 3.10, 24.04's is 3.12.
pick_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

apt-get update -qq
if ! python=$(pick_python); then
    apt-get install -y -qq python3.11 python3.11-venv
    python=$(pick_python) || { echo "setup.sh: no Python 3.11 or newer could be installed; choose an Ubuntu 22.04 or newer base image in Gradescope's autograder settings" >&2; exit 1; }
fi
# Ubuntu ships venv's pip bootstrap apart (python3.X-venv).
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    apt-get install -y -qq "python$version-venv" || apt-get install -y -qq python3-venv
fi
echo "setup.sh: the kit's venv in $VENV, from $(command -v "$python") ($("$python" --version))"
"$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "$ROOT/source"

# As root, the grader runs the student's code as the user `nobody`, who must read the kit's Python
# and data. Gradescope's containers may not let the kit give it a private view of them (that
# needs CAP_SYS_ADMIN), so the way there is opened here: /autograder may be passed (not listed),
# the kit and its venv read. Nothing else is opened: the submission is read by the grader (root),
# and the student's code gets copies of its files.
chmod o+x "$ROOT"
chmod -R o+rX "$ROOT/source" "$VENV"
chmod 755 "$ROOT/source/run_autograder"
if [ -f "$ROOT/run_autograder" ]; then chmod 755 "$ROOT/run_autograder"; fi

# Whether a sandbox can run here, said now in the build's log rather than first in a student's grade.
cd "$ROOT/source"
"$VENV/bin/python" -c '
from mnistkit.grading.grade import sandbox_fault
fault = sandbox_fault()
print("setup.sh: the sandbox runs the student code as nobody: ok" if fault is None else
      "setup.sh: WARNING: every grade will be 0, the kit cannot run student code here: " + fault)
'
