"""The Dagster UI as an engineer meets it, for tests: a dagster-webserver on workspace.yaml over a
given Dagster home, its GraphQL endpoint, and a headless Chromium driven through just enough of the
DevTools protocol to open a page, read it and keep a screenshot."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = "Debian's chromium is not installed here (.ci/run installs it)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def webserver(dagster_home: Path, timeout: float = 120) -> Iterator[str]:
    """A dagster-webserver on workspace.yaml over this Dagster home, as `dagster dev` starts it;
    yields its base URL."""
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=5) as response:
                    json.load(response)
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"dagster-webserver did not answer within {timeout:.0f} s") from None
                time.sleep(1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def graphql(base: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    assert not answer.get("errors"), answer["errors"]
    return answer["data"]


class DevTools:
    """Just enough of the Chrome DevTools protocol to drive one page: navigate, evaluate, screenshot."""

    def __init__(self, socket):
        self.socket, self.next_id = socket, 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def text(self) -> str:
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def wait_for_text(self, wanted: str, timeout: float = 90) -> str:
        """The page's text once it holds ``wanted``, or as it stands when the time is up."""
        deadline, text = time.time() + timeout, ""
        while time.time() < deadline and wanted not in text:
            time.sleep(1)
            text = self.text()
        return text

    def click_text(self, selector: str, text: str) -> bool:
        """Clicks the first element matching the CSS selector whose own text is ``text``."""
        return bool(
            self.evaluate(
                f"(() => {{ const e = [...document.querySelectorAll({json.dumps(selector)})]"
                f".find(e => e.innerText && e.innerText.trim() === {json.dumps(text)});"
                " if (e) { e.click(); return true; } return false; })()"
            )
        )

    def skip_first_visit_dialog(self) -> None:
        """The first visit opens a community dialog over the page a moment after it loads."""
        for _ in range(20):
            if self.click_text("button", "Skip"):
                break
            time.sleep(0.5)
        time.sleep(1)

    def table_rows(self) -> list[list[str]]:
        """The text of every cell of every table row on the page, tables inside tables included."""
        return self.evaluate("[...document.querySelectorAll('tr')].map(r => [...r.cells].map(c => c.innerText.trim()))") or []

    def scroll_to_cell(self, text: str) -> bool:
        """Scroll the table cell holding exactly ``text`` to the top of the view; whether there was one."""
        return bool(
            self.evaluate(
                f"(() => {{ const cell = [...document.querySelectorAll('td')].find(c => c.innerText.trim() === {json.dumps(text)});"
                " if (!cell) return false; cell.scrollIntoView({block: 'start'}); return true; })()"
            )
        )

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])


@contextmanager
def chromium(profile: Path, size: str = "1400,900") -> Iterator[DevTools]:
    """A headless Chromium with one blank page, driven through DevTools."""
    from websockets.sync.client import connect

    port = free_port()
    browser = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--remote-debugging-port={port}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, page = time.time() + 60, None
        while page is None and time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                    page = next(t for t in json.load(response) if t["type"] == "page")
            except (OSError, StopIteration):
                time.sleep(0.5)
        assert page is not None, "Chromium's DevTools endpoint did not come up"
        with connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
            tools = DevTools(socket)
            tools.call("Page.enable")
            yield tools
    finally:
        browser.terminate()
        browser.wait(timeout=30)
