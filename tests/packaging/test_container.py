"""Slow, opt-in (make test-container): the Dockerfile built into an image with buildah (chroot
isolation, a debootstrap'ed Debian base: packaging/container.sh), its CLI run in it, and the
daemon run in a derived test image, answering over gRPC and the HTTP API from the host.

The test files (model, config, state) live under /srv/test in the derived image, not under the
image's VOLUME paths, which a runtime may mask with empty volumes. Needs root, buildah and
debootstrap, and the Debian and PyPI mirrors for the build (nothing at run time).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.client import NO_RETRY, Client
from tests.packaging.conftest import ROOT

pytestmark = pytest.mark.container

TAG = "localhost/llm-appliance:test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _buildah(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["buildah", *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.fixture(scope="module")
def image() -> str:
    if os.geteuid() != 0 or shutil.which("buildah") is None:
        pytest.fail("needs root and buildah: run it through make test-container")
    built = subprocess.run([str(ROOT / "packaging/container.sh"), TAG], cwd=ROOT,
                           capture_output=True, text=True, timeout=3600, check=False)
    assert 0 == built.returncode, built.stdout[-3000:] + built.stderr[-3000:]
    return TAG


@pytest.fixture
def container(image: str) -> Iterator[str]:
    made = _buildah("from", "--quiet", image)
    assert 0 == made.returncode, made.stderr
    ctr = made.stdout.strip()
    yield ctr
    _buildah("rm", ctr)


def _daemon_pids() -> list[int]:
    """The daemon process(es) buildah runs for this test (not buildah itself)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"/srv/test/appliance.toml" in cmd and b"serve" in cmd \
                and not any(b"buildah" in part for part in cmd):
            pids.append(int(proc.name))
    return pids


def _run(ctr: str, *cmd: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    who = ["--user", user] if user else []
    return _buildah("run", "--isolation", "chroot", *who, ctr, "--", *cmd)


@pytest.mark.timeout(3600)
def test_the_cli_runs_clean_and_checks_the_installed_config(container: str) -> None:
    version = _run(container, "appliance", "--version")
    assert 0 == version.returncode, version.stderr
    assert version.stdout.startswith("llm-appliance ")
    assert "" == version.stderr  # no traceback from corrupted byte code
    # Without --config: the installed /etc/llm-appliance/appliance.toml, which names what is
    # missing before the daemon may start (exit 2, one line each, no traceback).
    check = _run(container, "appliance", "config", "check")
    assert 2 == check.returncode
    assert "/etc/llm-appliance/appliance.toml: audit.officer_public_key" in check.stdout \
        + check.stderr
    assert "Traceback" not in check.stderr
    who = _run(container, "id", "-un")
    assert "llm-appliance" == who.stdout.strip()
    # The dashboard and alert rules come with the .deb, for a site's Grafana and Prometheus.
    for name in ("grafana-dashboard.json", "alerts.yml", "alerts_test.yml"):
        shipped = _run(container, "test", "-s", f"/usr/share/llm-appliance/observability/{name}")
        assert 0 == shipped.returncode, name


@pytest.mark.timeout(3600)
def test_the_daemon_serves_grpc_and_http_in_a_derived_image(container: str, model_path: Path,
                                                             tmp_path: Path) -> None:
    port, http_port = _free_port(), _free_port()
    cfg = tmp_path / "appliance.toml"
    cfg.write_text(
        'state_dir = "/srv/test/state"\n[logging]\nformat = "json"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\n[http]\nlisten = "127.0.0.1:{http_port}"\n'
        '[metrics]\nlisten = ""\n[audit]\ndev_officer_key = true\n[auth]\nrequired = false\n'
        '[models.v3]\npath = "/srv/test/model.gguf"\nn_threads = 2\n'
        '[models.r1]\npath = "/srv/test/model.gguf"\nn_threads = 2\n')
    for src, dest in ((model_path, "/srv/test/model.gguf"), (cfg, "/srv/test/appliance.toml")):
        copied = _buildah("copy", "--quiet", container, str(src), dest)
        assert 0 == copied.returncode, copied.stderr
    owned = _run(container, "chown", "-R", "llm-appliance:llm-appliance", "/srv/test",
                 user="root")
    assert 0 == owned.returncode, owned.stderr
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(["buildah", "run", "--isolation", "chroot", container, "--",
                              "appliance", "serve", "--config", "/srv/test/appliance.toml"],
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        ready = False
        while time.monotonic() < deadline and serve.poll() is None and not ready:
            time.sleep(1)
            ready = '"event": "ready"' in (tmp_path / "serve.log").read_text()
        assert ready, (tmp_path / "serve.log").read_text()[-3000:]
        with Client(f"127.0.0.1:{port}", timeout=120, retry=NO_RETRY) as c:
            answer = c.generate("What is the capital of France?", max_tokens=8,
                                temperature=0.0)
        assert 0 < answer.usage.completion_tokens <= 8
        import httpx

        r = httpx.post(f"http://127.0.0.1:{http_port}/v1/chat/completions", timeout=120,
                       json={"model": "deepseek-chat", "max_tokens": 8, "temperature": 0,
                             "messages": [{"role": "user", "content": "Hello"}]})
        assert 200 == r.status_code, r.text
        assert "chat.completion" == r.json()["object"]
    finally:
        # To the daemon itself: buildah answers a SIGTERM by killing its child outright.
        for pid in _daemon_pids():
            os.kill(pid, signal.SIGTERM)
        try:
            code = serve.wait(120)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(serve.pid, signal.SIGKILL)
            log.close()
    events = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()
              if line.startswith("{")]
    assert "stopped" in {e.get("event") for e in events}
    assert 0 == code
