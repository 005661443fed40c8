"""Drift: what the hosts report against the plan that was applied, every difference listed.

The comparison is a pure function over the plan and a facts dict, per machine:

    {"toto": {"reachable": True,
              "host": {...} | None,          # /etc/elenta/host.json as found (None: absent)
              "nixos": {"revision": "…", "current": "/nix/store/…", ...},   # NixosSystem fact
              "guests": {"vms": ["web1"], "containers": []},                 # running guests
              "artifacts": {"dns/dns/zones/canon.zone": "sha256:…"}}}       # installed files

A key that is missing (or None, for `guests`/`nixos`) was not gathered and is not compared.
`find_drift(plan, facts, revision="abc")` -> `[Drift("toto", "hostdata", "data.x", "1", "2")]`.
`gather_facts(lab, plan)` reads them over SSH, one round trip per host, in parallel.

The core compares reachability and installed artifacts; every other key belongs to a subsystem
(`Subsystem.drift_probe`, `drift_read`, `drift`: `host` to hostdata, `nixos` and `guests` to nixos).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elenta.compile.plan import Plan
from elenta.model.lab import Lab
from elenta.subsystem import registered

Facts = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Drift:
    """One difference between the plan and a host: `elenta drift` prints one line for each."""

    machine: str
    subsystem: str
    item: str
    expected: str
    actual: str

    def __str__(self) -> str:
        where = f"{self.machine}: {self.subsystem}: {self.item}"
        return f"{where}: plan has {self.expected}, host has {self.actual}"


def show(value: Any) -> str:
    """A fact as a drift line shows it: `show({"a": 1}) == '{"a": 1}'`."""
    return json.dumps(value, sort_keys=True)


def _artifact_hashes(plan: Plan, machine: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for subsystem, table in plan.manifest.get("subsystems", {}).items():
        for path, digest in table.get("machines", {}).get(machine, {}).items():
            out[f"{subsystem}/{path}"] = digest
    return out


def find_drift(plan: Plan, facts: Facts, *, revision: str | None = None) -> list[Drift]:
    """Every difference between the plan and the facts (pure): `find_drift(plan, facts)`.

    `revision` is the lab revision recorded when the plan was applied; a host whose NixOS
    system reports another `configurationRevision` has drifted.
    """
    out: list[Drift] = []
    planned = plan.manifest.get("machines", {})
    for machine in sorted(set(planned) | set(facts)):
        if machine not in planned:
            out.append(Drift(machine, "plan", "(machine)", "nothing for it", "reports facts"))
            continue
        got = facts.get(machine)
        if got is None:
            continue
        if not got.get("reachable", True):
            out.append(
                Drift(machine, "host", "(reachable)", "a reachable host", got.get("error") or "no answer")
            )
            continue
        for subsystem in registered():
            out += subsystem.drift(plan, machine, got, revision)
        installed = got.get("artifacts")
        if installed is not None:
            for path, digest in sorted(_artifact_hashes(plan, machine).items()):
                if path in installed and installed[path] != digest:
                    actual = "missing" if installed[path] is None else installed[path]
                    out.append(Drift(machine, path.split("/", 1)[0], path.split("/", 1)[1], digest, actual))
    return out


# -- gathering ---------------------------------------------------------------------------------

_MARK = "@@elenta-drift@@"


def drift_command(installed: list[str] | None = None) -> str:
    """One shell snippet printing the sha256 of each installed artifact path, then every
    subsystem's probe sections: `drift_command(["/etc/exports.d/elenta.exports"])`."""
    hashes = [
        f"(sha256sum -- {shlex.quote(p)} 2>/dev/null || echo - {shlex.quote(p)})" for p in installed or []
    ]
    probes = [
        part
        for subsystem in registered()
        for section, command in subsystem.drift_probe().items()
        for part in (f"echo {_MARK}{section}", command)
    ]
    return "; ".join([f"echo {_MARK}installed", *hashes, *probes, "true"])


def parse_drift_output(text: str) -> dict[str, Any]:
    """Turn `drift_command()`'s output into one machine's facts (see the module docstring)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith(_MARK):
            current = line[len(_MARK) :]
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    facts: dict[str, Any] = {"reachable": True}
    for subsystem in registered():
        facts.update(subsystem.drift_read(sections))
    if "installed" in sections:
        facts["installed"] = {}
        for line in sections["installed"]:
            digest, _, path = line.strip().partition(" ")
            path = path.strip().lstrip("*")
            if path:
                facts["installed"][path] = None if digest == "-" else f"sha256:{digest}"
    return facts


Reader = Callable[[Lab, str, dict[str, str]], dict[str, Any]]


def read_host_over_ssh(lab: Lab, machine: str, installed: dict[str, str]) -> dict[str, Any]:
    """One machine's facts through the deployer's SSH (one round trip); `installed` maps host
    paths to `subsystem/path` artifact names."""
    from elenta.inventory import ssh_data
    from elenta.pipeline.ssh import SshTarget, run_ssh

    target = SshTarget.from_data(ssh_data(lab, machine, no_dns=True), machine)
    proc = run_ssh(target, drift_command(sorted(installed)), timeout=30)
    if proc.returncode != 0 or _MARK not in proc.stdout:
        return {"reachable": False, "error": (proc.stderr.strip() or f"exit {proc.returncode}")[:300]}
    facts = parse_drift_output(proc.stdout)
    by_path = facts.pop("installed", {})
    facts["artifacts"] = {name: by_path.get(path) for path, name in installed.items() if path in by_path}
    return facts


def gather_facts(lab: Lab, plan: Plan, *, reader: Reader | None = None, workers: int = 16) -> Facts:
    """Facts of every SSH-deployed machine of the plan, read in parallel: `gather_facts(lab, plan)`."""
    read = reader or read_host_over_ssh
    from elenta.inventory import inventory_machines

    reached = set(inventory_machines(lab))  # NixOS machines reached over SSH (not netbooted ones)
    machines = [m for m in plan.manifest.get("machines", {}) if m in reached]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(machines) or 1))) as pool:
        installed = plan.manifest.get("installed", {})
        results = list(pool.map(lambda m: read(lab, m, installed.get(m, {})), machines))
    return dict(zip(machines, results, strict=True))


@dataclass(frozen=True)
class DriftReport:
    """What `elenta drift` found: the plan compared, the differences, how many hosts answered."""

    plan: Plan
    drifts: list[Drift]
    hosts: int


def check_drift(lab: Lab, plan_ref: str = "", facts_file: str = "") -> DriftReport:
    """Compare the applied plan (or `plan_ref`) with facts from the hosts (or a JSON file).

    `check_drift(lab).drifts`; raises HistoryError when no plan was applied and none is given.
    """
    from elenta.compile.history import History, HistoryError
    from elenta.compile.rollout import applied_plan
    from elenta.compile.store import PlanStore

    plan = PlanStore(lab.state_dir).load(plan_ref) if plan_ref else applied_plan(lab)
    if plan is None:
        raise HistoryError("no plan has been applied yet; give one with --plan")
    facts = json.loads(Path(facts_file).read_text()) if facts_file else gather_facts(lab, plan)
    revision = History(lab.state_dir).revision_of(plan.hash)
    return DriftReport(plan, find_drift(plan, facts, revision=revision), len(facts))
