"""Slow, opt-in (make test-deb-install): the .deb installed into a Debian 12 root made with
debootstrap, configured the way docs/operations.md says, serving a real request there without
systemd; then reinstalled, removed and purged. Needs root, unshare, debootstrap and the Debian
mirror (packages are fetched at test time, never by the appliance)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, Deb

pytestmark = pytest.mark.deb_install

MIRROR = os.environ.get("APPLIANCE_DEBIAN_MIRROR", "http://deb.debian.org/debian")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "llm-appliance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.timeout(3600)
def test_install_configure_serve_upgrade_remove_purge(deb: Deb, tmp_path: Path,
                                                       model_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("debootstrap") is None or shutil.which("unshare") is None:
        pytest.fail("needs root, debootstrap and unshare: run it as root through "
                    "make test-deb-install, which installs debootstrap")
    root = tmp_path / "bookworm"
    (CACHE / "debootstrap").mkdir(parents=True, exist_ok=True)
    boot = subprocess.run(["debootstrap", "--variant=minbase",
                           f"--cache-dir={CACHE / 'debootstrap'}", "bookworm", str(root), MIRROR],
                          capture_output=True, text=True, timeout=1800, check=False)
    assert 0 == boot.returncode, boot.stdout[-3000:] + boot.stderr[-3000:]
    script = ROOT / "tests/packaging/deb_install.sh"
    run = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", str(script),
                          str(root), str(deb.path), str(model_path), str(_free_port()),
                          str(_free_port())],
                         capture_output=True, text=True, timeout=1800, check=False)
    t = root / "tmp/t"

    def out(name: str) -> str:
        return (t / name).read_text() if (t / name).exists() else f"<no {name}>"

    assert 0 == run.returncode, run.stderr[-3000:] + out("install.log")[-3000:]
    assert (t / "done").exists()

    # Fresh install: user and directories made, not started, one clear line saying why.
    install = out("install.log")
    lines = [ln for ln in install.splitlines() if ln.startswith("llm-appliance: ")]
    assert 1 == len(lines), install[-3000:]
    assert "not started" in lines[0] and "(and 2 more: run appliance config check)" in lines[0]
    assert "2" == out("check-fresh.rc").strip()
    fresh = out("check-fresh.log")
    for key in ("models.v3.path", "models.r1.path", "audit.officer_public_key"):
        assert key in fresh, fresh
    modes = out("modes.txt")
    assert "root:llm-appliance 750 /etc/llm-appliance\n" in modes, modes
    assert "root:llm-appliance 640 /etc/llm-appliance/appliance.toml\n" in modes, modes
    assert "llm-appliance:llm-appliance 700 /var/lib/llm-appliance/audit\n" in modes, modes

    # Configured as operations.md says: config check passes, the daemon answers.
    assert "0" == out("check-ready.rc").strip(), out("check-ready.log")
    answer = json.loads(out("ask.json").strip() or "{}")
    assert answer.get("text"), out("ask.err") + out("serve.log")[-3000:]
    assert "local" == answer["served_by"]
    assert "Paris" in answer["text"]  # the pinned default model, greedy
    assert "appliance_requests_total" in out("metrics.txt")
    assert "0" == out("serve.rc").strip(), out("serve.log")[-3000:]
    assert "0" == out("verify.rc").strip(), out("verify.log")

    # Reinstall keeps the edited conffile; remove keeps config, state and the audit log;
    # purge removes state but keeps the audit log, saying so.
    assert "127.0.0.1:50051" not in out("conf-after-reinstall.toml")
    assert {"audit", "keys", "models", "tokens.json"} <= set(out("state-after-remove.ls").split())
    assert {"appliance.toml", "officer.pub"} <= set(out("etc-after-remove.ls").split())
    assert "kept the audit log" in out("purge.log")
    assert {"audit", "audit-anchors.jsonl", "keys"} == set(out("state-after-purge.ls").split())
    assert out("audit-after-purge.ls").split(), "audit segments gone after purge"
    assert ["officer.pub"] == out("etc-after-purge.ls").split()
