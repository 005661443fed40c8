"""Activation followed from the deployer, as nixos-rebuild does it: started detached on the host,
then watched over fresh SSH connections until it ends.

`activate_host` is the pyinfra FunctionCommand body of `nixos.activate`. An activation that
restarts sshd (every open connection cut), or a network that drops, only costs a reconnection: the
activation itself runs on, and ends either activated (the watchdog then waits for the
confirmation) or rolled back. One that does not end within `activation_timeout` is stopped and
rolled back. Nothing is started once the deploy was interrupted (`stop_requested`).
"""

from __future__ import annotations

import time
from typing import Any

from elenta.model.errors import ElentaError
from elenta.operations.nixos import abort_command, follow_command
from elenta.pipeline.record import first_error_line, note, stopped_before
from elenta.pipeline.ssh import SshTarget, run_paramiko

FOLLOW_WAIT = 10  # seconds one follow round trip waits on the host for the activation's end
RECONNECT_WINDOW = 60  # seconds without any connection before the host counts as lost


class ActivationError(ElentaError):
    """An activation did not end activated: the message says how it ended and why."""


def parse_follow(stdout: str) -> dict[str, Any]:
    """`state=`, `status=`, `reason=` and `log=` lines of `follow_command` as a dict."""
    out: dict[str, Any] = {"log": []}
    for line in stdout.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key == "log":
            out["log"].append(value)
        elif key in ("state", "status", "reason"):
            out[key] = value.strip()
    return out


def _fail(name: str, detail: str, result: str = "failed") -> ActivationError:
    note(name, result, detail, result=result)
    return ActivationError(f"{name}: {detail}")


def follow_activation(
    target: SshTarget, deploy_id: str, timeout: float, launched: str = ""
) -> dict[str, Any]:
    """Follow an activation until it ends (`state` no longer `activating`) or `timeout` passes.

    Returns the last `parse_follow` answer; a lost connection is retried on a new one.
    """
    started = time.monotonic()
    lost = ""
    lost_since: float | None = None
    while True:
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            return {"state": "timeout", "reason": lost}
        if lost_since is not None and time.monotonic() - lost_since > RECONNECT_WINDOW:
            return {"state": "lost", "reason": lost}
        wait = min(FOLLOW_WAIT, max(1.0, remaining))
        proc = run_paramiko(target, follow_command(deploy_id, wait), timeout=wait + 20)
        answer = parse_follow(proc.stdout) if proc.returncode == 0 else {}
        state = answer.get("state")
        if state is None:
            why = first_error_line(proc.stderr) or f"exit {proc.returncode}"
            if lost_since is None:
                note(target.name, "connection lost", f"{why}; following the activation over a new connection")
                lost_since = time.monotonic()
            lost = why
            time.sleep(1)
            continue
        lost_since = None
        if state == "none":
            return {"state": "none", "reason": launched or "the activation was never started"}
        if state != "activating":
            return answer


def _reconnect_if_cut(host: Any) -> None:
    """pyinfra's own connection may have been cut (activation restarted sshd): make a new one, so
    the steps after the activation (other subsystems) run on this host."""
    client = getattr(getattr(host, "connector", None), "client", None)
    transport = client.get_transport() if client is not None else None
    if transport is not None and transport.is_active():
        return
    try:
        host.disconnect()
        host.connect(reason="after activation", show_errors=False)
    except Exception as exc:  # the steps after will report the host unreachable
        note(host.name, "reconnect failed", str(exc))


def activate_host(state: Any, host: Any, command: str, deploy_id: str, action: str, timeout: float) -> None:
    """Start the activation detached (`command` = `nixos.activate_command`), follow it to its end.

    Returns once the host runs (or, for boot, will boot) the new system and waits for the
    confirmation; raises ActivationError when it was rolled back, failed or could not be followed.
    """
    target = SshTarget.from_data(host.data, host.name)
    if stopped_before(host.name, "activation"):
        raise ActivationError(f"{host.name}: interrupted before activation")
    note(host.name, "activating", action)
    started = time.monotonic()
    launch = run_paramiko(target, command, timeout=60)
    launched = (
        "" if launch.returncode == 0 else first_error_line(launch.stderr) or f"exit {launch.returncode}"
    )
    end = follow_activation(target, deploy_id, timeout, launched)
    seconds = time.monotonic() - started
    state = end.get("state")
    if state in ("awaiting-confirmation", "confirmed"):
        note(host.name, "activated", f"{action} in {seconds:.1f}s")
        _reconnect_if_cut(host)
        return
    if state == "timeout":
        run_paramiko(target, abort_command(deploy_id, timeout), timeout=60)
        why = f"activation did not finish within {int(timeout)} s: stopped and rolled back"
        raise _fail(
            host.name, why + (f" (connection: {end['reason']})" if end.get("reason") else ""), "rolled-back"
        )
    if state in ("rolled-back", "rolling-back"):
        raise _fail(host.name, end.get("reason") or "rolled back", "rolled-back")
    if state == "none":
        raise _fail(host.name, f"activation not started: {end.get('reason')}")
    if state == "lost":
        why = f"connection lost during activation ({end.get('reason')}) for over {RECONNECT_WINDOW} s"
        raise _fail(host.name, why + "; the host ends it by itself, rolled back unless confirmed")
    raise _fail(host.name, f"activation ended {state}: {end.get('reason') or ' | '.join(end.get('log', []))}")
