"""Real lab hosts for tests: the example lab's NixOS machines as sshd processes on loopback.

Fixture `lab_hosts` (session scope) yields a `LabHosts` with:
  - `path`:  a private copy of `examples/lab` (its state dir is `path/.elenta`);
  - `lab`:   the loaded `elenta.model.lab.Lab` of that copy;
  - `hosts`: `{"toto": LabHost, "nancy": …, "archimedes": …, "ifrit": …}`, each with `address`,
             `port` (a free port on its cadaster address), `ssh(cmd) -> stdout` (a fresh hermetic
             SSH connection as root) and `upper` (the host's own files seen from outside, under
             /tmp/elenta-lab/<hash>/<machine>: `upper / "etc.upper"`, `upper / "nix"`, …);
  - `inventory(no_dns=True, select=None)`: `elenta.inventory.inventory_groups` for that lab.
Each host has its own mount namespace: private /nix (empty store), /run, /tmp, /boot and
overlays over /etc, /var, /srv, /root, /home; `/etc/nix/nix.conf` has an empty `substituters =`.
Skips when not root, when `sshd`/`unshare` are missing or mount namespaces cannot be made.
At the end of the session the hosts are stopped and their files deleted (`lab_down(purge=True)`).
Use it from any test module under tests/lab/ (this conftest applies there), e.g.
`def test_x(lab_hosts): lab_hosts.hosts["toto"]`.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from elenta.lab import LabHost, lab_down, lab_unavailable, lab_up
from elenta.model.lab import Lab, load_lab

EXAMPLE_LAB = Path(__file__).resolve().parents[2] / "examples" / "lab"


@dataclass
class LabHosts:
    """The running example lab (see the module docstring)."""

    path: Path
    lab: Lab
    hosts: dict[str, LabHost] = field(default_factory=dict)

    def inventory(self, no_dns: bool = True, select: Any = None) -> dict[str, list[tuple[str, dict]]]:
        from elenta.inventory import inventory_groups

        return inventory_groups(self.lab, no_dns=no_dns, select=select)


def copy_example_lab(target: Path) -> Path:
    """Copy the example lab (without its state) to `target`: `copy_example_lab(tmp / "lab")`."""
    shutil.copytree(EXAMPLE_LAB, target, ignore=shutil.ignore_patterns(".elenta", "result*"))
    return target


@contextmanager
def running_copy(
    factory: pytest.TempPathFactory,
    name: str,
    prepare: Callable[[Path], None] | None = None,
    machines: list[str] | None = None,
    init: str = "sh",
) -> Iterator[Path]:
    """A private copy of the example lab with its hosts up (skips without root, sshd or nix).

    `with running_copy(tmp_path_factory, "deploy") as path: ...`; `prepare(path)` runs before
    `lab up` (e.g. `git init`); the hosts are stopped and purged afterwards. `machines` and `init`
    go to `lab_up` (`init="systemd"` also skips where systemd cannot boot a host).
    """
    from elenta.nix import nix_available

    reason = lab_unavailable(init) or (None if nix_available() else "nix (Debian's nix-bin) is not installed")
    if reason:
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ELENTA_STATE_DIR", raising=False)
        mp.delenv("ELENTA_LAB", raising=False)
        path = copy_example_lab(factory.mktemp(name) / "lab")
        if prepare is not None:
            prepare(path)
        lab_up(load_lab(path), machines, init=init)
        try:
            yield path
        finally:
            lab_down(load_lab(path), purge=True)


@pytest.fixture(scope="session")
def lab_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabHosts]:
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ELENTA_STATE_DIR", raising=False)
        path = copy_example_lab(tmp_path_factory.mktemp("lab-hosts") / "lab")
        lab = load_lab(path)
        running = LabHosts(path, lab, lab_up(lab))
        try:
            yield running
        finally:
            lab_down(lab, purge=True)


@pytest.fixture
def quiet_warnings() -> Iterator[None]:
    """Silence elenta's warnings (the example lab's alias-port notes) for tests about other things."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="module")
def deploy_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A private copy of the example lab with its own hosts, per test module (tests/lab/deploylab.py)."""
    from tests.lab.deploylab import deploy_lab_copy

    yield from deploy_lab_copy(tmp_path_factory)
