"""Swapping in a table on PostgreSQL without making its readers wait.

Dropping the old table needs an ACCESS EXCLUSIVE lock: it waits for every open transaction that has
read the table (a BI session left idle in a transaction after one SELECT included), and every reader
that comes later queues behind the waiting DROP. So the drop waits at most the lock timeout, then
gives way (the queued readers go on), pauses, and tries again; after its last try the step fails,
naming the sessions that hold the table.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import sqlalchemy as sa

from etl_project.core.settings import LOCK_TIMEOUT_ENV, LOCK_TRIES_ENV

LOCK_NOT_AVAILABLE = "55P03"
# While it waits for a lock, the server looks this often whether the run is still there: a run killed
# meanwhile leaves no DROP queued in front of the readers.
CLIENT_CHECK_MS = 1000


@dataclass(frozen=True)
class LockPolicy:
    timeout_s: float = 10.0  # the longest a reader ever queues behind a swap
    tries: int = 3

    def pause_s(self, attempt: int) -> float:
        """The pause after failed attempt ``attempt`` (1, 2, ...): half the timeout, doubling."""
        return self.timeout_s / 2 * 2 ** (attempt - 1)

    @property
    def longest_s(self) -> float:
        """How long a swap may try before its step fails."""
        return self.tries * self.timeout_s + sum(self.pause_s(a) for a in range(1, self.tries))

    @classmethod
    def written(cls, timeout: str, tries: str) -> LockPolicy:
        """The policy ``$ETL_LOCK_TIMEOUT`` and ``$ETL_LOCK_TRIES`` give, as written (empty: the default)."""
        timeout, tries = timeout.strip(), tries.strip()
        policy = cls(
            timeout_s=_number(timeout, LOCK_TIMEOUT_ENV, float) if timeout else cls.timeout_s,
            tries=_number(tries, LOCK_TRIES_ENV, int) if tries else cls.tries,
        )
        if not math.isfinite(policy.timeout_s) or policy.timeout_s < 0.001 or policy.tries < 1:
            raise ValueError(f"{LOCK_TIMEOUT_ENV} must be at least 0.001 (seconds) and {LOCK_TRIES_ENV} at least 1")
        return policy


def _number(text: str, variable: str, kind):
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{variable}={text!r}: give a {'number of seconds' if kind is float else 'whole number'}") from None


class TableBusy(Exception):
    """Another session held the table through every attempt to swap it."""


@dataclass(frozen=True)
class Holder:
    pid: int
    user: str | None
    application: str | None
    state: str | None
    since: object  # when the session entered its state
    transaction_since: object
    mode: str
    granted: bool

    def describe(self) -> str:
        # pg_stat_activity hides other users' state and times from a role without pg_read_all_stats.
        state = self.state or "state not visible to this user / 无权查看状态"
        parts = [f"pid {self.pid}", f"user {self.user or '?'}", f"application {self.application or '-'!r}", state]
        if self.since is not None:
            parts.append(f"since {self.since:%Y-%m-%d %H:%M:%S %Z}".rstrip())
        if self.transaction_since is not None:
            parts.append(f"transaction open since {self.transaction_since:%Y-%m-%d %H:%M:%S %Z}".rstrip())
        parts.append(f"{self.mode}{'' if self.granted else ', itself waiting'}")
        return ", ".join(parts)


def drop_giving_way(connection, qualified_name: str, drop_sql: str, policy: LockPolicy) -> None:
    """Run ``drop_sql`` (a DROP of ``qualified_name``) in the caller's transaction, each attempt in a
    savepoint under the lock timeout, so that a failed attempt undoes only itself: the rows already
    loaded in the transaction stay for the next one."""
    connection.execute(
        sa.text("SELECT set_config('lock_timeout', :timeout, true), set_config('client_connection_check_interval', :check, true)"),
        {"timeout": f"{max(1, round(policy.timeout_s * 1000))}ms", "check": f"{CLIENT_CHECK_MS}ms"},
    )
    for attempt in range(1, policy.tries + 1):
        savepoint = connection.begin_nested()
        try:
            connection.execute(sa.text(drop_sql))
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            savepoint.rollback()
            if attempt == policy.tries:
                raise TableBusy(_busy_message(qualified_name, holders(connection, qualified_name), policy)) from None
            time.sleep(policy.pause_s(attempt))
            continue
        savepoint.commit()  # releases the savepoint; the lock is held until the transaction ends
        return


def holders(connection, qualified_name: str) -> list[Holder]:
    """The other sessions holding or awaiting a lock on the table, those holding one first."""
    rows = connection.execute(
        sa.text(
            "SELECT a.pid, a.usename, a.application_name, a.state, a.state_change, a.xact_start, l.mode, l.granted "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'relation' AND l.relation = to_regclass(:name) AND l.pid <> pg_backend_pid() "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY l.granted DESC, a.xact_start NULLS LAST, a.pid"
        ),
        {"name": qualified_name},
    ).fetchall()
    return [Holder(*row) for row in rows]


def _busy_message(qualified_name: str, found: list[Holder], policy: LockPolicy) -> str:
    tries = f"{policy.tries} 次尝试（每次最多等待 {policy.timeout_s:g} 秒）"
    if found:
        pids = ", ".join(str(h.pid) for h in found)
        held = "; ".join(h.describe() for h in found)
        return (
            f"表 {qualified_name} 被其他会话占用（pid {pids}），{tries}均未取得锁，本步骤失败；请让该会话提交或回滚"
            f"（或 SELECT pg_terminate_backend(pid)）后重新运行。"
            f" / table {qualified_name} was not replaced: other sessions hold it and {policy.tries} tries, each waiting "
            f"{policy.timeout_s:g} s for its lock, failed. Held by: {held}. Have that session commit or roll back "
            f"(or end it: SELECT pg_terminate_backend(pid)), then run again. Readers waited at most {policy.timeout_s:g} s "
            f"behind each try."
        )
    return (
        f"表 {qualified_name} 在 {tries}中均未取得锁，查询时占用者已结束；请重新运行。"
        f" / table {qualified_name} was not replaced: {policy.tries} tries, each waiting {policy.timeout_s:g} s for its "
        f"lock, failed, and the sessions holding it had ended by the time they were looked up. Run again."
    )
