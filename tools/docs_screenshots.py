"""The screenshots of docs/operations.md, taken from real components.

A real daemon on the embedded default (the models ``make setup`` installs, loopback, no
config file), as the integration tests start one (tests/daemon.py); real traffic to it over
gRPC and HTTP, with PII in some prompts (made-up values) and a few calls that fail: invalid
arguments refused at the door and answers cut off by a deadline; a real Prometheus (Debian's
``prometheus``) scraping it every second with the shipped rules
(packaging/observability/alerts.yml); headless Chromium on loopback only. The traffic goes on
until the shipped ``ApplianceErrorRateHigh`` fires (its condition must hold for its whole
``for: 5m``, so about six minutes in all), then it takes:

- ``prometheus-alerts.png``: Prometheus's alerts page with every shipped rule, the firing one
  opened and the annotations shown (clicked over Chromium's DevTools protocol);
- ``prometheus-ttft-p99.png``, ``prometheus-requests-by-route.png``,
  ``prometheus-pii-masked.png``: Prometheus graph pages of three of the Grafana dashboard's
  panels (packaging/observability/grafana-dashboard.json), its own queries with Grafana's
  variables filled in;
- ``officer-report.png``: the top of the officer's report (``appliance audit report``) on the
  daemon's own audit log, once the daemon has stopped.

PNGs are recompressed losslessly (zlib level 9) and their sizes printed as JSON.

    make docs-screenshots       # .venv/bin/python tools/docs_screenshots.py --out docs/images
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.audit.report import find_browser  # noqa: E402
from appliance.client import Client, RpcError  # noqa: E402
from tests.daemon import Daemon  # noqa: E402

OBSERVABILITY = ROOT / "packaging" / "observability"
ALERTS = OBSERVABILITY / "alerts.yml"
DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"
#: The alert the traffic makes fire (deadline failures are errors on the appliance's side).
FIRING = "ApplianceErrorRateHigh"
#: Grafana's variables, filled in as tests/integration/test_observability_rules.py does.
GRAFANA_VARS = {"$__rate_interval": "1m", "$__range": "1h", "$instance": ".*", "$tier": ".*"}
#: (file, dashboard panel title, which of its queries): the graph pages taken.
GRAPHS = (("prometheus-ttft-p99.png", "Time to first token (p50, p90, p99)", 2),
          ("prometheus-requests-by-route.png", "Requests by tier and route", 0),
          ("prometheus-pii-masked.png", "PII masked by type", 0))
#: Prompts with PII, every value made up (reserved domains, fictional numbers, test IBANs and
#: cards): what the masking and its counters see.
PII_PROMPTS = (
    "Draft a short reply to Jane Roe (jane.roe@example.org) about her order.",
    "Call Mark Example on +44 20 7946 0958 and confirm the meeting.",
    "Refund to IBAN GB82 WEST 1234 5698 7654 32, card 4111 1111 1111 1111.",
    "Summarise: John Smith from 10.20.30.40 wrote to support@example.com twice.",
)
#: JavaScript: the page's jQuery has no request in flight (Prometheus's classic UI).
JQUERY_IDLE = "typeof jQuery !== 'undefined' && jQuery.active === 0"
#: JavaScript: open the firing rules on Prometheus's alerts page and show annotations.
OPEN_FIRING = ("document.querySelectorAll('tr.alert-danger.alert_header')"
               ".forEach(row => row.click());"
               "document.querySelector('div.show-annotations').click();")
PLAIN_PROMPTS = ("The capital of France is", "Name three primary colours.",
                 "Write one sentence about the sea.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


def _wait(what: str, condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.5)


@contextlib.contextmanager
def daemon_on_embedded_default(work: Path) -> Iterator[Daemon]:
    """``appliance serve`` with no config file (APPLIANCE_CONFIG empty, so not /etc's either):
    the embedded default, its state under ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    daemon = Daemon(work, None, env={"APPLIANCE_CONFIG": "",
                                     "XDG_STATE_HOME": str(work / "xdg")})
    try:
        daemon.wait_for("ready", timeout=900)
        yield daemon
    finally:
        code = daemon.stop()
        if code != 0:
            raise RuntimeError(f"the daemon exited {code}: {daemon.log_path}")


@contextlib.contextmanager
def prometheus(work: Path, metrics_url: str) -> Iterator[str]:
    """Debian's prometheus on a free loopback port, scraping ``metrics_url`` every second
    with the shipped rules; yields its base URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise SystemExit("prometheus is not installed (Debian's prometheus package: make setup)")
    target = urllib.parse.urlsplit(metrics_url)
    config = work / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [{"job_name": "llm-appliance", "metrics_path": target.path,
                            "static_configs": [{"targets": [target.netloc]}]}]}))
    url = f"http://127.0.0.1:{_free_port()}"
    with (work / "prometheus.log").open("wb") as log:
        proc = subprocess.Popen([binary, f"--config.file={config}",
                                 f"--storage.tsdb.path={work / 'tsdb'}",
                                 f"--web.listen-address={url.removeprefix('http://')}"],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            def ready() -> bool:
                if proc.poll() is not None:
                    raise RuntimeError(f"prometheus exited: {work / 'prometheus.log'}")
                try:
                    with urllib.request.urlopen(f"{url}/-/ready", timeout=2):  # noqa: S310
                        return True
                except OSError:
                    return False
            _wait("prometheus gets ready", ready, 60)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def alert_states(url: str) -> dict[str, str]:
    alerts = _get_json(f"{url}/api/v1/alerts")["data"]["alerts"]
    return {a["labels"]["alertname"]: a["state"] for a in alerts}


def _http_chat(http_url: str, prompt: str) -> None:
    body = json.dumps({"model": "v3", "max_tokens": 16, "temperature": 0.0,
                       "messages": [{"role": "user", "content": prompt}]}).encode()
    req = urllib.request.Request(f"{http_url}/chat/completions", data=body,  # noqa: S310
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310 - loopback
        resp.read()


def _fail_on_deadline(client: Client) -> bool:
    """One Generate the daemon ends DEADLINE_EXCEEDED: a long answer with a quarter of a
    second to give it (as test_observability_rules does)."""
    for _ in range(10):
        try:
            client.generate("Count from 1 to 500, one number per line.", model="v3",
                            max_tokens=512, temperature=0.0, timeout=0.25)
        except RpcError as err:
            return err.code.name == "DEADLINE_EXCEEDED"
    return False


def traffic_round(client: Client, http_url: str, n: int) -> dict[str, int]:
    """One round: answers on both tiers over gRPC (unary and streamed) and HTTP, two with
    PII, one call refused INVALID_ARGUMENT and one cut off by its deadline."""
    counts = {"ok": 0, "invalid": 0, "deadline": 0}
    client.generate(PII_PROMPTS[n % len(PII_PROMPTS)], model="v3", max_tokens=16,
                    temperature=0.0)
    list(client.stream(PLAIN_PROMPTS[n % len(PLAIN_PROMPTS)], model="v3", max_tokens=16,
                       temperature=0.0))
    _http_chat(http_url, PII_PROMPTS[(n + 1) % len(PII_PROMPTS)])
    counts["ok"] += 3
    if n % 2 == 0:
        client.generate(PLAIN_PROMPTS[n % len(PLAIN_PROMPTS)], model="r1", max_tokens=16)
        counts["ok"] += 1
    try:
        client.generate("x", model="v3", max_tokens=-1)
    except RpcError as err:
        counts["invalid"] += err.code.name == "INVALID_ARGUMENT"
    counts["deadline"] += _fail_on_deadline(client)
    return counts


class Browser:
    """Headless Chromium driven over its DevTools protocol on a pipe (``--remote-debugging-
    pipe``: no port), loopback only: no proxy, every host name but 127.0.0.1 unresolvable, a
    fresh profile. One page, navigated, waited for, clicked where a person would click, and
    captured."""

    def __init__(self, profile: Path) -> None:
        to_child, self._send_fd = os.pipe()
        self._recv_fd, from_child = os.pipe()
        cmd = [find_browser(), "--headless", "--disable-gpu", "--no-first-run",
               "--no-default-browser-check", "--disable-extensions", "--no-proxy-server",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--hide-scrollbars",
               "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"]
        if os.geteuid() == 0:
            cmd.append("--no-sandbox")  # Chromium refuses root inside its sandbox

        def pipes_as_3_and_4() -> None:  # the protocol's fixed descriptors in the child
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        # pass_fds keeps 3 and 4 open past the close that follows preexec_fn.
        self._proc = subprocess.Popen(cmd, pass_fds=(3, 4),
                                      preexec_fn=pipes_as_3_and_4,  # noqa: PLW1509
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        page = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget",
                                   {"targetId": page, "flatten": True})["sessionId"]
        self._call("Page.enable", session=True)

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._recv_fd, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def _call(self, method: str, params: dict[str, Any] | None = None,
              session: bool = False) -> dict[str, Any]:
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session:
            command["sessionId"] = self._session
        os.write(self._send_fd, json.dumps(command).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            if "method" in message:
                self._events.append(message)

    def _evaluate(self, expression: str) -> Any:
        got = self._call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                              "awaitPromise": True}, session=True)
        if "exceptionDetails" in got:
            raise RuntimeError(f"{expression}: {got['exceptionDetails']}")
        return got["result"].get("value")

    def _wait_event(self, method: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(e["method"] == method for e in self._events):
            if b"\0" not in self._buffer:  # nothing whole in hand: wait for more
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._recv_fd], [], [], left)[0]:
                    raise TimeoutError(f"no {method} within {timeout:.0f} s")
            message = self._message()
            if "method" in message:
                self._events.append(message)

    def shot(self, url: str, png: Path, size: tuple[int, int], *,  # noqa: PLR0913
             ready: str = "true", then: str = "", full_height: bool = False) -> None:
        """Load ``url`` in a window of ``size`` (width, height), wait until the JavaScript
        ``ready`` is true (the page's own requests done), run ``then`` (clicks), and save the
        window (or, with ``full_height``, the whole page's height) as ``png``."""
        width, height = size
        self._call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True)
        self._events.clear()
        self._call("Page.navigate", {"url": url}, session=True)
        self._wait_event("Page.loadEventFired", 60)
        _wait(f"{url} loads", lambda: self._evaluate(
            f"document.readyState === 'complete' && Boolean({ready})") is True, 60)
        if then:
            self._evaluate(then)
        time.sleep(1.0)  # let the page lay out and draw what it fetched or toggled
        clip_height = height
        if full_height:
            clip_height = max(height, int(self._evaluate(
                "document.documentElement.scrollHeight")))
        data = self._call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": full_height,
            "clip": {"x": 0, "y": 0, "width": width, "height": clip_height, "scale": 1}},
            session=True)["data"]
        png.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self._call("Browser.close")
        try:
            self._proc.wait(20)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._send_fd)
        os.close(self._recv_fd)


@contextlib.contextmanager
def browser() -> Iterator[Browser]:
    with tempfile.TemporaryDirectory(prefix="docs-shot-") as profile:
        b = Browser(Path(profile))
        try:
            yield b
        finally:
            b.close()


def recompress(png: Path) -> None:
    """Lossless: the image data deflated again at level 9, in one IDAT chunk."""
    data = png.read_bytes()
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise ValueError(f"{png} is not a PNG")
    chunks: list[tuple[bytes, bytes]] = []
    idat = bytearray()
    pos = len(signature)
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IDAT":
            if not idat:
                chunks.append((kind, b""))
            idat += body
        else:
            chunks.append((kind, body))
    packed = zlib.compress(zlib.decompress(bytes(idat)), 9)
    if len(packed) >= len(idat):
        return
    out = bytearray(signature)
    for kind, body in chunks:
        payload = packed if kind == b"IDAT" else body
        out += len(payload).to_bytes(4, "big") + kind + payload
        out += zlib.crc32(kind + payload).to_bytes(4, "big")
    png.write_bytes(bytes(out))


def graph_url(prometheus_url: str, title: str, index: int) -> str:
    """Prometheus's graph page for one query of the dashboard's panel ``title``."""
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    panel = next(p for p in panels if p.get("title") == title)
    expr = panel["targets"][index]["expr"]
    for var, value in GRAFANA_VARS.items():
        expr = expr.replace(var, value)
    query = urllib.parse.urlencode({"g0.expr": expr, "g0.tab": "0", "g0.stacked": "0",
                                    "g0.range_input": "10m"})
    return f"{prometheus_url}/classic/graph?{query}"


def officer_report(state: Path, work: Path) -> Path:
    """``appliance audit report`` on the stopped daemon's log, with the development officer
    key the embedded default made."""
    out = work / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "appliance", "audit", "report", "--dir", str(state / "audit"),
         "--key", str(state / "dev-officer" / "officer.key"),
         "--anchors", str(state / "audit-anchors.jsonl"), "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"appliance audit report exited {done.returncode}: "
                           f"{done.stderr[-1500:]}")
    return out


def run(out: Path, work: Path, max_wait: float) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    totals = {"ok": 0, "invalid": 0, "deadline": 0}
    started = time.monotonic()
    shots: list[Path] = []
    with daemon_on_embedded_default(work / "daemon") as daemon, \
            prometheus(work, daemon.metrics_url) as prom:
        if daemon.address is None:
            raise RuntimeError("the daemon logged no listening address")
        _wait("prometheus scrapes the daemon", lambda: [
            r["value"][1] for r in _get_json(
                f"{prom}/api/v1/query?query=up")["data"]["result"]] == ["1"], 60)
        with Client(daemon.address, timeout=120.0) as client:
            n = 0
            while alert_states(prom).get(FIRING) != "firing":
                if time.monotonic() - started > max_wait:
                    raise TimeoutError(f"{FIRING} did not fire within {max_wait:.0f} s: "
                                       f"{alert_states(prom)}")
                for key, value in traffic_round(client, daemon.http_url, n).items():
                    totals[key] += value
                n += 1
                print(f"round {n}: {totals}, alerts {alert_states(prom)}", file=sys.stderr)
                time.sleep(5)
        with browser() as chromium:
            # The firing rule opened and the annotations shown, as a person would click.
            alerts = out / "prometheus-alerts.png"
            chromium.shot(f"{prom}/classic/alerts", alerts, (1200, 700), ready=JQUERY_IDLE,
                          then=OPEN_FIRING, full_height=True)
            shots.append(alerts)
            for name, title, index in GRAPHS:
                chromium.shot(graph_url(prom, title, index), out / name, (1200, 720),
                              ready=f"{JQUERY_IDLE} && document.querySelector('svg') !== null",
                              then="document.activeElement.blur();", full_height=True)
                shots.append(out / name)
            states = alert_states(prom)
    report = officer_report(work / "daemon" / "xdg" / "llm-appliance", work)
    with browser() as chromium:
        chromium.shot(report.as_uri(), out / "officer-report.png", (1300, 1500),
                      ready="document.querySelectorAll('.main-svg').length > 0")
    shots.append(out / "officer-report.png")
    for png in shots:
        recompress(png)
    return {"traffic": totals, "alerts": states,
            "seconds": round(time.monotonic() - started),
            "files": {str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p):
                      p.stat().st_size for p in shots}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images",
                    help="where the PNGs go (default docs/images)")
    ap.add_argument("--max-wait", type=float, default=900,
                    help=f"seconds of traffic before giving up on {FIRING} (default 900)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (daemon and Prometheus logs, audit log)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="docs-screenshots-"))
    try:
        result = run(args.out.resolve(), work, args.max_wait)
    finally:
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
