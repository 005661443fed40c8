"""One deploy at a time per lab: an exclusive lock file in the lab's state dir.

`with deploy_lock(lab.state_dir, deploy_id) as held: ...` raises DeployLocked at once when another
deploy holds it. The lock is an `flock` on `<state>/deploy.lock`: the kernel drops it when the last
process holding the file open ends, so it can outlive neither the deploy nor its children (the
pipeline hands `held.fd` to the pyinfra process doing the work, which dies with it, see
`elenta.pipeline.children`). The file names the holder (`pid deploy-id`); a new holder reads who held
it last (`held.previous`), so a deploy killed before it finished is reported by the next one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from elenta.exitcodes import REFUSED
from elenta.model.errors import ElentaError


class DeployLocked(ElentaError):
    """Another deploy of the same lab is running."""

    exit_code = REFUSED
    refusal = True  # the history records the run as `refused`, not `failed`


@dataclass(frozen=True)
class HeldLock:
    """The held lock: its file, its descriptor, and the previous holder's `(pid, deploy id)`."""

    path: Path
    fd: int
    previous: tuple[str, str] | None


@contextmanager
def deploy_lock(state_dir: Path, deploy_id: str = "") -> Iterator[HeldLock]:
    """Hold `<state>/deploy.lock` for the duration; the file names the holder's pid and deploy."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "deploy.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 128, 0).decode(errors="replace").split() or ["?"]
            raise DeployLocked(
                f"{path}: another deploy of this lab is running (pid {' deploy '.join(holder[:2])});"
                " wait for it to finish"
            ) from None
        before = os.pread(fd, 128, 0).decode(errors="replace").split()
        previous = (before[0], before[1]) if len(before) >= 2 else None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {deploy_id or '-'}\n".encode(), 0)
        yield HeldLock(path, fd, previous)
    finally:
        os.close(fd)
