"""`elenta dns plan|apply` behind the task: the plan report, and the pyinfra run for the DNS hosts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from elenta.dns.check import check_zone_texts
from elenta.dns.diff import THRESHOLD, UnsafeChangeError, check_safety, diff_zone, format_diffs
from elenta.dns.render import dns_hosts, lab_zone_texts, tld_warnings
from elenta.dns.serial import serial_date, stamp
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab

REPO = Path(__file__).resolve().parents[2]
DEPLOY_FILE = """from pyinfra import host

from elenta.deploys import dns

if dns.wanted(host):
    dns.apply()
"""


class DnsApplyError(ElentaError):
    """The pyinfra run installing the zones failed (its output says where)."""

    exit_code = 1


def recorded_zones(lab: Lab, machine: str) -> dict[str, str]:
    """The zones last verified on `machine` (kept by the operation in `<state>/dns/<machine>/`)."""
    folder = lab.state_dir / "dns" / machine
    return {p.name[: -len(".zone")]: p.read_text() for p in sorted(folder.glob("*.zone"))}


def plan_report(lab: Lab, force: bool = False, reproducible: bool = False) -> str:
    """Validate the lab's zones and describe what an apply would change: `print(plan_report(lab))`.

    Raises ZoneError (lint, naming the model entries), ZoneCheckError (named-checkzone) or
    UnsafeChangeError (over 30% of a zone's record sets, unless `force`).
    """
    texts = lab_zone_texts(lab)
    check_zone_texts(texts)
    out = [*tld_warnings(lab)]
    hosts = dns_hosts(lab)
    out.append(
        f"{len(texts)} zones valid (named-checkzone -i local, elenta lint); served by {', '.join(hosts)}"
    )
    day = serial_date(reproducible)
    for machine in hosts:
        served = recorded_zones(lab, machine)
        stamped = {z: stamp(t, served.get(z), day) for z, t in texts.items()}
        diffs = [diff_zone(z, served.get(z), s.text) for z, s in stamped.items()]
        out.append(f"{machine} (against the zones last verified there):")
        out += [f"  {line}" for line in format_diffs(diffs).splitlines()]
        gone = sorted(set(served) - set(texts))
        out += [f"  zone {z}: no longer served, removed" for z in gone]
        bumped = [f"{z} {s.serial}" for z, s in stamped.items() if s.changed]
        if bumped:
            out.append(f"  new serials: {', '.join(bumped)}")
        try:
            check_safety(diffs, force)
        except UnsafeChangeError as exc:
            raise UnsafeChangeError("\n".join([*out, str(exc)])) from None
    return "\n".join(out)


def apply_command(
    lab: Lab,
    force: bool = False,
    local: bool = False,
    directory: str | None = None,
    listen: str | None = None,
    reproducible: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """The pyinfra command line and environment for `elenta dns apply`.

    Lab hosts come from `inventories/lab.py` narrowed to the DNS roles; `local=True` targets this
    machine (`@local`) as the lab's first DNS host, e.g. with `directory`/`listen` for a test server.
    """
    deploy_file = lab.state_dir / "dns" / "deploy_dns.py"
    deploy_file.parent.mkdir(parents=True, exist_ok=True)
    deploy_file.write_text(DEPLOY_FILE)
    env = dict(os.environ, ELENTA_LAB=str(lab.root.resolve()))
    data = {"elenta_dns_force": "1" if force else "", "elenta_dns_reproducible": "1" if reproducible else ""}
    if directory:
        data["elenta_dns_dir"] = directory
    if listen:
        data["elenta_dns_listen"] = listen
    if local:
        hosts = dns_hosts(lab)
        data.update(elenta_lab=str(lab.root.resolve()), elenta_machine=hosts[0], elenta_subsystems="dns")
        target = "@local"
    else:
        roles = sorted({n for c in lab.constellations for n, r in c.model.roles.items() if r.dns})
        env["ELENTA_SELECT"] = json.dumps({"roles": roles})
        env["ELENTA_NO_DNS"] = "1"  # the DNS hosts are reached by their cadaster addresses, not by DNS
        target = str(REPO / "inventories" / "lab.py")
    command = [sys.executable, "-m", "pyinfra", "-y", target, str(deploy_file)]
    for key, value in data.items():
        command += ["--data", f"{key}={value}"]
    return command, env


def apply(lab: Lab, **options: object) -> str:
    """Run the DNS deploy in a child process (pyinfra's gevent must not share invoke's process).

    `apply(lab, force=False)` returns pyinfra's output; raises DnsApplyError when it fails.
    """
    command, env = apply_command(lab, **options)  # type: ignore[arg-type]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise DnsApplyError(f"DNS apply failed (pyinfra exit {proc.returncode}):\n{output}")
    return output


__all__ = ["THRESHOLD", "apply", "apply_command", "plan_report", "recorded_zones"]
