"""How far a command-line run has got while it runs: the files staged and their rows, with the rate
and the time left, then the steps that build the warehouse.

The numbers come from the run itself. Staging announces each file it has staged (``file_staged``,
called in the process that writes the warehouse, whether the file was read there or by a worker
process), and the run's events say when a step starts and ends. On a terminal one line is rewritten
in place once the run has gone on for a couple of seconds; elsewhere (a CI log, a file) a plain line
is written every ``ETL_PROGRESS_SECONDS`` seconds (default 60), and a last one at the end, so that a
night's log stays short and a quick run adds nothing.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PLAIN_INTERVAL_S = 60.0  # between plain lines when the output is not a terminal
TERMINAL_DELAY_S = 2.0  # a run quicker than this shows no bar at all
TICK_S = 0.25
BAR_WIDTH = 16

_listeners: list[Callable[[str, int, bool], None]] = []


def file_staged(source_file: str, rows_read: int, failed: bool) -> None:
    """Staging has done with a file (loaded or failed); whoever listens in this process is told."""
    for listener in list(_listeners):
        listener(source_file, rows_read, failed)


@contextmanager
def listening(listener: Callable[[str, int, bool], None]) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def plain_interval(written: str) -> float:
    """Seconds between plain lines, as ``$ETL_PROGRESS_SECONDS`` is written (empty: the default)."""
    written = written.strip()
    try:
        return max(0.0, float(written)) if written else PLAIN_INTERVAL_S
    except ValueError:
        return PLAIN_INTERVAL_S


def duration(seconds: float) -> str:
    seconds = int(round(max(seconds, 0)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class RunProgress:
    """The state of one command-line pass (one or two Dagster runs) and its display.

    ``staging_step``: the step that stages the files; while it runs, the line shows files and rows.
    """

    def __init__(
        self,
        stream,
        staging_step: str,
        *,
        terminal: bool | None = None,
        interval: float = PLAIN_INTERVAL_S,
        delay: float = TERMINAL_DELAY_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream
        self.staging_step = staging_step
        self.terminal = _is_terminal(stream) if terminal is None else terminal
        self.interval = interval
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self._lock = threading.RLock()
        self._planned: dict[str, int] = {}  # file -> bytes, the files staging is expected to read
        self._done: set[str] = set()
        self.rows = 0
        self.failed = 0
        self._bytes_done = 0
        self._staging_since: float | None = None
        self._staging_took: float | None = None
        self.label = ""
        self.steps_total = 0
        self.steps_done = 0
        self._drawn = False  # a bar is on the terminal's last line
        self._lines = 0  # plain lines written
        self._last_line_at = self.started
        self._last_text = ""
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._closed = False

    # -- fed by the run -------------------------------------------------------------------------

    def plan(self, files: dict[str, int]) -> None:
        with self._lock:
            self._planned = dict(files)

    def file_staged(self, source_file: str, rows_read: int, failed: bool) -> None:
        with self._lock:
            if source_file in self._done:
                return
            self._done.add(source_file)
            self.rows += int(rows_read)
            self.failed += bool(failed)
            self._bytes_done += self._planned.get(source_file, 0)

    def run_started(self, label: str, steps: int) -> None:
        with self._lock:
            self.label, self.steps_total, self.steps_done = label, steps, 0

    def step_started(self, step: str) -> None:
        if step == self.staging_step:
            with self._lock:
                self._staging_since = self.clock()

    def step_ended(self, step: str) -> None:
        with self._lock:
            self.steps_done = min(self.steps_done + 1, self.steps_total) if self.steps_total else self.steps_done + 1
            if step == self.staging_step and self._staging_since is not None:
                self._staging_took = self.clock() - self._staging_since

    # -- what is shown ----------------------------------------------------------------------------

    @property
    def staging(self) -> bool:
        return self._staging_since is not None and self._staging_took is None

    @property
    def files_total(self) -> int:
        return len(self._planned.keys() | self._done)

    def fraction(self) -> float:
        if self.staging:
            planned_bytes = sum(self._planned.values())
            if planned_bytes:
                return min(self._bytes_done / planned_bytes, 1.0)
            return len(self._done) / self.files_total if self.files_total else 0.0
        return self.steps_done / self.steps_total if self.steps_total else 0.0

    def text(self) -> str:
        """One line: files and rows, the rate and the time left to read them, then the steps; what
        matters most first, so that a narrow terminal cuts the least of it."""
        with self._lock:
            now = self.clock()
            parts = []
            if self._done or self.staging:
                parts.append(f"files {len(self._done)}/{self.files_total}" + (f" ({self.failed} failed)" if self.failed else ""))
                parts.append(f"{self.rows:,} rows")
                took = (
                    self._staging_took if self._staging_took is not None else (now - self._staging_since if self._staging_since else None)
                )
                if took and self.rows:
                    parts.append(f"{self.rows / took:,.0f} rows/s")
                if self.staging:
                    left = self._time_left(now)
                    if left is not None:
                        parts.append(f"ETA {duration(left)}")
            if self.steps_total:
                parts.append(f"steps {self.steps_done}/{self.steps_total}")
            parts.append(duration(now - self.started))
            parts.append(self.label or "preparing")
            return " · ".join(parts)

    def _time_left(self, now: float) -> float | None:
        spent = now - self._staging_since
        planned_bytes = sum(self._planned.values())
        if planned_bytes and self._bytes_done:
            return spent * max(planned_bytes - self._bytes_done, 0) / self._bytes_done
        if self._done and self.files_total:
            return spent * (self.files_total - len(self._done)) / len(self._done)
        return None

    def tick(self) -> None:
        """Redraw the bar (terminal), or write a plain line when one is due."""
        with self._lock:
            now = self.clock()
            if self.terminal:
                if now - self.started >= self.delay:
                    self._draw()
                return
            if now - self._last_line_at >= self.interval:
                text = self.text()
                if _without_time(text) != _without_time(self._last_text):
                    self._write_line(text)
                self._last_line_at = now

    def say(self, line: str) -> None:
        """A line of its own (a warning), without breaking the bar."""
        with self._lock:
            self._clear()
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        """The bar gone from the terminal; in a log, where the run ended, if it said anything."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self.terminal:
                self._clear()
            elif self._lines:
                self._write_line(self.text())

    def _draw(self) -> None:
        filled = int(self.fraction() * BAR_WIDTH)
        text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.text()}"
        width = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r\x1b[K" + text[: max(width - 1, 10)])
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def _write_line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
        self._lines += 1
        self._last_text = text

    # -- shown while the block runs ---------------------------------------------------------------

    def __enter__(self) -> RunProgress:
        self._ticker = threading.Thread(target=self._tick_until_stopped, name="etl-project-progress", daemon=True)
        self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join()
        self.close()

    def _tick_until_stopped(self) -> None:
        while not self._stop.wait(TICK_S):
            self.tick()


def _without_time(text: str) -> list[str]:
    # What is new in a line besides the clock (the elapsed time, the rate and ETA it moves).
    return [
        part for part in text.split(" · ") if not (part.endswith("rows/s") or part.startswith("ETA") or part[:1].isdigit() and ":" in part)
    ]


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
