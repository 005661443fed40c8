"""Compliance: what each selected host runs and will boot, against what the plan wants.

The same `NixosSystem` fact as the pyinfra operations, read on every host at once (threads, one
in-process SSH connection and one command per host).
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from elenta.facts.nixos import nixos_system_command, parse_nixos_system
from elenta.nixos.build import BuiltSystem
from elenta.nixos.compliance import compliance, next_boot, pending_change
from elenta.pipeline.record import first_error_line
from elenta.pipeline.ssh import SshTarget, run_paramiko
from elenta.report import table

if TYPE_CHECKING:
    from elenta.inventory import Selection
    from elenta.model.lab import Lab
    from elenta.pipeline.ssh_ahead import ConnectionsAhead


@dataclass
class HostStatus:
    """One host's compliance: its facts (or why they could not be read) against the desired system."""

    canon: str
    desired: BuiltSystem
    facts: dict[str, Any] | None
    error: str | None
    seconds: float

    def pending(self, action: str) -> str | None:
        """Why `action` would change this host (None: nothing to do)."""
        if self.facts is None:
            return self.error
        return pending_change(action, self.facts, self.desired.path)

    @property
    def columns(self) -> dict[str, Any]:
        """`{"running_ok", "boot_ok", "compliant"}` (see `elenta.nixos.compliance.compliance`)."""
        return compliance(self.facts, self.desired.path)


def read_fact(
    target: SshTarget,
    desired: str | None,
    deploy_id: str | None = None,
    ahead: ConnectionsAhead | None = None,
) -> tuple[dict[str, Any] | None, str | None, float]:
    """`(facts, error, seconds)` for one host: `read_fact(target, "/nix/store/…")`.

    With `ahead`, on the connection it opened for this host (see `elenta.pipeline.ssh_ahead`).
    """
    started = time.monotonic()
    command = nixos_system_command(desired, deploy_id)
    if ahead is not None and target.name in ahead.targets:
        proc = ahead.run(target.name, command, timeout=30)
    else:
        proc = run_paramiko(target, command, timeout=30)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        return None, first_error_line(proc.stderr) or f"ssh exited {proc.returncode}", seconds
    return parse_nixos_system(proc.stdout.splitlines()), None, seconds


def read_status(
    targets: dict[str, SshTarget],
    desired: dict[str, BuiltSystem],
    *,
    parallel: int = 64,
    deploy_id: str | None = None,
    ahead: ConnectionsAhead | None = None,
) -> dict[str, HostStatus]:
    """Read every host's facts at once: `read_status({"toto.canon": target}, {"toto.canon": built})`.

    With `deploy_id`, each host's facts also say where that deploy stands on it (`facts["deploy"]`);
    with `ahead`, on the connections it opened (while the systems were built).
    """
    with contextlib.ExitStack() as stack:
        # The threads that opened the connections ahead read on them; else threads of our own.
        pool = ahead.pool if ahead is not None else None
        if pool is None:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=max(1, min(parallel, len(targets)))))
        futures = {
            canon: pool.submit(read_fact, target, desired[canon].path, deploy_id, ahead)
            for canon, target in targets.items()
        }
        wait(futures.values())
    out = {}
    for canon, future in futures.items():
        facts, error, seconds = future.result()
        out[canon] = HostStatus(canon, desired[canon], facts, error, seconds)
    return out


def short_path(path: str | None) -> str:
    """`/nix/store/abcdefgh…-nixos-system-dns` -> `abcdefg…-nixos-system-dns`."""
    if not path:
        return "-"
    base = path.removeprefix("/nix/store/")
    return base[:7] + "…" + base[32:] if len(base) > 33 else base


def status_rows(statuses: dict[str, HostStatus]) -> list[list[str]]:
    """Table rows: host, desired revision and system, running revision and system, boots, compliance."""
    rows = []
    for canon, st in statuses.items():
        wanted = [canon, st.desired.revision[:12], short_path(st.desired.path)]
        if st.facts is None:
            rows.append([*wanted, "?", "?", "?", f"unknown: {st.error}"])
            continue
        cols = st.columns
        boots = next_boot(st.facts)
        rows.append(
            [
                *wanted,
                (st.facts.get("revision") or "-")[:12],
                ("= " if cols["running_ok"] else "≠ ") + short_path(st.facts.get("current")),
                ("= " if cols["boot_ok"] else "≠ ") + short_path(boots),
                "in compliance" if cols["compliant"] else "OUT of compliance",
            ]
        )
    return rows


STATUS_HEADERS = ["host", "revision", "desired", "running rev", "running", "boots", "compliance"]


def compliance_status(
    lab: Lab, selection: Selection | None = None, *, no_dns: bool = False, config: str | None = None
) -> dict[str, HostStatus]:
    """Compliance of the selected hosts: `compliance_status(lab, Selection(roles=("dns",)), no_dns=True)`."""
    from elenta.inventory import Selection
    from elenta.nixos.build import build_systems
    from elenta.pipeline.run import inventory_targets
    from elenta.pipeline.ssh_ahead import ConnectionsAhead

    canons, targets, machines = inventory_targets(lab, selection or Selection(), no_dns)
    canons = [c for c in canons if config or lab.has_system(machines[c])]
    chosen = {c: targets[c] for c in canons}
    with ConnectionsAhead(chosen) as ahead:  # connected to while Nix builds
        built = build_systems(lab, [machines[c] for c in canons], config=config)
        desired = {c: built[machines[c]] for c in canons}
        return read_status(chosen, desired, ahead=ahead)


def status_table(statuses: dict[str, HostStatus]) -> str:
    """The `elenta status` table."""
    return table(STATUS_HEADERS, status_rows(statuses))
