"""After activation: health checks, then the deployer's confirmation over a FRESH SSH connection.

If a check fails the host is rolled back at once; if the deployer cannot confirm (the host no
longer answers SSH), the host's watchdog rolls it back by itself when the timeout expires.
"""

from __future__ import annotations

import socket
import urllib.request
from typing import Any

from elenta.model.constellation import HealthCheck
from elenta.model.errors import ElentaError
from elenta.model.lab import load_lab
from elenta.nixos.decision import confirm_command, rollback_now_command
from elenta.pipeline.record import note
from elenta.pipeline.ssh import SshTarget, run_paramiko


class RolledBack(ElentaError):
    """A host was rolled back after activation; the message says why."""


def health_checks(lab_dir: str, roles: list[str]) -> list[HealthCheck]:
    """The health checks declared by a host's roles: `health_checks("/lab", ["dns"])`."""
    lab = load_lab(lab_dir)
    return [check for role in roles for check in lab.role(role).health]


def describe(check: HealthCheck) -> str:
    """`command: test -L /run/current-system`, `tcp 53`, `http /healthz`."""
    if check.command is not None:
        return f"command `{check.command}`"
    if check.tcp is not None:
        return f"tcp {check.tcp}"
    return f"http {check.http}"


def probe(check: HealthCheck, target: SshTarget) -> str | None:
    """Run a TCP or HTTP probe from the deployer; None when it passes, else why it failed."""
    if check.tcp is not None:
        try:
            with socket.create_connection((target.hostname, check.tcp), timeout=check.timeout):
                return None
        except OSError as exc:
            return f"{describe(check)}: {exc}"
    http = check.http or "/"
    url = http if http.startswith("http://") else f"http://{target.hostname}{http}"
    try:
        with urllib.request.urlopen(url, timeout=check.timeout) as response:
            if response.status >= 400:
                return f"{describe(check)}: HTTP {response.status}"
    except OSError as exc:
        return f"{describe(check)}: {exc}"
    return None


def confirm_deploy(target: SshTarget, deploy_id: str, checks: list[HealthCheck]) -> None:
    """Probe from the deployer, then check and confirm on the host over ONE fresh connection.

    Raises RolledBack (after the rollback) when a check fails or the host cannot be confirmed.
    """
    for check in checks:
        if check.command is None:
            failure = probe(check, target)
            if failure:
                run_paramiko(target, rollback_now_command(deploy_id))
                note(target.name, "rolled-back", f"health check failed: {failure}", result="rolled-back")
                raise RolledBack(f"{target.name}: rolled back: health check failed: {failure}")
    commands = [(c.command, c.timeout) for c in checks if c.command is not None]
    budget = sum(timeout for _, timeout in commands) + 30
    proc = run_paramiko(target, confirm_command(deploy_id, commands), timeout=budget)
    if proc.returncode == 0:
        note(target.name, "confirmed", "over a fresh SSH connection")
        return
    reason = proc.stderr.strip() or f"exit {proc.returncode}"
    if proc.returncode in (3, 4):
        note(target.name, "rolled-back", reason, result="rolled-back")
        raise RolledBack(f"{target.name}: rolled back: {reason}")
    note(target.name, "unconfirmed", f"{reason}; the host rolls itself back", result="rolled-back")
    raise RolledBack(f"{target.name}: could not confirm ({reason}); the host rolls itself back")


def confirm_host(state: Any, host: Any, deploy_id: str) -> None:
    """The pyinfra FunctionCommand body of `nixos.confirm` (runs on the deployer)."""
    target = SshTarget.from_data(host.data, host.name)
    checks = health_checks(host.data.get("elenta_lab"), list(host.data.get("elenta_roles") or []))
    confirm_deploy(target, deploy_id, checks)
