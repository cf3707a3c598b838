"""Set up and run the project with nothing but Python 3.11+: ``python3 tasks.py pipeline|test``.

Creates ``.venv`` beside this file, installs the project into it (again only when pyproject.toml
changed), then runs the pipeline on the shipped sample data or the whole test suite.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def _python() -> str:
    return str(BIN / "python")


def ensure_environment() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    print("installing the project and its dependencies", flush=True)
    subprocess.run([_python(), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([_python(), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("pipeline", "test"):
        print("usage: python3 tasks.py pipeline|test", file=sys.stderr)
        return 2
    ensure_environment()
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(ROOT / ".dagster_home"))
    home = Path(env["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        # Local run history in SQLite under .dagster_home; nothing is sent anywhere.
        settings.write_text("telemetry:\n  enabled: false\n")
    if argv[0] == "pipeline":
        command = [str(BIN / "etl-project"), "run", "--raw", "data/raw", "--warehouse", "duckdb:///data/warehouse/warehouse.duckdb"]
    else:
        command = [_python(), "-m", "pytest", "tests"]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
