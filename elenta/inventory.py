"""Cadaster + constellations -> a pyinfra inventory: one host per machine, groups per role/tag/kind.

`inventory_groups(lab, no_dns=True)` gives `{"all": [("toto.canon", {...}), ...], "role_dns": [...],
"tag_core": [...], "kind_nixos": [...]}`; `inventories/lab.py` exposes these groups to pyinfra.
Lab hosts (`elenta lab up`) are reached hermetically (the lab key and known_hosts, an empty ssh
config); every other machine as the user reaches it: their ssh config, agent and known_hosts,
plus what the cadaster pins (`ssh.host`, `user`, `port`, `identity_file`, `proxy_jump`, `host_key`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from elenta.lab.keys import known_hosts_entry
from elenta.lab.state import HostRecord, lab_state
from elenta.lookup import lookup_address
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.model.settings import settings_path
from elenta.pipeline.ssh import SshTarget
from elenta.pipeline.ssh_resolve import SshPins, pyinfra_config, resolve_target

ENV_LOCAL = "ELENTA_LOCAL"


class SelectionError(ElentaError):
    """A `--canon`, `--role` or `--tag` that names nothing in the lab."""

    exit_code = 2


@dataclass(frozen=True)
class Selection:
    """Which machines to act on: `Selection(canons=("toto.canon",), roles=("nfs",))` (a union).

    Empty means every machine of the inventory.
    """

    canons: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing is named: every machine is selected."""
        return not (self.canons or self.roles or self.tags)

    @classmethod
    def of(cls, value: Selection | dict[str, Iterable[str]] | None) -> Selection:
        """`Selection.of({"roles": ["dns"]})`, `Selection.of(None)` (everything)."""
        if value is None:
            return cls()
        if isinstance(value, Selection):
            return value
        return cls(*(tuple(value.get(k) or ()) for k in ("canons", "roles", "tags")))


@dataclass
class _Host:
    name: str
    data: dict[str, Any]
    groups: list[str] = field(default_factory=list)


def inventory_machines(lab: Lab) -> list[str]:
    """Machines reached over SSH by pyinfra: NixOS machines that are not netbooted (cadaster order)."""
    return [m for m, spec in lab.cadaster.machines.items() if spec.kind == "nixos" and not spec.netboot]


def machine_tags(lab: Lab, machine: str) -> list[str]:
    """Cadaster tags then constellation placement tags, without repeats."""
    tags = list(lab.cadaster.machines[machine].tags)
    for hp in lab.placements.get(machine, []):
        tags += [t for t in hp.placement.tags if t not in tags]
    return tags


def machine_subsystems(lab: Lab, machine: str) -> list[str]:
    """Subsystems a machine asks for, in deploy order: `["nixos", "dns"]` for toto (see `Subsystem.wants`)."""
    from elenta.subsystem import registered

    return [s.name for s in registered() if s.wants(lab, machine)]


def select_machines(lab: Lab, selection: Selection | dict | None) -> list[str]:
    """The machines a selection names (all inventory machines when empty), in cadaster order.

    `select_machines(lab, Selection(roles=("dns",)))` -> `["toto"]`; raises SelectionError.
    """
    sel = Selection.of(selection)
    pool = inventory_machines(lab)
    if sel.empty:
        return pool
    chosen: set[str] = set()
    for name in sel.canons:
        try:
            short = lab.machine_name(name)
        except KeyError as exc:
            known = ", ".join(sorted(lab.canon(m) for m in pool))
            raise SelectionError(
                f"{lab.cadaster_file}: machines: --canon {exc.args[0]} (machines: {known})"
            ) from None
        if short not in pool:
            raise SelectionError(
                f"{lab.cadaster_file}: machines.{short}: --canon {name}: not deployed over SSH "
                f"(kind {lab.cadaster.machines[short].kind}"
                f"{', netbooted' if lab.cadaster.machines[short].netboot else ''})"
            )
        chosen.add(short)
    for role in sel.roles:
        found = [m for m in pool if role in lab.roles_of(m)]
        if not found:
            known = ", ".join(sorted({r for m in pool for r in lab.roles_of(m)}))
            raise SelectionError(
                f"--role {role}: no SSH-deployed machine of the lab carries role {role!r} (roles: {known})"
            )
        chosen.update(found)
    for tag in sel.tags:
        found = [m for m in pool if tag in machine_tags(lab, m)]
        if not found:
            known = ", ".join(sorted({t for m in pool for t in machine_tags(lab, m)}))
            raise SelectionError(
                f"--tag {tag}: no SSH-deployed machine of the lab is tagged {tag!r} (tags: {known})"
            )
        chosen.update(found)
    return [m for m in pool if m in chosen]


def ssh_data(
    lab: Lab, machine: str, *, no_dns: bool, lab_hosts: dict[str, HostRecord] | None = None
) -> dict[str, Any]:
    """pyinfra connection data for one machine, and the resolved target (`elenta_ssh`).

    A host `elenta lab up` started is reached hermetically (the lab key and known_hosts, root);
    any other machine as the user reaches it (`lab_ssh_target`). `lab_hosts`: the lab's running
    hosts when already read (`lab_state(lab).records()`).
    """
    state = lab_state(lab)
    record = (state.records() if lab_hosts is None else lab_hosts).get(machine)
    # A lab host stays one while it is down (`lab down` keeps its disk): never the user's ssh.
    if record is not None or (state.key.exists() and state.host_dir(machine).is_dir()):
        port = record.port if record is not None else lab.cadaster.machines[machine].ssh.port
        state.root.mkdir(parents=True, exist_ok=True)
        if not state.ssh_config.exists():
            state.ssh_config.write_text("")
        address = lookup_address(lab, lab.canon(machine), no_dns=no_dns)
        # A key pinned in the cadaster is checked where the lab host really listens, alone.
        pin = lab.cadaster.machines[machine].ssh.host_key
        known = str(_pinned_known_hosts(lab, machine, address, port, pin) if pin else state.known_hosts)
        target = SshTarget.lab(
            lab.canon(machine),
            address,
            port,
            str(state.key),
            known,
            str(state.ssh_config),
        )
        return {
            "ssh_hostname": address,
            "ssh_port": port,
            "ssh_user": "root",
            "ssh_key": str(state.key),
            "ssh_known_hosts_file": known,
            "ssh_strict_host_key_checking": "yes",
            "ssh_config_file": str(state.ssh_config),
            "ssh_connect_retries": 0,
            "elenta_ssh": target.as_data(),
        }
    target = lab_ssh_target(lab, machine, no_dns=no_dns)
    return {
        "ssh_hostname": target.hostname,
        "ssh_port": target.port,
        "ssh_user": target.user,
        "ssh_config_file": str(pyinfra_config(target, state.root.parent / "ssh")),
        "ssh_strict_host_key_checking": "yes",
        "ssh_allow_agent": target.agent,
        "ssh_look_for_keys": False,
        "ssh_connect_retries": 0,
        "_sudo": target.sudo,
        "elenta_ssh": target.as_data(),
    }


def lab_ssh_target(lab: Lab, machine: str, *, no_dns: bool) -> SshTarget:
    """A machine of the user's, resolved with `ssh -G`: the cadaster's pins over the user's ssh config.

    The destination is `ssh.host` (an ssh config Host alias) or the machine's address (the lab's
    DNS, or the cadaster with `no_dns`). Raises ElentaError naming the cadaster key at fault.
    """
    spec = lab.cadaster.machines[machine].ssh
    given = spec.model_fields_set
    where = f"{lab.cadaster_file}: machines.{machine}.ssh"
    identity = None
    if spec.identity_file:
        identity = settings_path(lab.root, spec.identity_file)
        if not Path(identity).is_file():
            raise SelectionError(f"{where}.identity_file: {identity} does not exist")
    config = settings_path(lab.root, lab.settings.ssh.config) if lab.settings.ssh.config else ""
    if config and not Path(config).is_file():
        raise SelectionError(f"{lab.root / 'elenta.toml'}: ssh.config: {config} does not exist")
    destination = spec.host or lookup_address(lab, lab.canon(machine), no_dns=no_dns)
    pins = SshPins(
        destination=destination,
        config=config,
        user=spec.user if "user" in given else None,
        port=spec.port if "port" in given else None,
        identity_file=identity,
        proxy_jump=spec.proxy_jump,
        sudo=spec.sudo,
        pin_hint=f"{lab.cadaster_file} [machines.{machine}] ssh",
    )
    if spec.host_key:
        target = resolve_target(lab.canon(machine), pins)
        pinned = _pinned_known_hosts(lab, machine, target.hostname, target.port, spec.host_key)
        pins = replace(pins, known_hosts=str(pinned))
    return resolve_target(lab.canon(machine), pins)


def _pinned_known_hosts(lab: Lab, machine: str, hostname: str, port: int, key: str) -> Path:
    """A known_hosts file holding only the cadaster's pinned key for one machine (only the pin counts)."""
    folder = lab_state(lab).root.parent / "ssh"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{machine}.known_hosts"
    line = known_hosts_entry(hostname, port, key) + "\n"
    if not path.exists() or path.read_text() != line:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(line)
        os.replace(tmp, path)
    return path


def host_data(
    lab: Lab, machine: str, *, no_dns: bool, shared: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything a deploy needs to know about one machine (connection data + elenta_* keys).

    `shared`: what is the same for every machine, read once for many (`shared_host_data(lab)`).
    """
    shared = shared or shared_host_data(lab)
    spec = lab.cadaster.machines[machine]
    data: dict[str, Any] = {}
    for hp in lab.placements.get(machine, []):
        data.update(hp.placement.data)
    try:
        mac: str | None = lab.cadaster.mac(machine)
    except KeyError:
        mac = None
    return {
        **ssh_data(lab, machine, no_dns=no_dns, lab_hosts=shared["lab_hosts"]),
        "elenta_lab": shared["elenta_lab"],
        "elenta_machine": machine,
        "elenta_kind": spec.kind,
        "elenta_config": lab.host_config(machine),
        "elenta_roles": lab.roles_of(machine),
        "elenta_tags": machine_tags(lab, machine),
        "elenta_subsystems": machine_subsystems(lab, machine),
        "elenta_mac": mac,
        "elenta_data": data,
        "elenta_constellations": shared["elenta_constellations"],
    }


def shared_host_data(lab: Lab) -> dict[str, Any]:
    """What `host_data` gives every machine alike: the lab folder, the constellations as data, and
    the hosts `elenta lab up` runs (read once for a whole inventory, not once per machine)."""
    return {
        "lab_hosts": lab_state(lab).records(),
        "elenta_lab": str(lab.root.resolve()),
        "elenta_constellations": {
            loaded.name: loaded.model.model_dump(mode="json", by_alias=True) for loaded in lab.constellations
        },
    }


def group_name(prefix: str, name: str) -> str:
    """A Python-identifier group name: `group_name("role", "db-a") == "role_db_a"`."""
    return f"{prefix}_{name.replace('-', '_').replace('.', '_')}"


def inventory_groups(
    lab: Lab, *, no_dns: bool = False, select: Selection | dict | None = None, local: str | None = None
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """pyinfra groups for the lab: `all`, `role_<r>`, `tag_<t>`, `kind_<k>`, each `[(canon, data)]`.

    `inventory_groups(load_lab("examples/lab"), no_dns=True)["role_dns"][0][0] == "toto.canon"`;
    `local="toto"`: this machine plays toto, as pyinfra's `@local` (no SSH; `elenta dns apply --local`).
    """
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {"all": []}
    shared = shared_host_data(lab)
    for machine in select_machines(lab, select):
        data = host_data(lab, machine, no_dns=no_dns, shared=shared)
        entry = ("@local" if machine == local else lab.canon(machine), data)
        names = ["all"]
        names += [group_name("role", r) for r in data["elenta_roles"]]
        names += [group_name("tag", t) for t in data["elenta_tags"]]
        names.append(group_name("kind", data["elenta_kind"]))
        for name in names:
            groups.setdefault(name, []).append(entry)
    return groups


def inventory_from_env(default_lab: Path | None = None) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The groups for a pyinfra inventory file, from `ELENTA_LAB`, `ELENTA_NO_DNS`, `ELENTA_SELECT`
    and `ELENTA_LOCAL` (the machine this deployer plays as `@local`, see `inventory_groups`).

    `globals().update(inventory_from_env(Path("examples/lab")))` in `inventories/lab.py`.
    """
    from elenta.model.lab import load_lab

    folder = os.environ.get("ELENTA_LAB") or default_lab
    if folder is None:
        raise SelectionError("ELENTA_LAB names no lab folder")
    return inventory_groups(
        load_lab(Path(folder)),
        no_dns=os.environ.get("ELENTA_NO_DNS", "") not in ("", "0"),
        select=json.loads(os.environ.get("ELENTA_SELECT") or "null"),
        local=os.environ.get(ENV_LOCAL) or None,
    )
