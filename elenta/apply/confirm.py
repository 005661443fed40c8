"""After activation: health checks, then the deployer's confirmation over a FRESH SSH connection.

If a check fails the host is rolled back at once; if the deployer cannot confirm (the host no
longer answers SSH), the host's watchdog rolls it back by itself when the timeout expires.
"""

from __future__ import annotations

import shlex
import socket
import urllib.request
from typing import Any

from elenta.apply.record import note
from elenta.apply.ssh import SshTarget, run_ssh
from elenta.model.constellation import HealthCheck
from elenta.model.errors import ElentaError
from elenta.model.lab import load_lab
from elenta.operations.nixos import confirm_command, rollback_now_command


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


def run_check(check: HealthCheck, target: SshTarget) -> str | None:
    """Run one check; None when it passes, else why it failed."""
    if check.command is not None:
        timeout = max(1, int(check.timeout))
        proc = run_ssh(
            target, f"timeout {timeout} sh -c {shlex.quote(check.command)}", fresh=True, timeout=timeout + 10
        )
        if proc.returncode != 0:
            return f"{describe(check)} exited {proc.returncode} {proc.stderr.strip()[:200]}".strip()
        return None
    if check.tcp is not None:
        try:
            with socket.create_connection((target.hostname, check.tcp), timeout=check.timeout):
                return None
        except OSError as exc:
            return f"{describe(check)}: {exc}"
    url = (
        check.http
        if check.http and check.http.startswith("http://")
        else f"http://{target.hostname}{check.http}"
    )
    try:
        with urllib.request.urlopen(url, timeout=check.timeout) as response:
            if response.status >= 400:
                return f"{describe(check)}: HTTP {response.status}"
    except OSError as exc:
        return f"{describe(check)}: {exc}"
    return None


def confirm_deploy(target: SshTarget, deploy_id: str, checks: list[HealthCheck]) -> None:
    """Check, then confirm; raise RolledBack (after rolling back) when the host is not healthy."""
    for check in checks:
        failure = run_check(check, target)
        if failure:
            run_ssh(target, rollback_now_command(deploy_id), fresh=True)
            note(target.name, "rolled-back", f"health check failed: {failure}", result="rolled-back")
            raise RolledBack(f"{target.name}: rolled back: health check failed: {failure}")
    proc = run_ssh(target, confirm_command(deploy_id), fresh=True)
    if proc.returncode == 0:
        note(target.name, "confirmed", "over a fresh SSH connection")
        return
    if proc.returncode == 3:
        reason = proc.stderr.strip()
        note(target.name, "rolled-back", reason, result="rolled-back")
        raise RolledBack(f"{target.name}: rolled back: {reason}")
    why = proc.stderr.strip() or f"ssh exited {proc.returncode}"
    note(target.name, "unconfirmed", f"{why}; the host rolls itself back", result="rolled-back")
    raise RolledBack(f"{target.name}: could not confirm ({why}); the host rolls itself back")


def confirm_host(state: Any, host: Any, deploy_id: str) -> None:
    """The pyinfra FunctionCommand body of `nixos.confirm` (runs on the deployer)."""
    target = SshTarget.from_data(host.data, host.name)
    checks = health_checks(host.data.get("elenta_lab"), list(host.data.get("elenta_roles") or []))
    confirm_deploy(target, deploy_id, checks)
