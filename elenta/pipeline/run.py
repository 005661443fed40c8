"""The deploy pipeline behind `elenta deploy|switch|boot|rollback` and `inv deploy`.

    report = run_deploy(lab, "switch", Selection(roles=("dns",)), no_dns=True)
    print(report.table()); raise_for_report(report)

1. lock the lab (a second deploy refuses), select the hosts and the subsystems (`--only`);
2. every selected subsystem's `deploy_check` (nothing touched yet: a fault refuses the run), then
   its `deploy_prepare` (NixOS: one `nix build`, every host's facts read in parallel; hosts
   already in compliance or unreachable are settled and skipped);
3. run `pyinfra` in a child process (gevent stays out of invoke's process) on the rest, with the
   same deploy file as `pyinfra inventories/lab.py deploy.py`;
4. every selected subsystem's `deploy_finish` (the switches, after the hosts);
5. collect each host's events into the deploy record (`<state>/deploys/<id>/`) and a table.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from elenta.inventory import Selection, inventory_groups
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.pipeline.deploy_settings import ENV_LOCK_HELD, DeploySettings, new_deploy_id
from elenta.pipeline.lock import deploy_lock
from elenta.pipeline.record import host_events
from elenta.pipeline.ssh import SshTarget
from elenta.progress import verbosity
from elenta.report import table
from elenta.subsystem import DeployRun, check_names, default_names, registered

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


# pyinfra's summaries, which say that something failed but not what: never a host's reason.
_SUMMARY = re.compile(r"executed \d+ commands|commands? failed|Error in operation|PyinfraError")
_CALLBACK = re.compile(r"Unexpected error in Python callback: \w+\((['\"])(.*)\1,?\)\s*$")


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
        *(["-v"] if verbosity() > 1 else []),
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
            if verbosity() or ((line.startswith("[") or "rror:" in line) and not _SUMMARY.search(line)):
                echo(line.rstrip("\n"))
        return proc.wait()


def _pyinfra_error(log: Path, canon: str) -> str:
    """Why a host failed, from pyinfra's log: the error an elenta step raised, else the failing
    operation and what its command wrote (`Activate (test): mkdir: … Permission denied`)."""
    if not log.exists():
        return "pyinfra did not run"
    lines = [line.strip() for line in log.read_text().splitlines() if line.strip()]
    mine = [line.removeprefix(f"[{canon}]").strip() for line in lines if f"[{canon}]" in line]
    for line in reversed(mine):
        found = _CALLBACK.search(line)
        if found:
            return found.group(2).replace("\\'", "'").replace("\\n", " | ")
    operation = ""
    for line in lines:
        found = re.search(rf"Error in operation (.+?) on {re.escape(canon)}\b", line)
        if found:
            operation = found.group(1).split(" | ")[-1]
    telling = re.compile(r"rror|failed|could not|refused|timed out|denied|not found|No such|sudo:", re.I)
    errors = [line for line in mine if telling.search(line) and not _SUMMARY.search(line)]
    if errors:
        return f"{operation}: {errors[-1]}" if operation else errors[-1]
    general = [line for line in lines if re.search(r"(Error|Exception)\b:", line)]
    general = [line for line in general if not _SUMMARY.search(line)]
    if general:
        return general[-1]
    # Progress lines ("Connected", "Success") are no reason: say the run stopped, and where to look.
    return f"{operation or 'pyinfra'} stopped without an error message (see {log})"


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


def run_deploy(
    lab: Lab,
    action: str,
    selection: Selection | None = None,
    *,
    no_dns: bool = False,
    config: str | None = None,
    subsystems: tuple[str, ...] | None = None,
    confirm_timeout: float = 30,
    limit: int = 4,
    restore: bool = False,
    echo: Callable[[str], None] = print,
) -> DeployReport:
    """Deploy the selected machines with `action` (test, switch, boot or rollback); see the module doc.

    `subsystems`: the ones to run (`()`: every one; None: those deployed by default, NixOS).
    """
    if action not in ACTIONS:
        raise DeployFailed(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    selection = selection or Selection()
    subsystems = default_names() if subsystems is None else check_names(subsystems)
    steps = [s for s in registered() if not subsystems or s.name in subsystems]
    with deploy_lock(lab.state_dir):
        deploy_id = new_deploy_id()
        folder = (lab.state_dir / "deploys" / deploy_id).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        report = DeployReport(deploy_id, action, folder)
        canons, targets, machines = inventory_targets(lab, selection, no_dns)
        run = DeployRun(
            lab, action, selection, subsystems, folder, list(canons), targets, machines, config, limit, echo
        )
        for step in steps:
            step.deploy_check(run)  # before anything is built or any host touched
        for step in steps:
            step.deploy_prepare(run)
        if run.canons:
            systems = folder / "systems.json"
            settings = DeploySettings(
                action=action,
                deploy_id=deploy_id,
                deploy_dir=folder,
                systems_file=systems if systems.exists() else None,
                confirm_timeout=confirm_timeout,
                subsystems=subsystems,
                config=config,
                restore=restore,
            )
            run_pyinfra(lab, settings, run.canons, no_dns, echo)
            run.results += [_result_of(c, action, report) for c in run.canons]
        for step in steps:
            step.deploy_finish(run)
        report.results = run.results
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
