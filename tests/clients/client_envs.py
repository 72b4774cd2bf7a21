"""The client environments of tests/clients, built apart from the project's venv so that each
client runs with its own dependency versions, as it would in an application.

- Python: ``python3 -m venv`` + ``pip install -r tests/clients/requirements.txt`` (every
  package pinned exactly, from the configured index and the local mirrors; about 41 s with a
  warm pip cache, 514 MB: litellm and what it brings are 16 s and 275 MB of that).
- Node: ``npm install`` of tests/clients/package.json (the official ``openai`` SDK, no other
  dependency; a few seconds from the configured npm registry).

Both are cached under build/client-envs/, keyed by a hash of their pin file and the
interpreter, and built once per machine (``make client-envs`` runs this module before pytest;
the test fixtures build them themselves when missing). A half-built environment (no
``.complete`` marker) is removed and built again. Nothing is fetched while the tests run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = Path(os.environ.get("APPLIANCE_CLIENT_ENVS", ROOT / "build" / "client-envs"))
REQUIREMENTS = HERE / "requirements.txt"
PACKAGE_JSON = HERE / "package.json"
#: The interpreter the client venv is made from: the base interpreter under the running one
#: (a venv made from it sees none of the project venv's packages).
BASE_PYTHON = os.environ.get("APPLIANCE_CLIENT_PYTHON",
                             str(Path(sys.base_prefix) / "bin" / "python3"))


def _key(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:12]


def _build(target: Path, make: list[list[str]], cwd_files: tuple[Path, ...] = ()) -> Path:
    """Run ``make`` (commands, {dir} replaced by the target) into ``target`` once, under a
    lock; returns the target. Raises RuntimeError with the tool's output on a failure."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f".{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for f in cwd_files:
            shutil.copy2(f, target / f.name)
        start = time.monotonic()
        for cmd in make:
            argv = [a.replace("{dir}", str(target)) for a in cmd]
            done = subprocess.run(argv, cwd=target, capture_output=True, text=True,
                                  timeout=900, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                                   f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        (target / ".complete").write_text(f"built in {time.monotonic() - start:.0f} s\n")
        return target


def python_env() -> Path:
    """The client venv's python executable (built if missing)."""
    version = subprocess.run([BASE_PYTHON, "-c", "import sys; print(sys.version)"],
                             capture_output=True, check=True).stdout
    target = CACHE / f"python-{_key(REQUIREMENTS.read_bytes(), version)}"
    _build(target, [[BASE_PYTHON, "-m", "venv", "{dir}/venv"],
                    ["{dir}/venv/bin/python", "-m", "pip", "install", "--quiet",
                     "--no-input", "-r", str(REQUIREMENTS)]])
    return target / "venv" / "bin" / "python"


def node_env() -> Path:
    """The directory whose node_modules holds the openai Node SDK (built if missing)."""
    target = CACHE / f"node-{_key(PACKAGE_JSON.read_bytes())}"
    _build(target, [["npm", "install", "--no-audit", "--no-fund", "--no-package-lock",
                     "--ignore-scripts"]], cwd_files=(PACKAGE_JSON,))
    return target


def node_missing() -> str | None:
    """Why the Node scenarios cannot run here, or None."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make client-envs installs Debian's nodejs and npm)"
    return None


if __name__ == "__main__":
    for name, build in (("python", python_env), ("node", node_env)):
        if name == "node" and (why := node_missing()):
            print(f"client env {name}: skipped: {why}")
            continue
        t0 = time.monotonic()
        path = build()
        print(f"client env {name}: {path} ({time.monotonic() - t0:.0f} s)")
    sys.exit(0)
