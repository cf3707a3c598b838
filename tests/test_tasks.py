"""tasks.py checks the Python it runs on before anything else, and makes .venv again when another
Python version made it."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _tasks():
    spec = importlib.util.spec_from_file_location("tasks_under_test", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _older_python() -> str | None:
    """An interpreter older than 3.11 that actually runs here, if the machine has one."""
    import os

    candidates = [shutil.which(f"python3.{minor}") for minor in range(10, 5, -1)]
    # pyenv keeps each version under its root; its shims answer only for the versions made current.
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += sorted(str(p) for p in pyenv.glob("3.*/bin/python3") if p.parent.parent.name.split(".")[1].isdigit()
                         and int(p.parent.parent.name.split(".")[1]) < 11)
    for found in filter(None, candidates):
        if subprocess.run([found, "-c", "import sys; assert sys.version_info < (3, 11)"], capture_output=True, timeout=30).returncode == 0:
            return found
    return None


@pytest.mark.parametrize("version", [(3, 10, 13), (3, 6, 15), (2, 7, 18)])
def test_an_older_python_is_told_what_to_install(version):
    problem = _tasks().python_problem(version)
    shown = ".".join(map(str, version))
    assert problem is not None and "3.11" in problem and shown in problem and CJK.search(problem), problem


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 12, 1), (3, 13, 0), (4, 0, 0)])
def test_a_recent_python_passes(version):
    assert _tasks().python_problem(version) is None


def test_the_environment_version_is_read_from_pyvenv_cfg(tmp_path):
    tasks = _tasks()
    cfg = tmp_path / "pyvenv.cfg"
    cfg.write_text("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.10.13\n")
    assert tasks.venv_version(cfg) == (3, 10)
    cfg.write_text("home = /opt/python/bin\nimplementation = CPython\nversion_info = 3.12.1\n")  # uv and virtualenv spell it so
    assert tasks.venv_version(cfg) == (3, 12)
    cfg.write_text("home = /usr/bin\n")
    assert tasks.venv_version(cfg) is None
    assert tasks.venv_version(tmp_path / "missing.cfg") is None


def test_an_environment_of_another_version_is_made_again(tmp_path):
    tasks = _tasks()
    venv = tmp_path / ".venv"
    assert not tasks.made_by_another_python(venv, sys.version_info), "none yet: nothing to remake"
    older = _older_python()
    if older is not None:
        subprocess.run([older, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    else:
        venv.mkdir()
        (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.10.13\n")
    assert tasks.made_by_another_python(venv, sys.version_info)
    shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    assert not tasks.made_by_another_python(venv, sys.version_info), "this Python's own environment is kept"


def test_tasks_py_stops_on_an_older_python_before_touching_anything():
    older = _older_python()
    if older is None:
        pytest.skip("no Python older than 3.11 on this machine")
    before = (ROOT / ".venv").exists()
    done = subprocess.run([older, str(ROOT / "tasks.py"), "pipeline"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "needs Python 3.11" in done.stderr and CJK.search(done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert (ROOT / ".venv").exists() == before
