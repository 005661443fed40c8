"""The deploy pipeline behind `elenta deploy|switch|boot|rollback` and `inv deploy`.

    report = run_deploy(lab, "switch", Selection(roles=("dns",)), no_dns=True)
    print(report.table()); raise_for_report(report)

1. lock the lab (a second deploy refuses; a predecessor killed half-way is reported), select the
   hosts and the subsystems (`--only`);
2. checks first: every selected subsystem's artifacts rendered and validated
   (`elenta.compile.validate`) and its `deploy_check`, all faults at once: one fault refuses the
   run before anything is built or any host touched; then each `deploy_prepare` (NixOS: one
   `nix build`, every host's facts read in parallel; what an earlier deploy left undecided is
   reported and waited for; hosts already in compliance or unreachable are settled and skipped);
3. run `pyinfra` in a child process (gevent stays out of invoke's process) on the rest, with the
   same deploy file as `pyinfra inventories/lab.py deploy.py`. The child holds the deploy lock
   too, runs in its own process group and dies with the deployer (`elenta.pipeline.children`).
   A first Ctrl-C starts no new work and lets activations under way end confirmed or rolled
   back; a second one kills the child at once and names the hosts possibly mid-activation;
4. every selected subsystem's `deploy_finish` (NixOS: every touched host's state read again, once
   its watchdog decided, and the rows rewritten from it; the switches, after the hosts);
5. collect each host's events into the deploy record (`<state>/deploys/<id>/`) and a table.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elenta.compile.checks import CheckError
from elenta.compile.validate import validate_artifacts
from elenta.inventory import Selection, inventory_groups
from elenta.model.errors import ElentaError, Fault, ModelError
from elenta.model.lab import Lab
from elenta.pipeline.children import death_signal
from elenta.pipeline.deploy_settings import ENV_LOCK_HELD, DeploySettings, new_deploy_id
from elenta.pipeline.lock import HeldLock, deploy_lock
from elenta.pipeline.pyinfra_command import pyinfra_command
from elenta.pipeline.record import STOP_FILE, host_events
from elenta.pipeline.ssh import SshTarget
from elenta.progress import verbosity
from elenta.report import table
from elenta.subsystem import DeployRun, check_names, default_names, registered

ACTIONS = ("test", "switch", "boot", "rollback")
FAILED_RESULTS = ("failed", "rolled-back", "skipped", "undecided", "aborted")


class DeployFailed(ElentaError):
    """Some hosts failed or rolled back; the message names each and why (the others finished)."""


class DeployInterrupted(DeployFailed):
    """The deploy was interrupted (Ctrl-C); the table says where each host stands."""

    exit_code = 130


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
    interrupted: str = ""  # "": ran to its end; "interrupted": first Ctrl-C; "aborted": second

    @property
    def failed(self) -> list[HostResult]:
        """Hosts that did not end where the deploy wanted them: `report.failed`."""
        return [r for r in self.results if r.result in FAILED_RESULTS]

    def table(self) -> str:
        """The final table: host, action, result, time, detail."""
        rows = [[r.canon, r.action, r.result, f"{r.seconds:.1f}s", r.detail] for r in self.results]
        return table(["host", "action", "result", "time", "detail"], rows)


def inventory_targets(
    lab: Lab, selection: Selection, no_dns: bool, local: str | None = None
) -> tuple[list[str], dict[str, SshTarget], dict[str, str]]:
    """Selected canon names, their SSH targets and short machine names, from the inventory."""
    hosts = inventory_groups(lab, no_dns=no_dns, select=selection, local=local)["all"]
    canons = [name for name, _ in hosts]
    targets = {name: SshTarget.from_data(data, name) for name, data in hosts}
    machines = {name: data["elenta_machine"] for name, data in hosts}
    return canons, targets, machines


@dataclass
class ChildRun:
    """How the pyinfra child ended: its exit code and whether the deployer was interrupted."""

    returncode: int = 0
    interrupted: str = ""  # "", "interrupted" (first Ctrl-C) or "aborted" (second)


def _say(text: str) -> None:
    os.write(2, (text + "\n").encode())  # safe inside a signal handler, unlike print


def _on_interrupt(run: ChildRun, proc: subprocess.Popen, folder: Path) -> Callable[..., None]:
    def handler(signum: int, frame: object) -> None:
        if not run.interrupted:
            run.interrupted = "interrupted"
            (folder / STOP_FILE).touch()
            _say(
                "interrupted: no new host is started; activations under way end confirmed or rolled "
                "back (Ctrl-C again to abort at once)"
            )
            return
        run.interrupted = "aborted"
        _say("aborting: stopping the deploy now")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    return handler


# pyinfra's summaries, which say that something failed but not what: never a host's reason.
_SUMMARY = re.compile(r"executed \d+ commands|commands? failed|Error in operation|PyinfraError")
_PROGRESS = re.compile(r"(Connected|Ready:|Success|No changes|Loading|Starting)\b")
_CALLBACK = re.compile(r"Unexpected error in Python callback: \w+\((['\"])(.*)\1,?\)\s*$")


def run_pyinfra(
    lab: Lab,
    settings: DeploySettings,
    canons: list[str],
    no_dns: bool,
    echo: Callable[[str], None],
    lock: HeldLock | None = None,
    *,
    data: dict[str, str] | None = None,
    local: str | None = None,
) -> ChildRun:
    """Run pyinfra (a child process) on `canons`; its full output goes to `<deploy>/pyinfra.log`.

    The command is `pyinfra_command`'s (`data`: host data for every host; `local`: the machine
    played as `@local`). The child holds the deploy lock with us (`lock.fd`), dies with us
    (parent-death signal) and runs in its own process group: Ctrl-C reaches only this process
    (see `_on_interrupt`).
    """
    assert settings.deploy_dir is not None
    log_path = settings.deploy_dir / "pyinfra.log"
    argv, env = pyinfra_command(
        lab,
        canons,
        no_dns=no_dns,
        data=data,
        local=local,
        settings=settings,
        verbose=verbosity() > 1,
        no_wait=True,  # each host at its own pace; its result comes from the record, not the exit code
    )
    env[ENV_LOCK_HELD] = "1"
    run = ChildRun()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=str(lab.root),
            pass_fds=(lock.fd,) if lock else (),
            preexec_fn=death_signal(),
            process_group=0,
        )
        main = threading.current_thread() is threading.main_thread()
        previous = (
            signal.signal(signal.SIGINT, _on_interrupt(run, proc, settings.deploy_dir)) if main else None
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                log.flush()
                if verbosity() or ((line.startswith("[") or "rror:" in line) and not _SUMMARY.search(line)):
                    echo(line.rstrip("\n"))
            run.returncode = proc.wait()
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
    return run


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
    # What the failing command wrote in its own words (`exportfs: /srv/x is not a directory`).
    said = [line for line in mine if not _PROGRESS.match(line) and not _SUMMARY.search(line)]
    if said and operation:
        return f"{operation}: {said[-1]}"
    # Progress lines ("Connected", "Success") are no reason: say the run stopped, and where to look.
    return f"{operation or 'pyinfra'} stopped without an error message (see {log})"


def _result_of(canon: str, action: str, report: DeployReport) -> HostResult:
    """A host's result from its events: the last result recorded, if every step ran (`settled`)."""
    events = host_events(report.folder, canon)
    results = [e for e in events if "result" in e]
    seconds = (events[-1]["time"] - events[0]["time"]) if events else 0.0
    if results and results[-1]["result"] == "rolled-back":
        return HostResult(canon, action, "rolled-back", seconds, results[-1].get("detail", ""))
    if results and results[-1]["result"] in ("failed", "skipped"):
        return HostResult(canon, action, results[-1]["result"], seconds, results[-1].get("detail", ""))
    if not results or not any(e.get("settled") for e in events):
        return HostResult(
            canon, action, "failed", seconds, _pyinfra_error(report.folder / "pyinfra.log", canon)
        )
    last = results[-1]
    return HostResult(
        canon, action, last["result"], float(last.get("seconds") or seconds), last.get("detail", "")
    )


def _checks_first(run: DeployRun, steps: list[Any]) -> None:
    """Every check of the run's scope before anything is built or any host or switch touched: each
    selected subsystem's artifacts rendered and validated, then its `deploy_check` (switch
    credentials, tools). All faults are reported at once; one refuses the whole run (exit 2)."""
    faults: list[Fault] = []
    checks = [lambda: validate_artifacts(run.lab, run.subsystems)]
    checks += [functools.partial(step.deploy_check, run) for step in steps]
    for check in checks:
        try:
            check()
        except ModelError as exc:
            faults += exc.faults
        except ElentaError as exc:  # a check of another kind: its message names file and key
            if exc.exit_code != 2:
                raise
            parts = str(exc).split(": ", 2)
            faults.append(Fault(*parts) if len(parts) == 3 else Fault(str(run.lab.root), "-", str(exc)))
    if faults:
        raise CheckError(list(dict.fromkeys(faults)))


def _report_predecessor(lab: Lab, held: HeldLock, echo: Callable[[str], None]) -> None:
    """Say so when the previous deploy of this lab ended without its record (it was killed)."""
    if held.previous is None or held.previous[1] == "-":
        return
    pid, previous_id = held.previous
    folder = lab.state_dir / "deploys" / previous_id
    if not folder.is_dir() or (folder / "record.json").exists():
        return
    last = {}
    for events in sorted((folder / "hosts").glob("*.jsonl")) if (folder / "hosts").is_dir() else []:
        lines = [json.loads(line) for line in events.read_text().splitlines() if line.strip()]
        if lines:
            last[events.stem] = lines[-1]["event"]
    where = ", ".join(f"{c}: {e}" for c, e in last.items()) or "before any host"
    echo(f"deploy {previous_id} (pid {pid}) ended without finishing (killed?); its record stops at {where}")


def _aborted_results(report: DeployReport, todo: list[str]) -> list[HostResult]:
    """Rows after a second Ctrl-C: hosts whose activation had started may be mid-activation."""
    rows = []
    for canon in todo:
        events = host_events(report.folder, canon)
        names = [e["event"] for e in events]
        if any("result" in e for e in events):
            rows.append(_result_of(canon, report.action, report))
        elif "activating" in names:
            detail = "may be mid-activation: it ends by itself, rolled back by its watchdog unless confirmed"
            rows.append(HostResult(canon, report.action, "aborted", 0.0, detail))
        else:
            detail = "aborted before its activation: the host was not changed"
            rows.append(HostResult(canon, report.action, "skipped", 0.0, detail))
    return rows


def run_deploy(
    lab: Lab,
    action: str,
    selection: Selection | None = None,
    *,
    no_dns: bool = False,
    config: str | None = None,
    subsystems: tuple[str, ...] | None = None,
    confirm_timeout: float = 30,
    activation_timeout: float = 600,
    limit: int = 4,
    restore: bool = False,
    echo: Callable[[str], None] = print,
    data: dict[str, str] | None = None,
    local: str | None = None,
) -> DeployReport:
    """Deploy the selected machines with `action` (test, switch, boot or rollback); see the module doc.

    `subsystems`: the ones to run (`()`: every one; None: those deployed by default, NixOS);
    `data`: host data given to every host (`{"elenta_dns_force": "1"}`); `local`: the selected
    machine this deployer plays, as pyinfra's `@local` (`elenta dns apply --local`).
    """
    if action not in ACTIONS:
        raise DeployFailed(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    selection = selection or Selection()
    subsystems = default_names() if subsystems is None else check_names(subsystems)
    steps = [s for s in registered() if not subsystems or s.name in subsystems]
    deploy_id = new_deploy_id()
    with deploy_lock(lab.state_dir, deploy_id) as held:
        _report_predecessor(lab, held, echo)
        folder = (lab.state_dir / "deploys" / deploy_id).resolve()
        report = DeployReport(deploy_id, action, folder)
        canons, targets, machines = inventory_targets(lab, selection, no_dns, local)
        run = DeployRun(
            lab, action, selection, subsystems, folder, list(canons), targets, machines, config, limit, echo
        )
        run.confirm_timeout = confirm_timeout
        if action != "rollback":
            _checks_first(run, steps)  # before anything is built or any host touched
        folder.mkdir(parents=True, exist_ok=True)
        try:
            for step in steps:
                step.deploy_prepare(run)
        except KeyboardInterrupt:  # building or reading facts: no host was touched yet
            report.interrupted = "interrupted"
            echo("interrupted before any host was touched")
            run.canons = []
        if run.canons:
            systems = folder / "systems.json"
            settings = DeploySettings(
                action=action,
                deploy_id=deploy_id,
                deploy_dir=folder,
                systems_file=systems if systems.exists() else None,
                confirm_timeout=confirm_timeout,
                activation_timeout=activation_timeout,
                subsystems=subsystems,
                config=config,
                restore=restore,
            )
            child = run_pyinfra(lab, settings, run.canons, no_dns, echo, held, data=data, local=local)
            report.interrupted = run.interrupted = child.interrupted
            if child.interrupted == "aborted":
                run.results += _aborted_results(report, run.canons)
                names = [r.canon for r in run.results if r.result == "aborted"]
                echo("aborted; possibly mid-activation: " + (", ".join(names) or "no host"))
            else:
                run.results += [_result_of(c, action, report) for c in run.canons]
        try:
            for step in steps:
                step.deploy_finish(run)
        except KeyboardInterrupt:  # a Ctrl-C while waiting for watchdogs: report what is known
            report.interrupted = run.interrupted = "aborted"
            echo("aborted while waiting for the hosts to decide: the table shows the deploy's own events")
        report.results = run.results
        order = {c: i for i, c in enumerate(canons)}
        report.results.sort(key=lambda r: order.get(r.canon, len(order)))
        (folder / "record.json").write_text(
            json.dumps(
                {
                    "deploy_id": deploy_id,
                    "action": action,
                    "interrupted": report.interrupted,
                    "results": [r.__dict__ for r in report.results],
                },
                indent=2,
            )
            + "\n"
        )
        return report


def raise_for_report(report: DeployReport) -> None:
    """Raise DeployFailed naming every failed or rolled-back host (after the others finished)."""
    if not report.failed and not report.interrupted:
        return
    parts = [f"{r.canon} {r.result}: {r.detail}" for r in report.failed]
    if report.interrupted:
        raise DeployInterrupted(
            f"deploy {report.deploy_id} ({report.action}) {report.interrupted}"
            + (": " + "; ".join(parts) if parts else "")
        )
    raise DeployFailed(f"deploy {report.deploy_id} ({report.action}): " + "; ".join(parts))
