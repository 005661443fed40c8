"""The deploy pipeline behind `elenta deploy|switch|boot|rollback` and `inv deploy`.

    report = run_deploy(lab, "switch", Selection(roles=("dns",)), no_dns=True)
    print(report.table()); raise_for_report(report)

1. lock the lab (a second deploy refuses), select machines, build their systems (one `nix build`);
2. read every host's facts in parallel (one round trip each): hosts already in compliance are
   done (a no-op deploy ends here), unreachable hosts are reported and skipped;
3. run `pyinfra` in a child process (gevent stays out of invoke's process) on the rest, with the
   same deploy file as `pyinfra inventories/lab.py deploy.py`;
4. collect each host's events into the deploy record (`<state>/deploys/<id>/`) and a table.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from elenta.apply.build import BuiltSystem, build_systems
from elenta.apply.lock import deploy_lock
from elenta.apply.record import host_events
from elenta.apply.settings import ENV_LOCK_HELD, DeploySettings, new_deploy_id
from elenta.apply.ssh import SshTarget
from elenta.apply.status import STATUS_HEADERS, HostStatus, read_status, status_rows
from elenta.apply.switches import check_switches, push_switches, selected_switches
from elenta.inventory import Selection, inventory_groups
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.report import table

PACKAGE = Path(__file__).resolve().parent
ACTIONS = ("test", "switch", "boot", "rollback")


class DeployFailed(ElentaError):
    """Some hosts failed or rolled back; the message names each and why (the others finished)."""


@dataclass
class HostResult:
    """One row of the final table."""

    canon: str
    action: str
    result: str  # changed, unchanged, done (a subsystem ran, reported nothing), rolled-back, failed, skipped
    seconds: float
    detail: str = ""


@dataclass
class DeployReport:
    """What a deploy did: per-host results and where its record is kept."""

    deploy_id: str
    action: str
    folder: Path
    results: list[HostResult] = field(default_factory=list)

    @property
    def failed(self) -> list[HostResult]:
        """Hosts that failed or rolled back: `report.failed`."""
        return [r for r in self.results if r.result in ("failed", "rolled-back")]

    def table(self) -> str:
        """The final table: host, action, result, time, detail."""
        rows = [[r.canon, r.action, r.result, f"{r.seconds:.1f}s", r.detail] for r in self.results]
        return table(["host", "action", "result", "time", "detail"], rows)


def inventory_targets(
    lab: Lab, selection: Selection, no_dns: bool
) -> tuple[list[str], dict[str, SshTarget], dict[str, str]]:
    """Selected canon names, their SSH targets and short machine names, from the inventory."""
    hosts = inventory_groups(lab, no_dns=no_dns, select=selection)["all"]
    canons = [name for name, _ in hosts]
    targets = {name: SshTarget.from_data(data, name) for name, data in hosts}
    machines = {name: data["elenta_machine"] for name, data in hosts}
    return canons, targets, machines


def compliance_status(
    lab: Lab, selection: Selection | None = None, *, no_dns: bool = False, config: str | None = None
) -> dict[str, HostStatus]:
    """Compliance of the selected hosts: `compliance_status(lab, Selection(roles=("dns",)), no_dns=True)`."""
    canons, targets, machines = inventory_targets(lab, selection or Selection(), no_dns)
    canons = [c for c in canons if config or lab.host_config(machines[c])]
    built = build_systems(lab, [machines[c] for c in canons], config=config)
    desired = {c: built[machines[c]] for c in canons}
    return read_status({c: targets[c] for c in canons}, desired)


def status_table(statuses: dict[str, HostStatus]) -> str:
    """The `elenta status` table."""
    return table(STATUS_HEADERS, status_rows(statuses))


def _child_env(lab: Lab, settings: DeploySettings, canons: list[str], no_dns: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(settings.to_env())
    env.update(
        {
            "ELENTA_LAB": str(lab.root.resolve()),
            "ELENTA_STATE_DIR": str(lab.state_dir.resolve()),
            "ELENTA_NO_DNS": "1" if no_dns else "",
            "ELENTA_SELECT": json.dumps({"canons": canons}),
            ENV_LOCK_HELD: "1",
            "PYINFRA_YES": "1",
        }
    )
    return env


def run_pyinfra(
    lab: Lab, settings: DeploySettings, canons: list[str], no_dns: bool, echo: Callable[[str], None]
) -> int:
    """Run pyinfra (a child process) on `canons`; its full output goes to `<deploy>/pyinfra.log`."""
    assert settings.deploy_dir is not None
    log_path = settings.deploy_dir / "pyinfra.log"
    argv = [
        sys.executable,
        "-m",
        "pyinfra",
        "-y",
        "--no-wait",
        str(PACKAGE / "pyinfra_inventory.py"),
        str(PACKAGE / "pyinfra_deploy.py"),
    ]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv,
            env=_child_env(lab, settings, canons, no_dns),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=str(lab.root),
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if line.startswith("[") or "rror:" in line:
                echo(line.rstrip("\n"))
        return proc.wait()


def _pyinfra_error(log: Path, canon: str) -> str:
    """The most telling line pyinfra wrote about a host (or about the whole run)."""
    if not log.exists():
        return "pyinfra did not run"
    lines = [line.strip() for line in log.read_text().splitlines() if line.strip()]
    mine = [line for line in lines if f"[{canon}]" in line]
    telling = re.compile(r"rror|failed|could not|refused|timed out", re.I)
    errors = [line for line in mine if telling.search(line)]
    general = [line for line in lines if re.search(r"(Error|Exception)\b:", line)]
    found = errors or general or mine
    return found[-1] if found else f"no result (see {log})"


def _result_of(canon: str, action: str, report: DeployReport) -> HostResult:
    """A host's result from its events: the last result recorded, if every step ran (`settled`)."""
    events = host_events(report.folder, canon)
    results = [e for e in events if "result" in e]
    seconds = (events[-1]["time"] - events[0]["time"]) if events else 0.0
    if results and results[-1]["result"] == "rolled-back":
        return HostResult(canon, action, "rolled-back", seconds, results[-1].get("detail", ""))
    if not results or not any(e.get("settled") for e in events):
        return HostResult(
            canon, action, "failed", seconds, _pyinfra_error(report.folder / "pyinfra.log", canon)
        )
    last = results[-1]
    return HostResult(
        canon, action, last["result"], float(last.get("seconds") or seconds), last.get("detail", "")
    )


def _build(
    lab: Lab,
    canons: list[str],
    machines: dict[str, str],
    config: str | None,
    limit: int,
    folder: Path,
    echo: Callable[[str], None],
) -> dict[str, BuiltSystem]:
    with_config = [c for c in canons if config or lab.host_config(machines[c])]
    started = time.monotonic()
    built = build_systems(lab, [machines[c] for c in with_config], config=config, limit=limit)
    systems = {c: built[machines[c]] for c in with_config}
    count = len({s.path for s in systems.values()})
    echo(f"built {count} system(s) in {time.monotonic() - started:.1f}s")
    (folder / "systems.json").write_text(json.dumps({c: s.as_dict() for c, s in systems.items()}, indent=2))
    return systems


def _precheck(
    canons: list[str],
    targets: dict[str, SshTarget],
    systems: dict[str, BuiltSystem],
    action: str,
    nixos_only: bool,
    report: DeployReport,
    echo: Callable[[str], None],
) -> list[str]:
    """Read facts once per host; report the unreachable and (NixOS-only deploys) the compliant."""
    statuses = read_status({c: targets[c] for c in systems}, systems)
    todo = []
    for canon in canons:
        st = statuses.get(canon)
        if st is not None and st.facts is None:
            echo(f"[{canon}] unreachable: {st.error}")
            report.results.append(HostResult(canon, action, "failed", st.seconds, f"unreachable: {st.error}"))
        elif st is not None and nixos_only and st.pending(action) is None:
            echo(f"[{canon}] unchanged: already at {st.desired.path}")
            report.results.append(HostResult(canon, action, "unchanged", st.seconds, "already there"))
        else:
            todo.append(canon)
    return todo


def run_deploy(
    lab: Lab,
    action: str,
    selection: Selection | None = None,
    *,
    no_dns: bool = False,
    config: str | None = None,
    subsystems: tuple[str, ...] = ("nixos",),
    confirm_timeout: float = 30,
    limit: int = 4,
    restore: bool = False,
    echo: Callable[[str], None] = print,
) -> DeployReport:
    """Deploy the selected machines with `action` (test, switch, boot or rollback); see the module doc."""
    if action not in ACTIONS:
        raise DeployFailed(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    selection = selection or Selection()
    with deploy_lock(lab.state_dir):
        deploy_id = new_deploy_id()
        folder = (lab.state_dir / "deploys" / deploy_id).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        report = DeployReport(deploy_id, action, folder)
        canons, targets, machines = inventory_targets(lab, selection, no_dns)
        switch_names: list[str] = []
        if action != "rollback" and (not subsystems or "switch" in subsystems):
            switch_names = selected_switches(lab, selection)
            check_switches(lab, switch_names)  # before any host is touched
        if action != "rollback" and (not subsystems or "dhcp" in subsystems):
            from elenta.dhcp.apply import check as check_dhcp  # elenta-plugins: registry replaces

            check_dhcp(lab)  # the DHCP servers' own parsers, before any host is touched
        nixos_only = subsystems == ("nixos",)
        if nixos_only:
            canons = [c for c in canons if config or lab.host_config(machines[c])]
        todo = list(canons)
        systems: dict[str, BuiltSystem] = {}
        if action != "rollback" and (not subsystems or "nixos" in subsystems):
            systems = _build(lab, canons, machines, config, limit, folder, echo)
            todo = _precheck(canons, targets, systems, action, nixos_only, report, echo)
        if todo:
            settings = DeploySettings(
                action=action,
                deploy_id=deploy_id,
                deploy_dir=folder,
                systems_file=folder / "systems.json" if systems else None,
                confirm_timeout=confirm_timeout,
                subsystems=subsystems,
                config=config,
                restore=restore,
            )
            run_pyinfra(lab, settings, todo, no_dns, echo)
            report.results += [_result_of(c, action, report) for c in todo]
        for outcome in push_switches(lab, switch_names, echo, hosts_failed=bool(report.failed)):
            report.results.append(
                HostResult(outcome.canon, "net", outcome.result, outcome.seconds, outcome.detail)
            )
        order = {c: i for i, c in enumerate(canons)}
        report.results.sort(key=lambda r: order.get(r.canon, len(order)))
        (folder / "record.json").write_text(
            json.dumps(
                {"deploy_id": deploy_id, "action": action, "results": [r.__dict__ for r in report.results]},
                indent=2,
            )
            + "\n"
        )
        return report


def raise_for_report(report: DeployReport) -> None:
    """Raise DeployFailed naming every failed or rolled-back host (after the others finished)."""
    if not report.failed:
        return
    parts = [f"{r.canon} {r.result}: {r.detail}" for r in report.failed]
    raise DeployFailed(f"deploy {report.deploy_id} ({report.action}): " + "; ".join(parts))
