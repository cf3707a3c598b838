"""Reading a file that nobody is writing: a file still being copied or saved while it is staged
would be recorded as loaded with rows of neither its old nor its new content.

The file's size and modification time are taken before it is hashed and read and again after; the
hash recorded is of the bytes read (the hash of that size and time when it was hashed earlier,
else computed between the two looks). A file that changed in between is read once more, and when it
changes again it fails with that reason, keeping the rows of its last good load.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from etl_project.ingest import resources

T = TypeVar("T")
ATTEMPTS = 2


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    sha256: str


class FileChanged(Exception):
    """The file changed each time it was read; the message says how, for a person."""


def _looked_at(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def read_steadily(
    path: Path, read: Callable[[Path], T], known: tuple[int, int, str] | None = None, name: str | None = None
) -> tuple[T, FileState]:
    """``read(path)`` and the state of the file it read. ``known``: (size, mtime_ns, sha256) of the
    file when last hashed, whose hash stands while its size and time do."""
    name = name or path.name
    seen = []
    for _ in range(ATTEMPTS):
        before = _looked_at(path)
        if before is None:
            # Gone: the reader says so in its own words ("file not found").
            return read(path), FileState(0, 0, "")
        try:
            sha256 = known[2] if known is not None and tuple(known[:2]) == before else resources.file_sha256(path)
            result = read(path)
        except Exception:
            # Half a file being written reads as a broken one: that is a change, not the file's fault.
            after = _looked_at(path)
            if after == before:
                raise
            seen.append((before, after))
            continue
        after = _looked_at(path)
        if after == before:
            return result, FileState(before[0], before[1], sha256)
        seen.append((before, after))
    (size0, time0), after = seen[-1][0], seen[-1][1]
    now = "it is gone" if after is None else f"{size0} → {after[0]} bytes, modified {time0} → {after[1]} (ns)"
    raise FileChanged(
        f"{name}: the file changed while it was being read ({now}), {ATTEMPTS} times in a row; nothing of it was loaded "
        "and its last good load stands. 文件在读取过程中被修改（可能仍在复制或保存），未装载：待文件写完后重新运行"
    )
