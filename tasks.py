# -*- coding: utf-8 -*-
"""Set up and run the project with nothing but Python 3.11+: ``python3 tasks.py pipeline|test|lint|format``.

Checks the Python first, creates ``.venv`` beside this file (again when it was made by another
Python version), installs the project into it (again only when pyproject.toml changed), then runs
the pipeline on the shipped sample data, the whole test suite (``test``) or its unit tests
(``test --fast``), ruff's checks (``lint``), or ruff's formatting of the tree (``format``).

Written so that an older Python can still read this file and say what is wrong: no f-strings, no
annotations, nothing newer than Python 3.0 before the version is checked.
"""

from __future__ import print_function

import hashlib
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
BIN = os.path.join(VENV, "Scripts" if os.name == "nt" else "bin")
STAMP = os.path.join(VENV, ".installed-from")
NEEDED = (3, 11)


def python_problem(version_info):
    """Why this Python cannot run the project (in English and Chinese), or None when it can."""
    if tuple(version_info[:2]) >= NEEDED:
        return None
    found = ".".join(str(part) for part in version_info[:3])
    needed = "%d.%d" % NEEDED
    return (
        "tasks.py needs Python %s or newer; this is Python %s (%s). Install Python %s+ and run it with that, "
        "e.g. python%s tasks.py pipeline. / 需要 Python %s 或更高版本，当前为 %s；请安装 Python %s 以上版本后用它运行。"
        % (needed, found, sys.executable, needed, needed, needed, found, needed)
    )


def venv_version(config_path):
    """(major, minor) of the Python that made the environment, from its pyvenv.cfg; None when the
    file is missing or names no version."""
    try:
        with open(config_path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        # "version" (venv) or "version_info" (virtualenv, uv)
        if key.strip() in ("version", "version_info"):
            parts = value.strip().split(".")
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                return int(parts[0]), int(parts[1])
    return None


def made_by_another_python(venv_dir, version_info):
    """Whether an existing environment was made by a Python other than this one's major.minor: its
    interpreter may be gone, and compiled packages would not load in this one."""
    config = os.path.join(venv_dir, "pyvenv.cfg")
    if not os.path.exists(config):
        return False  # none yet, or not one venv made: left as it is
    return venv_version(config) != tuple(version_info[:2])


def _python():
    return os.path.join(BIN, "python")


def ensure_environment():
    import venv

    if made_by_another_python(VENV, sys.version_info):
        print(
            "%s was made by another Python version; making it again with Python %d.%d" % ((VENV,) + tuple(sys.version_info[:2])), flush=True
        )
        shutil.rmtree(VENV)
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        wanted = hashlib.sha256(handle.read()).hexdigest()
    if os.path.exists(STAMP):
        with open(STAMP) as handle:
            if handle.read() == wanted:
                return
    if not os.path.exists(_python()):
        print("creating %s" % VENV, flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    print("installing the project and its dependencies", flush=True)
    subprocess.run([_python(), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([_python(), "-m", "pip", "install", "--quiet", "-e", ROOT + "[test]"], check=True)
    with open(STAMP, "w") as handle:
        handle.write(wanted)


USAGE = "usage: python3 tasks.py pipeline | test [--fast] | lint | format"


def commands_for(argv, python, bin_dir):
    """The commands a task runs, in order; None when there is no such task."""
    task = " ".join(argv)
    if task == "pipeline":
        return [
            [os.path.join(bin_dir, "etl-project"), "run", "--raw", "data/raw", "--warehouse", "duckdb:///data/warehouse/warehouse.duckdb"]
        ]
    if task == "test":
        return [[python, "-m", "pytest", "tests"]]
    if task == "test --fast":
        return [[python, "-m", "pytest", os.path.join("tests", "unit")]]
    if task == "lint":
        return [[python, "-m", "ruff", "check", "."], [python, "-m", "ruff", "format", "--check", "."]]
    if task == "format":
        # Sorting imports is ruff's lint fix, not its formatter's.
        return [[python, "-m", "ruff", "check", "--select", "I", "--fix", "."], [python, "-m", "ruff", "format", "."]]
    return None


def _dagster_environment():
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", os.path.join(ROOT, ".dagster_home"))
    home = env["DAGSTER_HOME"]
    os.makedirs(home, exist_ok=True)
    settings = os.path.join(home, "dagster.yaml")
    if not os.path.exists(settings):
        # Local run history in SQLite under .dagster_home; nothing is sent anywhere.
        with open(settings, "w") as handle:
            handle.write("telemetry:\n  enabled: false\n")
    return env


def main(argv):
    problem = python_problem(sys.version_info)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    commands = commands_for(argv, _python(), BIN)
    if commands is None:
        print(USAGE, file=sys.stderr)
        return 2
    ensure_environment()
    env = _dagster_environment() if argv[0] in ("pipeline", "test") else dict(os.environ)
    # Every command runs, so that lint reports the formatting as well as the rule findings.
    failed = 0
    for command in commands:
        returncode = subprocess.run(command, cwd=ROOT, env=env).returncode
        failed = failed or returncode
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
