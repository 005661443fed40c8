"""The lab's keys: the deployer's root key, one host key per machine and per switch, known_hosts."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elenta.lab.state import HostRecord, LabState
    from elenta.model.lab import Lab


def generate_key(path: Path, comment: str) -> None:
    """A new ed25519 key pair without passphrase: `generate_key(Path("k"), "elenta-host-toto")`."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )


def ensure_root_key(path: Path) -> Path:
    """Generate the deployer's key once: `ensure_root_key(state.key)`."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate_key(path, "elenta-deployer")
    return path


def ensure_host_key(host_dir: Path) -> Path:
    """Generate a host's ed25519 key once (it stays across `lab down`/`lab up`)."""
    key = host_dir / "ssh_host_ed25519_key"
    if not key.exists():
        generate_key(key, f"elenta-host-{host_dir.name}")
    return key


def ensure_switch_key(state: LabState, switch: str) -> Path:
    """Generate the host key of a lab switch once: `ensure_switch_key(state, "sw1")`.

    The lab's switch emulator serves it (`switch_emulator.py --host-key`) and elenta trusts it
    for that switch (`elenta.switch.host_keys`), as lab hosts are pinned in the lab state.
    """
    key = state.switch_key(switch)
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        generate_key(key, f"elenta-switch-{switch}")
    return key


def ensure_switch_keys(lab: Lab) -> dict[str, Path]:
    """The host key of every switch of the cadaster, made once in the lab state (`elenta lab up`).

    `ensure_switch_keys(lab)["sw1"]` -> `<state>/lab/switches/sw1_ed25519_key`
    """
    from elenta.lab.state import lab_state

    state = lab_state(lab)
    return {
        name: ensure_switch_key(state, name)
        for name, machine in lab.cadaster.machines.items()
        if machine.switch is not None
    }


def switch_public_key(state: LabState, switch: str) -> str | None:
    """`"ssh-ed25519 AAAA…"` of a lab switch, None when the lab has no key for it."""
    public = state.switch_key(switch).with_name(state.switch_key(switch).name + ".pub")
    try:
        return " ".join(public.read_text().split()[:2])
    except OSError:
        return None


def host_public_key(host_dir: Path) -> str:
    """`"ssh-ed25519 AAAA…"` of a host, without the comment."""
    return " ".join((host_dir / "ssh_host_ed25519_key.pub").read_text().split()[:2])


def known_hosts_entry(address: str, port: int, public_key: str) -> str:
    """One known_hosts line: `known_hosts_entry("127.0.1.2", 2201, "ssh-ed25519 AAAA")`."""
    host = address if port == 22 else f"[{address}]:{port}"
    return f"{host} {public_key}"


def write_known_hosts(state: LabState, records: Mapping[str, HostRecord]) -> None:
    """Pin every running host's key at its address and port (strict checking trusts only these)."""
    lines = [
        known_hosts_entry(r.address, r.port, host_public_key(state.host_dir(r.machine)))
        for r in records.values()
    ]
    state.known_hosts.write_text("".join(line + "\n" for line in sorted(lines)))
