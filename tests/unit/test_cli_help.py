"""Every command and option of `etl-project` is explained in English and in Chinese."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from etl_project.orchestration import cli

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,})+")  # a few English words in a row, not a code


def _parsers(parser: argparse.ArgumentParser, path: str = "etl-project"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def _helps(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        name = f"{path} {'/'.join(action.option_strings) or action.dest}"
        yield name, action.help
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:  # the line each command gets in the list of commands
                yield f"{path} {choice.dest}", choice.help


def test_every_command_and_option_has_help_in_both_languages():
    parser = cli._parser()
    seen, lacking = 0, []
    for path, sub in _parsers(parser):
        for name, text in _helps(sub, path):
            seen += 1
            if not text or text == argparse.SUPPRESS or not CJK.search(text) or not LATIN_WORDS.search(text):
                lacking.append((name, text))
        if not (sub.description and CJK.search(sub.description) and LATIN_WORDS.search(sub.description)):
            lacking.append((f"{path} (description)", sub.description))
    assert seen > 30
    assert lacking == [], lacking


def test_help_shows_each_language_as_its_own_paragraph_within_the_width():
    done = subprocess.run(
        [sys.executable, "-m", "etl_project", "run", "-h"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin", **_pythonpath()},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    verbose = next(i for i, line in enumerate(lines) if line.lstrip().startswith("--verbose"))
    block = []
    for line in lines[verbose:]:
        if block and line.lstrip().startswith("--"):
            break
        block.append(line)
    assert any(CJK.search(line) for line in block) and "--verbose" in block[0]
    english = [line for line in block if not CJK.search(line)]
    chinese = [line for line in block if CJK.search(line)]
    assert english and chinese and block.index(chinese[0]) > block.index(english[-1]), "English first, then Chinese"
    assert all(_columns(line) <= 82 for line in block), [line for line in block if _columns(line) > 82]


def _columns(line: str) -> int:
    return sum(
        2 if CJK.match(character) or "\uff00" <= character <= "\uffef" or "\u3000" <= character <= "\u303f" else 1 for character in line
    )


def _pythonpath() -> dict[str, str]:
    import os

    return {key: os.environ[key] for key in ("PYTHONPATH", "HOME") if key in os.environ}
