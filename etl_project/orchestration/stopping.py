"""A command stopped by SIGTERM or Ctrl-C ends within a second, saying so in one line.

Left to Dagster, SIGTERM becomes an exception raised inside the running step: the step fails with
a stack trace on the console and the command goes on to its summary. A step stopped while its DROP
waited for a reader left the DROP queued in the server (the driver cancels a query on
KeyboardInterrupt only), and the summary's first query queued behind it for as long as the reader
kept its transaction open. So the command's work runs in a thread of its own, where Dagster leaves
signals alone, and the main thread answers a signal by ending the process at once, as a crash
would: each table is swapped in by one transaction, which the server rolls back when the connection
goes (one waiting for a lock notices within a second, see etl_project/warehouse/pg_locks.py), and DuckDB
replays or drops its log on the next open.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
SIGNAL_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT (Ctrl-C)"}


class _Stopped(BaseException):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def run_stoppable(work: Callable[[], T], on_stop: Callable[[str], None]) -> T:
    """``work()``'s result or exception; on SIGTERM or SIGINT meanwhile, ``on_stop(signal name)``
    and the process ends with 128 + the signal's number, as a shell reports a process it ended."""
    if threading.current_thread() is not threading.main_thread():
        return work()  # signals reach the main thread only; whoever owns it answers them
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the main thread, which raises it as its own
            outcome["error"] = exc

    def stop(signum, _frame) -> None:
        raise _Stopped(signum)

    previous = {number: signal.getsignal(number) for number in SIGNAL_NAMES}
    worker = threading.Thread(target=target, name="etl-project-work", daemon=True)
    try:
        for number in SIGNAL_NAMES:
            signal.signal(number, stop)
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    except _Stopped as stopped:
        try:
            on_stop(SIGNAL_NAMES[stopped.signum])
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(128 + stopped.signum)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
