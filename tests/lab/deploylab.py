"""A private copy of the example lab with its own hosts, for deploy tests that change hosts.

`deploy_lab` (a module-scoped fixture in conftest.py) yields a `DeployLab`; `results(report)` is
`{canon: result}` of a deploy report; `lock_is_free(state_dir)` and `processes_of(deploy_id)`
tell whether a deploy left its lock or a process behind (also used by scripts/fault_injection.py).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from elenta.facts.nixos import nixos_system_command, parse_nixos_system
from elenta.lab import LabHost, lab_up
from elenta.model.lab import Lab, load_lab
from elenta.nixos.build import build_systems
from elenta.pipeline.run import DeployReport, run_deploy

EXAMPLE_LAB = Path(__file__).resolve().parents[2] / "examples" / "lab"


@dataclass
class DeployLab:
    path: Path

    @property
    def lab(self) -> Lab:
        return load_lab(self.path)

    def hosts(self) -> dict[str, LabHost]:
        return lab_up(self.lab)

    def facts(self, machine: str) -> dict:
        return parse_nixos_system(self.hosts()[machine].ssh(nixos_system_command()).splitlines())

    def deploy(self, action: str = "test", **kwargs) -> DeployReport:
        kwargs.setdefault("no_dns", True)
        kwargs.setdefault("confirm_timeout", 20)
        return run_deploy(self.lab, action, kwargs.pop("selection", None), **kwargs)

    def desired(self, machine: str, config: str | None = None) -> str:
        return build_systems(self.lab, [machine], config=config)[machine].path

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.path / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new))


def results(report: DeployReport) -> dict[str, str]:
    return {r.canon: r.result for r in report.results}


def deploy_lab_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployLab]:
    """The body of the `deploy_lab` fixture: a running private copy (`running_copy`), purged after."""
    from tests.lab.conftest import running_copy

    with running_copy(tmp_path_factory, "deploy") as path:
        yield DeployLab(path)


def lock_is_free(state_dir: Path) -> bool:
    """Whether nobody holds the lab's deploy lock (tried without writing into the lock file)."""
    path = state_dir / "deploy.lock"
    if not path.exists():
        return True
    with open(path) as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


def processes_of(deploy_id: str) -> list[int]:
    """Processes still running for a deploy (its pyinfra child and what that started)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                environ = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            if f"ELENTA_DEPLOY_ID={deploy_id}".encode() in environ.split(b"\0"):
                found.append(int(entry))
    return found
