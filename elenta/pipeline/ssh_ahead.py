"""In-process SSH connections opened ahead of their one command: while Nix builds, every host is
connected to and logged in to, so the fact read after the build costs each host one command.

    with ConnectionsAhead(targets) as ahead:   # connecting starts now, on threads
        systems = build_systems(...)
        proc = ahead.run("toto.canon", "readlink /run/current-system")

Each connection serves one command, then is closed (as `run_paramiko`). A connection that could
not be opened is reported like `run_paramiko` reports it; one lost while waiting is replaced by a
new one. Opened only after the run's checks passed (nothing is connected to for a refused run).
"""

from __future__ import annotations

import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from elenta.pipeline.ssh import SshTarget, run_on_client, run_paramiko


def _connect(target: SshTarget, timeout: float) -> tuple[Any, str]:
    from elenta.pipeline.ssh_client import connect  # paramiko: loaded on these threads, meanwhile

    return connect(target, timeout)


class ConnectionsAhead:
    """One connection per target, opening in the background (see the module docstring); `run`
    takes the target's name (`SshTarget.name`, the canon name in a deploy)."""

    def __init__(self, targets: dict[str, SshTarget], *, parallel: int = 64, timeout: float = 30) -> None:
        self.targets = {target.name: target for target in targets.values()}
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(parallel, len(targets))))
        """The threads opening the connections: free once they are open, for work on them (a
        task queued here after the connections never waits for a thread a connection needs)."""
        self._opening: dict[str, Future[tuple[Any, str]]] = {
            name: self.pool.submit(_connect, target, timeout) for name, target in self.targets.items()
        }

    def run(self, name: str, command: str, *, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run `command` on `name`'s connection (a new one if none was opened ahead): never raises."""
        target = self.targets[name]
        opening = self._opening.pop(name, None)
        if opening is None:
            return run_paramiko(target, command, timeout=timeout)
        client, error = opening.result()
        transport = client.get_transport() if client is not None else None
        if client is not None and (transport is None or not transport.is_active()):
            client.close()  # lost while waiting (the host restarted sshd): a new connection instead
            return run_paramiko(target, command, timeout=timeout)
        return run_on_client(target, client, error, command, timeout=timeout)

    def close(self) -> None:
        """Close every connection not used (those still opening, once they are open)."""
        for opening in self._opening.values():
            opening.add_done_callback(_close_client)
        self._opening.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> ConnectionsAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_client(opening: Future[tuple[Any, str]]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        client, _ = opening.result()
        if client is not None:
            client.close()
