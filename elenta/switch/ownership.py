"""What elenta created and configured on a switch, remembered between runs.

`<state_dir>/switches/<name>.owned.json` (0600) records the VLANs elenta created (removed once
the cadaster drops them; a VLAN that was on the switch before is never removed), the ports and
port-channels it configured (reset once the cadaster drops them), and the last apply: its
backup and the sections it touched, which is exactly what `elenta net rollback` restores.

    owned = load_ownership(lab.state_dir, "sw1")
    scope = owned_scope(state, switch, owned, driver)      # what plan and apply may touch
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from elenta.model.cadaster import Switch
from elenta.switch.backups import repository
from elenta.switch.diff import Scope
from elenta.switch.drivers import SwitchDriver
from elenta.switch.naming import expand_ports
from elenta.switch.render import SwitchState


@dataclass(frozen=True)
class LastApply:
    """The last apply on a switch: its backup commit, the sections it touched, the record before it."""

    backup: str
    sections: tuple[str, ...]
    vlans_before: tuple[int, ...]
    ports_before: tuple[str, ...]


@dataclass(frozen=True)
class Ownership:
    """VLANs elenta created, ports it configured, and its last apply."""

    vlans: frozenset[int] = frozenset()
    ports: frozenset[str] = frozenset()
    last_apply: LastApply | None = field(default=None)


def _path(state_dir: Path, name: str) -> Path:
    return repository(state_dir) / f"{name}.owned.json"


def load_ownership(state_dir: Path, name: str) -> Ownership:
    """The record of switch `name` (empty when elenta never applied it)."""
    try:
        data = json.loads(_path(state_dir, name).read_text())
    except FileNotFoundError:
        return Ownership()
    last = data.get("last_apply")
    return Ownership(
        frozenset(data.get("vlans", [])),
        frozenset(data.get("ports", [])),
        LastApply(
            last["backup"],
            tuple(last["sections"]),
            tuple(last["vlans_before"]),
            tuple(last["ports_before"]),
        )
        if last
        else None,
    )


def save_ownership(state_dir: Path, name: str, ownership: Ownership) -> None:
    """Write the record (0600), replacing the previous one atomically."""
    path = _path(state_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {
        "vlans": sorted(ownership.vlans),
        "ports": sorted(ownership.ports),
        "last_apply": asdict(ownership.last_apply) if ownership.last_apply else None,
    }
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=1)
    os.replace(tmp, path)


def owned_scope(state: SwitchState, switch: Switch, ownership: Ownership, driver: SwitchDriver) -> Scope:
    """Everything elenta may touch on the switch now: cadaster, declared ranges, and its record."""
    ports = {p.name for p in state.ports} | {c.name for c in state.channels} | set(ownership.ports)
    for spec in switch.owned_ports:
        ports.update(expand_ports(spec, switch.platform))
    vlans = {v.id for v in state.vlans} | set(ownership.vlans)
    return Scope(frozenset(vlans), frozenset(ports))


def after_apply(
    state: SwitchState, running_before: set[int], ownership: Ownership, last: LastApply
) -> Ownership:
    """The record once `state` is applied on a switch that had VLANs `running_before`."""
    wanted = {v.id for v in state.vlans}
    created = (set(ownership.vlans) | (wanted - running_before)) & wanted
    ports = {p.name for p in state.ports} | {c.name for c in state.channels}
    return Ownership(frozenset(created), frozenset(ports), last)
