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
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elenta.compile.diff import diff_values, flatten
from elenta.compile.plan import Plan, artifact_file
from elenta.model.lab import Lab
from elenta.render.hostdata import HOST_JSON

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


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _planned_host(plan: Plan, machine: str) -> dict[str, Any] | None:
    rel = artifact_file("hostdata", machine, "host.json")
    if rel not in plan.files:
        return None
    return json.loads(plan.files[rel])


def _artifact_hashes(plan: Plan, machine: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for subsystem, table in plan.manifest.get("subsystems", {}).items():
        for path, digest in table.get("machines", {}).get(machine, {}).items():
            out[f"{subsystem}/{path}"] = digest
    return out


def find_drift(plan: Plan, facts: Facts, *, revision: str | None = None) -> list[Drift]:
    """Every difference between the plan and the facts (pure): `find_drift(plan, facts)`.

    `revision` is the lab revision recorded when the plan was applied; a host whose running
    system has no revision recorded beside it was not deployed by elenta and has drifted (an
    older revision is no drift: builds are pure, so a later commit may leave its system as it is).
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
        if "host" in got:
            expected = _planned_host(plan, machine)
            if got["host"] is None:
                out.append(Drift(machine, "hostdata", HOST_JSON, "the plan's host data", "none"))
            elif expected is not None:
                for _op, key, _text in diff_values(expected, got["host"]):
                    a, b = flatten(expected).get(key), flatten(got["host"]).get(key)
                    out.append(Drift(machine, "hostdata", key, _show(a), _show(b)))
        nixos = got.get("nixos")
        if nixos is not None and revision is not None and not nixos.get("revision"):
            out.append(Drift(machine, "nixos", "revision", revision, "none (not deployed by elenta)"))
        guests = got.get("guests")
        if guests is not None:
            entry = planned[machine]
            for kind in ("vms", "containers"):
                if guests.get(kind) is None:
                    continue
                want, have = set(entry.get(kind, {})), set(guests[kind])
                for name in sorted(want - have):
                    out.append(Drift(machine, kind, name, "running", "not running"))
                for name in sorted(have - want):
                    out.append(Drift(machine, kind, name, "absent", "running"))
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
    """One shell snippet printing the NixOS system fact, the host data, the running guests and
    the sha256 of each installed artifact path: `drift_command(["/etc/exports.d/elenta.exports"])`."""
    from elenta.facts.nixos import nixos_system_command

    hashes = [
        f"(sha256sum -- {shlex.quote(p)} 2>/dev/null || echo - {shlex.quote(p)})" for p in installed or []
    ]
    return "; ".join(
        [
            f"echo {_MARK}installed",
            *hashes,
            f"echo {_MARK}nixos",
            nixos_system_command(),
            f"echo {_MARK}host",
            f"cat {HOST_JSON} 2>/dev/null",
            f"echo {_MARK}vms",
            # VMs are microvm.nix VMs (docs/nixos.md): one running `microvm@<name>.service` each.
            "if [ -d /run/systemd/system ]; then systemctl list-units --plain --no-legend"
            " --state=running 'microvm@*.service' | sed -n 's/^microvm@\\([^ ]*\\)\\.service .*/\\1/p';"
            " else echo @@none; fi",
            f"echo {_MARK}containers",
            "if command -v nixos-container >/dev/null; then nixos-container list; else echo @@none; fi",
            "true",
        ]
    )


def parse_drift_output(text: str) -> dict[str, Any]:
    """Turn `drift_command()`'s output into one machine's facts (see the module docstring)."""
    from elenta.facts.nixos import parse_nixos_system

    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith(_MARK):
            current = line[len(_MARK) :]
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    facts: dict[str, Any] = {"reachable": True, "nixos": parse_nixos_system(sections.get("nixos", []))}
    host_text = "\n".join(sections.get("host", [])).strip()
    try:
        facts["host"] = json.loads(host_text) if host_text else None
    except json.JSONDecodeError:
        facts["host"] = {"(unreadable)": host_text[:200]}
    guests: dict[str, list[str] | None] = {}
    for kind in ("vms", "containers"):
        lines = [x.strip() for x in sections.get(kind, []) if x.strip()]
        guests[kind] = None if kind not in sections or lines == ["@@none"] else lines
    facts["guests"] = guests
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
    from elenta.apply.ssh import SshTarget, run_ssh
    from elenta.inventory import ssh_data

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
    from elenta.compile.apply import applied_plan
    from elenta.compile.history import History, HistoryError
    from elenta.compile.store import PlanStore

    plan = PlanStore(lab.state_dir).load(plan_ref) if plan_ref else applied_plan(lab)
    if plan is None:
        raise HistoryError("no plan has been applied yet; give one with --plan")
    facts = json.loads(Path(facts_file).read_text()) if facts_file else gather_facts(lab, plan)
    revision = History(lab.state_dir).revision_of(plan.hash)
    return DriftReport(plan, find_drift(plan, facts, revision=revision), len(facts))
