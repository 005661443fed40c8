"""`elenta dns plan|apply` behind the task: the plan report, and the DNS deploy on the DNS hosts
(through the deploy pipeline, `elenta.pipeline.subsystem_run`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elenta.dns.check import check_zone_texts
from elenta.dns.diff import THRESHOLD, UnsafeChangeError, ZoneDiff, check_safety, diff_zone, format_diffs
from elenta.dns.render import dns_hosts, lab_zone_texts, tld_warnings
from elenta.dns.serial import serial_date, stamp
from elenta.model.lab import Lab
from elenta.pipeline.pyinfra_command import pyinfra_command
from elenta.pipeline.subsystem_run import apply_subsystem


def recorded_zones(lab: Lab, machine: str) -> dict[str, str]:
    """The zones last verified on `machine` (kept by the operation in `<state>/dns/<machine>/`)."""
    folder = lab.state_dir / "dns" / machine
    return {p.name[: -len(".zone")]: p.read_text() for p in sorted(folder.glob("*.zone"))}


@dataclass
class HostZonePlan:
    """What an apply would change on one DNS host, against the zones last verified there."""

    machine: str
    diffs: list[ZoneDiff]
    gone: list[str]
    serials: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        """`{"machine", "zones": {zone: {"added", "removed", "serial"}}, "removed_zones"}`."""
        zones = {
            d.zone: {
                "added": [" ".join(r) for r in d.added],
                "removed": [" ".join(r) for r in d.removed],
                "serial": self.serials.get(d.zone),
            }
            for d in self.diffs
            if not d.empty
        }
        return {"machine": self.machine, "zones": zones, "removed_zones": self.gone}


@dataclass
class DnsPlan:
    """The lab's zones checked, and per DNS host what an apply would change; warnings apart."""

    zones: list[str]
    hosts: list[HostZonePlan]
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """`elenta dns plan --json`."""
        return {"zones": self.zones, "hosts": [h.as_json() for h in self.hosts], "warnings": self.warnings}

    def text(self) -> str:
        """The report `elenta dns plan` prints (warnings are not in it: they go to stderr)."""
        names = ", ".join(h.machine for h in self.hosts)
        out = [f"{len(self.zones)} zones valid (named-checkzone -i local, elenta lint); served by {names}"]
        for host in self.hosts:
            out.append(f"{host.machine} (against the zones last verified there):")
            out += [f"  {line}" for line in format_diffs(host.diffs).splitlines()]
            out += [f"  zone {z}: no longer served, removed" for z in host.gone]
            if host.serials:
                out.append(f"  new serials: {', '.join(f'{z} {s}' for z, s in host.serials.items())}")
        return "\n".join(out)


def dns_plan(lab: Lab, force: bool = False, reproducible: bool = False) -> DnsPlan:
    """Validate the lab's zones and compute what an apply would change: `dns_plan(lab).text()`.

    Raises ZoneError (lint, naming the model entries), ZoneCheckError (named-checkzone) or
    UnsafeChangeError (over 30% of a zone's record sets, unless `force`).
    """
    texts = lab_zone_texts(lab)
    check_zone_texts(texts)
    plan = DnsPlan(sorted(texts), [], list(tld_warnings(lab)))
    day = serial_date(reproducible)
    for machine in dns_hosts(lab):
        served = recorded_zones(lab, machine)
        stamped = {z: stamp(t, served.get(z), day) for z, t in texts.items()}
        diffs = [diff_zone(z, served.get(z), s.text) for z, s in stamped.items()]
        serials = {z: s.serial for z, s in stamped.items() if s.changed}
        plan.hosts.append(HostZonePlan(machine, diffs, sorted(set(served) - set(texts)), serials))
        try:
            check_safety(diffs, force)
        except UnsafeChangeError as exc:
            raise UnsafeChangeError("\n".join([plan.text(), str(exc)])) from None
    return plan


def plan_report(lab: Lab, force: bool = False, reproducible: bool = False) -> str:
    """The plan as text, warnings first: `print(plan_report(lab))` (see `dns_plan`)."""
    plan = dns_plan(lab, force=force, reproducible=reproducible)
    return "\n".join([*(plan.warnings), plan.text()])


def apply_options(
    lab: Lab,
    force: bool = False,
    local: bool = False,
    directory: str | None = None,
    listen: str | None = None,
    reproducible: bool = False,
) -> tuple[list[str], dict[str, str], str | None]:
    """The DNS hosts, the host data and the machine played as `@local` of `elenta dns apply`.

    The DNS hosts are reached by their cadaster addresses, not by DNS; `local=True` makes this
    machine the lab's first DNS host (pyinfra's `@local`), e.g. with `directory`/`listen` for a test server.
    """
    data = {"elenta_dns_force": "1" if force else "", "elenta_dns_reproducible": "1" if reproducible else ""}
    if directory:
        data["elenta_dns_dir"] = directory
    if listen:
        data["elenta_dns_listen"] = listen
    hosts = dns_hosts(lab)
    return (hosts[:1] if local else hosts), data, (hosts[0] if local and hosts else None)


def apply_command(lab: Lab, **options: Any) -> tuple[list[str], dict[str, str]]:
    """The pyinfra command line and environment `elenta dns apply` runs (`apply_options`), to run by hand.

    `apply_command(lab, force=True)`: the pipeline's own command, narrowed to the DNS subsystem.
    """
    hosts, data, local = apply_options(lab, **options)
    canons = [lab.canon(m) for m in hosts]
    return pyinfra_command(lab, canons, no_dns=True, subsystems=("dns",), data=data, local=local)


def apply(lab: Lab, **options: Any) -> str:
    """Install, reload and verify the zones on the DNS hosts, through the deploy pipeline.

    `apply(lab, force=False)` returns the table of results; raises DeployFailed naming each failed host.
    """
    hosts, data, local = apply_options(lab, **options)
    if not hosts:
        return "no machine carries a role with dns: nothing to do"
    return apply_subsystem(lab, "dns", hosts, no_dns=True, data=data, local=local)


__all__ = ["THRESHOLD", "apply", "apply_command", "dns_plan", "plan_report", "recorded_zones"]
