"""Open a page in headless Chromium and watch it through the DevTools protocol (stdlib only).

Chromium is started with ``--remote-debugging-pipe``: it reads protocol commands from file
descriptor 3 and writes replies and events to descriptor 4, as NUL-terminated JSON. No
websocket library, no open port. We attach to the page target, enable the Page, Runtime,
Log and Network domains, navigate to the file, and record every console message, uncaught
exception, network request and JavaScript dialog until the page settles.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--no-default-browser-check", "--hide-scrollbars",
    "--mute-audio", "--remote-debugging-pipe",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageLog:
    console: list[dict[str, Any]] = field(default_factory=list)  # {level, text}
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [c["text"] for c in self.console if c["level"] in ("error", "assert")] \
            + self.exceptions


class Browser:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, executable: str, width: int = 1280, height: int = 1800,
                 timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="sora-bench-chromium-")
        cmd_r, cmd_w = os.pipe()  # we write commands -> chromium fd 3
        evt_r, evt_w = os.pipe()  # chromium fd 4 -> we read

        def child_fds() -> None:
            # Runs in the child before exec. Copy both ends above 4 first, so placing one
            # on 3 cannot clobber the other, then make 3 and 4 the only inheritable extras
            # (every fd Python opens is non-inheritable, PEP 446, so close_fds is not needed).
            a, b = os.dup(cmd_r), os.dup(evt_w)
            while a <= 4 or b <= 4:
                a, b = os.dup(a), os.dup(b)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self._profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            close_fds=False, preexec_fn=child_fds,  # noqa: PLW1509 - only dup2 in the child
        )
        os.close(cmd_r)
        os.close(evt_w)
        self._w, self._r = cmd_w, evt_r
        self._buf = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []
        self.session: str | None = None
        self.log = PageLog()
        self.width, self.height = width, height

    # ------------------------------------------------------------------ protocol plumbing
    def _read_message(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe: "
                                   + (self.proc.stderr.read().decode(errors="replace")[-2000:]
                                      if self.proc.poll() is not None and self.proc.stderr else ""))
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)  # type: ignore[no-any-return]

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: bool = True) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply is None:
                raise TimeoutError(f"no reply to {method}")
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            self._on_event(reply)

    def _on_event(self, ev: dict[str, Any]) -> None:
        method, p = ev.get("method", ""), ev.get("params", {})
        self._events.append(ev)
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.log.console.append({"level": p.get("type", ""), "text": text})
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.log.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            self.log.console.append({"level": e.get("level", ""),
                                     "text": f"[{e.get('source')}] {e.get('text', '')}"})
        elif method == "Network.requestWillBeSent":
            self.log.requests.append(p.get("request", {}).get("url", ""))
        elif method == "Page.javascriptDialogOpening":
            self.log.dialogs.append(p.get("message", ""))
            os.write(self._w, json.dumps({"id": 10**9 + len(self.log.dialogs),
                                         "method": "Page.handleJavaScriptDialog",
                                         "params": {"accept": True},
                                         "sessionId": self.session}).encode() + b"\0")

    def pump(self, seconds: float) -> None:
        """Process events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (ev := self._read_message(deadline)) is not None:
            self._on_event(ev)

    def wait_for(self, method: str, since: int = 0, timeout: float | None = None) -> dict[str, Any]:
        """The first ``method`` event at or after index ``since`` of the event log."""
        deadline = time.monotonic() + (timeout or self.timeout)
        checked = since
        while True:
            for e in self._events[checked:]:
                if e.get("method") == method:
                    return e
            checked = len(self._events)
            ev = self._read_message(deadline)
            if ev is None:
                raise TimeoutError(f"no {method} event")
            self._on_event(ev)

    # --------------------------------------------------------------------------- page API
    def open(self, path: Path) -> None:
        """Attach to the page, enable the domains and load ``path``; returns after load."""
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t.get("type") == "page")
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1,
                   "mobile": False})
        start = len(self._events)
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired", since=start)
        self.pump(0.5)  # late console messages, animation frames

    def evaluate(self, expression: str) -> Any:
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate failed: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def screenshot(self, out: Path, *, full_page: bool = False, max_height: int = 12000) -> Path:
        """PNG of the viewport, or of the whole page (capped at ``max_height`` px)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": self.width,
                              "height": min(float(size["height"]), max_height), "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(data))
        return out

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.send("Browser.close", session=False)
        except Exception:  # noqa: S110 - best effort, killed below anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
