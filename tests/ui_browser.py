"""Headless Chromium driven over the Chrome DevTools protocol, to look at the Dagster UI as an
engineer would: open a page, read its text, keep a screenshot."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DevTools:
    """Just enough of the Chrome DevTools protocol to drive one page: evaluate, screenshot."""

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

    def open(self, url: str, until: str, timeout: float = 90) -> str:
        """Navigate and wait until the page's text holds ``until``; the text then."""
        self.call("Page.navigate", url=url)
        deadline, text = time.time() + timeout, ""
        while time.time() < deadline and until not in text:
            time.sleep(1)
            text = self.text()
        return text

    def skip_first_visit_dialog(self) -> None:
        """The first visit opens a community dialog over the page a moment after it loads."""
        for _ in range(20):
            clicked = self.evaluate(
                "(() => { const b = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Skip');"
                " if (b) { b.click(); return true; } return false; })()"
            )
            if clicked:
                return
            time.sleep(0.5)

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
def browser_page(profile: Path, window: str = "1400,900"):
    """A headless Chromium with one blank page, yielded as its DevTools; the browser ends after."""
    from websockets.sync.client import connect

    port = free_port()
    browser = subprocess.Popen(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-quic", f"--user-data-dir={profile}",
            f"--window-size={window}", f"--remote-debugging-port={port}", "about:blank",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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
