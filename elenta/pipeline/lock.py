"""One deploy at a time per lab: an exclusive lock file in the lab's state dir.

`with deploy_lock(lab.state_dir): ...` raises DeployLocked at once when another deploy holds it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from elenta.exitcodes import REFUSED
from elenta.model.errors import ElentaError


class DeployLocked(ElentaError):
    """Another deploy of the same lab is running."""

    exit_code = REFUSED


@contextmanager
def deploy_lock(state_dir: Path) -> Iterator[Path]:
    """Hold `<state>/deploy.lock` for the duration; the file names the holder's pid."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "deploy.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise DeployLocked(
                f"{path}: another deploy of this lab is running (pid {holder}); wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)
