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

ROOT = Path(__file__).resolve().parents[2]
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
    candidates += sorted(
        str(p)
        for p in pyenv.glob("3.*/bin/python3")
        if p.parent.parent.name.split(".")[1].isdigit() and int(p.parent.parent.name.split(".")[1]) < 11
    )
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


def test_the_fast_tests_are_a_folder_of_the_whole_suite():
    tasks = _tasks()
    (whole,) = tasks.commands_for(["test"], "python", "bin")
    (fast,) = tasks.commands_for(["test", "--fast"], "python", "bin")
    assert whole[:3] == fast[:3] == ["python", "-m", "pytest"]
    whole_dir, fast_dir = ROOT / whole[-1], ROOT / fast[-1]
    assert fast_dir.is_dir() and fast_dir != whole_dir and whole_dir in fast_dir.parents
    assert list(fast_dir.glob("test_*.py")), "the fast folder holds tests"
    assert list((whole_dir / "integration").glob("test_*.py")), "the rest are integration tests"


def test_lint_runs_ruff_checks_and_changes_nothing():
    commands = _tasks().commands_for(["lint"], "python", "bin")
    assert [c[2:4] for c in commands] == [["ruff", "check"], ["ruff", "format"]]
    assert "--check" in commands[1] and not any("--fix" in c for c in commands)
    assert any("--fix" in c for c in _tasks().commands_for(["format"], "python", "bin"))


@pytest.mark.parametrize("argv", [[], ["deploy"], ["test", "--slow"], ["lint", "now"]])
def test_an_unknown_task_is_told_the_usage_before_any_setup(argv, capsys, monkeypatch):
    tasks = _tasks()
    monkeypatch.setattr(tasks, "ensure_environment", lambda: pytest.fail("set up for an unknown task"))
    assert tasks.main(argv) == 2
    assert "test [--fast]" in capsys.readouterr().err


def test_the_fast_tests_need_no_server_or_browser():
    """Fixtures that start PostgreSQL databases, the webserver or another DuckDB belong to integration tests."""
    slow_fixtures = re.compile(r"\b(postgres_url|postgres_database|webserver|duckdb1_python)\b")
    for path in sorted((ROOT / "tests" / "unit").glob("*.py")):
        if path.name == Path(__file__).name:
            continue  # this test names them
        assert not slow_fixtures.search(path.read_text(encoding="utf-8")), f"{path.name} uses a fixture of the integration tests"
