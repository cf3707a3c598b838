"""Running a step in a child process: its wall time and the peak memory of its process tree.

The tree's resident memory is summed over the child and every process it starts (the staging
workers), sampled five times a second from /proc; the child's own peak comes from the kernel
(wait4's ru_maxrss) and is a floor for the sampled figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_EVERY_S = 0.2


@dataclass
class Measured:
    seconds: float  # wall time of the whole child process
    peak_rss_mb: float  # the process tree, summed
    peak_rss_main_mb: float  # the child alone
    cpu_s: float  # user + system time of the child and the processes it waited for
    report: dict  # what the child wrote to its report file, if anything


def run(module: str, *args: str, env: dict | None = None, cwd: Path | None = None) -> Measured:
    """Run ``python -m module args… REPORT`` and measure it; the child writes JSON to REPORT."""
    report = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-report-{os.getpid()}-{time.monotonic_ns()}.json"
    command = [sys.executable, "-m", module, *args, str(report)]
    started = time.perf_counter()
    child = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=cwd)
    peak = _Sampler(child.pid)
    peak.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    peak.stop()
    if child.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} exited with {child.returncode}")
    found = json.loads(report.read_text()) if report.exists() else {}
    report.unlink(missing_ok=True)
    main_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return Measured(seconds, max(peak.mb, main_mb), main_mb, usage.ru_utime + usage.ru_stime, found)


class _Sampler(threading.Thread):
    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.mb, self._done = root, 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_EVERY_S):
            self.mb = max(self.mb, sum(_rss_kb(pid) for pid in _tree(self.root)) / 1024)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(root: int) -> set[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
