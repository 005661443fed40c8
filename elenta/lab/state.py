"""Where the lab keeps its keys, ports and per-host roots: `<state>/lab/`, read by the inventory."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from elenta.model.lab import Lab, state_dir_of


@dataclass
class HostRecord:
    """One running lab host: where it listens and which process (and namespace) it is."""

    machine: str
    address: str
    port: int
    pid: int
    mnt_ns: str
    init: str = "sh"  # "systemd": a real systemd is PID 1 of the host's own PID namespace


@dataclass(frozen=True)
class LabState:
    """Paths of the lab state: `lab_state(lab).known_hosts`."""

    root: Path

    @property
    def key(self) -> Path:
        """The deployer's root key (ed25519, no passphrase)."""
        return self.root / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        """The lab hosts' pinned keys (`[address]:port key`), for strict host key checking."""
        return self.root / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        """An empty ssh config, so that no user or system ssh config leaks into a connection."""
        return self.root / "ssh_config"

    @property
    def hosts_file(self) -> Path:
        """`hosts.json`: per running host its address, port, pid and mount namespace."""
        return self.root / "hosts.json"

    @property
    def hosts_root(self) -> Path:
        """Where the hosts' own files live: outside the lab folder, whose flake Nix copies whole.

        `/tmp/elenta-lab/<hash of the state dir>` (`$ELENTA_LAB_HOSTS_DIR` wins): on disk on a
        stock Debian (unlike /run, a small tmpfs) and outside every folder a host overlays; hosts
        hold sockets and stores that must never end up in a `path:` flake's source.
        """
        override = os.environ.get("ELENTA_LAB_HOSTS_DIR")
        if override:
            return Path(override)
        tag = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:12]
        return Path("/tmp/elenta-lab") / tag

    def host_dir(self, machine: str) -> Path:
        """The deployer-side folder of one host: its sshd config, host key, overlay layers."""
        return self.hosts_root / machine

    def switch_key(self, switch: str) -> Path:
        """The host key the lab's emulator of a switch serves (`elenta.lab.keys.ensure_switch_key`)."""
        return self.root / "switches" / f"{switch}_ed25519_key"

    def records(self) -> dict[str, HostRecord]:
        """The running hosts recorded by `lab_up`: `lab_state(lab).records()["toto"].port`."""
        if not self.hosts_file.exists():
            return {}
        raw = json.loads(self.hosts_file.read_text())
        return {name: HostRecord(**rec) for name, rec in raw.items()}

    def save(self, records: dict[str, HostRecord]) -> None:
        """Write the running hosts atomically: `state.save(state.records())`."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.hosts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in sorted(records.items())}, indent=2) + "\n")
        os.replace(tmp, self.hosts_file)


def lab_state(lab: Lab) -> LabState:
    """The lab state of a lab (under `lab.state_dir`): `lab_state(load_lab("examples/lab"))`."""
    return lab_state_of(lab.root)


def lab_state_of(root: Path) -> LabState:
    """The lab state of the lab in folder `root`, before it is loaded: `lab_state_of(Path("lab"))`."""
    return LabState(state_dir_of(root) / "lab")
