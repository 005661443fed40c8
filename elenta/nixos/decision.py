"""The host-side decision after an activation: confirmed or rolled back, claimed exactly once.

`activate` (elenta.operations.nixos) leaves `/run/elenta/<id>.rollback` and starts the activation
detached; its watchdog counts from the END of activation. Whoever first creates
`/run/elenta/<id>.decided` decides: `confirm_command("d1")` confirms (after the health check
commands), `rollback_now_command("d1", why)` rolls back, the watchdog rolls back on timeout.
Every rollback runs detached (`detached`), so a cut connection never stops one half-way.

A deploy's state on a host is read from those files by `DEPLOY_STATE_FUNCTION` (`st <id>`).
"""

from __future__ import annotations

import shlex

RUN_DIR = "/run/elenta"

# A deploy's state on the host, from its files under /run/elenta.
DEPLOY_STATES = (
    "activating",  # switch-to-configuration is running
    "interrupted",  # the activation died without a result (killed; its host did not reboot)
    "awaiting-confirmation",  # activated; the watchdog rolls back unless confirmed in time
    "rolling-back",  # decided against; the rollback runs
    "rolled-back",
    "confirmed",
)
UNDECIDED = ("activating", "interrupted", "awaiting-confirmation", "rolling-back")
DEPLOY_STATE_FUNCTION = (
    "st() { D=" + RUN_DIR + "/$1; if [ -e $D.rolled-back ]; then echo rolled-back; "
    "elif [ -e $D.confirmed ]; then echo confirmed; elif [ -d $D.decided ]; then echo rolling-back; "
    "elif [ -e $D.status ]; then echo awaiting-confirmation; "
    'elif p=$(cat $D.pid 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then echo activating; '
    # launched a moment ago, its pid not written yet: still starting
    'elif [ -z "$(find $D.activate -mmin -0.5 2>/dev/null)" ]; then echo interrupted; '
    "else echo activating; fi; }"
)


def detached(command: str, unit: str, *, fallback: bool = False) -> str:
    """Run `command` detached from the SSH session, as nixos-rebuild runs switch-to-configuration:
    a transient systemd unit where the host runs systemd, else its own session (`setsid`).

    A dropped connection (activation restarting sshd, the network, the deployer dying) never
    kills it half-way; `exec` keeps one process, the leader of its group, for `abort_command`.
    Only `systemd-run` can fail (systemd refusing the unit; its status is the line's); with
    `fallback` (a rollback, which must run) the command then runs in its own session instead.
    `detached("exec sh /run/elenta/d1.activate", "elenta-activate-d1")`
    """
    quoted = shlex.quote(command)
    setsid = f"setsid nohup sh -c {quoted} </dev/null >/dev/null 2>&1 &"
    unit_run = (
        "systemd-run --quiet --collect --service-type=exec "
        f'--unit={unit} --setenv=PATH="$PATH" sh -c {quoted}'
    )
    if fallback:
        unit_run += f" || {{ {setsid} }}"
    return (
        "if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then "
        f"{unit_run}; else {setsid} fi"
    )


def start_rollback(deploy_id: str) -> str:
    """Start a deploy's rollback script detached (the unit `elenta-rollback-<id>` under systemd);
    it runs even when systemd refuses the unit. The caller has claimed the deploy."""
    d = f"{RUN_DIR}/{deploy_id}"
    command = f"exec sh {d}.rollback > {d}.rollback.log 2>&1"
    return detached(command, f"elenta-rollback-{deploy_id}", fallback=True)


def rollback_now(deploy_id: str, reason: str) -> str:
    """Claim the deploy and start its rollback detached, unless it was already decided."""
    d = f"{RUN_DIR}/{deploy_id}"
    return (
        f"if mkdir {d}.decided 2>/dev/null; then echo {shlex.quote(reason)} > {d}.reason; "
        + start_rollback(deploy_id)
        + "; fi"
    )


def confirm_command(deploy_id: str, checks: list[tuple[str, float]] | None = None) -> str:
    """One host-side command: run the health check commands, then claim the deploy, else roll back.

    Exit 0: confirmed. Exit 4: a check failed and the host's rollback was started at once. Exit 3:
    too late, the watchdog had already decided. `checks` are `(command, timeout)` pairs.
    """
    d = f"{RUN_DIR}/{deploy_id}"
    lines = ['fail=""']
    for command, timeout in checks or []:
        quoted = shlex.quote(command)
        lines.append(
            f'if [ -z "$fail" ]; then timeout {max(1, int(timeout))} sh -c {quoted} >/dev/null 2>&1 '
            rf'|| fail="command \`"{quoted}"\` exited $?"; fi'
        )
    lines += [
        'if [ -n "$fail" ]; then',
        f'  if mkdir {d}.decided 2>/dev/null; then echo "health check failed: $fail" > {d}.reason; '
        + start_rollback(deploy_id)
        + "; fi",
        '  echo "health check failed: $fail" >&2; exit 4',
        "fi",
        f"if mkdir {d}.decided 2>/dev/null; then touch {d}.confirmed; echo confirmed; else",
        f'  echo "too late: $(cat {d}.reason 2>/dev/null || echo rolled back)" >&2; exit 3',
        "fi",
    ]
    return "\n".join(lines)


def rollback_now_command(deploy_id: str, reason: str = "rolled back by the deployer") -> str:
    """Roll a deploy back at once (a failed probe), detached, unless it was already decided."""
    return f"{rollback_now(deploy_id, reason)}; echo rolled-back"
