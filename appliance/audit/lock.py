"""One writer per directory: an exclusive ``flock`` on a lock file in it, held while it writes
(``.state.lock`` in the state directory, ``.audit.lock`` in the audit directory).

A second daemon started on the same state or audit directory (a rolling restart on a shared
volume does this) would run crash recovery against a live log and write into the first one's
open segment. The lock is taken before recovery; the second instance fails at start with one
line naming the holder's PID. The kernel drops the lock when its holder dies, so a crash never
leaves it behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from appliance.errors import ConfigError


class DirectoryLock:
    def __init__(self, directory: Path, what: str, name: str) -> None:
        self.path = directory / name
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ConfigError(
                f"the {self.what} {self.path.parent} is in use by another llm-appliance "
                f"(PID {holder}); stop it first, or give this one its own state_dir",
                key="state_dir") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
