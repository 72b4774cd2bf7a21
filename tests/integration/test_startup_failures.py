"""Start-up failures that are the operator's doing: the real ``appliance serve`` prints one
line on stderr (its log, JSON lines, goes to stdout) and exits 2, with no traceback anywhere.
Each case fails before a model loads, so no model is needed."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.certs import CA

SECRET_LOOKING = "llma_this-is-content-not-a-reason"  # noqa: S105 - made up: never echoed


def serve(cfg: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    """``appliance serve`` on free loopback ports (``overrides``: later flags win)."""
    return subprocess.run(
        [sys.executable, "-m", "appliance", "serve", "--config", str(cfg),
         "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
         "--http-listen", "127.0.0.1:0", *overrides],
        capture_output=True, text=True, timeout=120, check=False, cwd=cfg.parent)


def config(tmp_path: Path, state_dir: Path | None = None, **sections: str) -> Path:
    lines = [f'state_dir = "{state_dir or tmp_path / "state"}"', "[audit]",
             "dev_officer_key = true", "[auth]", "required = false"]
    for name, body in sections.items():
        lines += [f"[{name}]", body]
    cfg = tmp_path / "appliance.toml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, exactly one non-empty line on stderr, no traceback on stdout or stderr."""
    everything = proc.stdout + proc.stderr
    assert 2 == proc.returncode, everything[-3000:]
    assert "Traceback" not in everything
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert 1 == len(lines), proc.stderr
    assert lines[0].startswith("appliance: ")
    return lines[0]


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port this test holds (bound and listening) while the daemon starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def test_a_garbage_tls_key(tmp_path: Path) -> None:
    """A TLS key file that is no PEM key: one line naming server.tls_key and the file (not
    its content), before grpc sees it (no C-core log lines, no 'address in use')."""
    cert, _key = CA(tmp_path / "pki", "site-ca").issue("appliance", server=True)
    garbage = tmp_path / "garbage.key"
    garbage.write_text(f"-----BEGIN PRIVATE KEY-----\n{SECRET_LOOKING}\n"
                       "-----END PRIVATE KEY-----\n")
    line = one_line(serve(config(tmp_path, server=f'tls_cert = "{cert}"\n'
                                                   f'tls_key = "{garbage}"')))
    assert "server.tls_key" in line
    assert str(garbage) in line
    assert SECRET_LOOKING not in line


def test_the_metrics_port_in_use(tmp_path: Path, held_port: int) -> None:
    """The metrics port is taken: one line naming metrics.listen; the gRPC and HTTP listeners
    that had started are stopped cleanly (no asyncio traceback at exit)."""
    line = one_line(serve(config(tmp_path), "--metrics-listen", f"127.0.0.1:{held_port}"))
    assert "metrics.listen" in line
    assert f"127.0.0.1:{held_port}" in line


def test_the_grpc_port_in_use(tmp_path: Path, held_port: int) -> None:
    """The gRPC port is taken: one line naming server.listen (no grpc C-core lines)."""
    line = one_line(serve(config(tmp_path), "--listen", f"127.0.0.1:{held_port}"))
    assert "server.listen" in line


def test_the_http_port_in_use(tmp_path: Path, held_port: int) -> None:
    """The HTTP API's port is taken: one line naming http.listen."""
    line = one_line(serve(config(tmp_path), "--http-listen", f"127.0.0.1:{held_port}"))
    assert "http.listen" in line


def test_a_state_dir_that_cannot_be_a_directory(tmp_path: Path) -> None:
    """state_dir below a regular file: one line naming state_dir."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_line(serve(config(tmp_path, state_dir=blocker / "state")))
    assert "state_dir" in line


def test_a_corrupt_tokens_file(tmp_path: Path) -> None:
    """A tokens file that does not parse: one line naming auth.tokens_file and the file,
    nothing of its content."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    tokens = state / "tokens.json"
    tokens.write_text('{"tokens": [{"name": "app", "sha256": "' + SECRET_LOOKING)
    line = one_line(serve(config(tmp_path)))
    assert "auth.tokens_file" in line
    assert str(tokens) in line
    assert SECRET_LOOKING not in line
