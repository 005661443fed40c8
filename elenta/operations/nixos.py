"""NixOS activation as pyinfra operations: copy the closure, test/switch/boot, confirm, roll back.

Each operation reads the `NixosSystem` fact and yields commands only when the host is not already
where the plan wants it (a second run is a no-op and says so):

    nixos.copy_closure(system="/nix/store/…-nixos-system-dns")
    nixos.activate(system=…, action="switch", deploy_id="20250101-…", confirm_timeout=30)
    nixos.confirm(deploy_id=…, checks=[…])      # from the deployer, over a fresh SSH connection
    nixos.rollback_generation()                 # `elenta rollback`: previous profile generation

A magic rollback: `activate` leaves `/run/elenta/<id>.rollback` and, for test/switch, a watchdog
that runs it unless `/run/elenta/<id>.decided` was claimed first by `confirm`.
"""

from __future__ import annotations

import re
import shlex

from pyinfra import host
from pyinfra.api import FunctionCommand, OperationError, operation

from elenta.facts.nixos import CURRENT, PROFILE, REVISIONS, NixosSystem
from elenta.nixos.compliance import ACTIONS, pending_change
from elenta.nixos.decision import DEPLOY_STATE_FUNCTION, RUN_DIR, detached, rollback_now


def _check_store_path(system: str) -> str:
    if not system.startswith("/nix/store/") or shlex.quote(system) != system:
        raise OperationError(f"not a plain store path: {system!r}")
    return system


def _check_id(deploy_id: str) -> str:
    if not deploy_id or shlex.quote(deploy_id) != deploy_id or "/" in deploy_id:
        raise OperationError(f"unsafe deploy id: {deploy_id!r}")
    return deploy_id


@operation()
def copy_closure(system: str):
    """Copy a system's closure to the host with `nix copy`, unless the host has it already.

    + system: the store path built on the deployer
    """
    _check_store_path(system)
    facts = host.get_fact(NixosSystem, desired=system)
    if facts["desired_present"]:
        host.noop(f"{system} is already in the host's store")
        return
    from elenta.nixos.transfer import copy_to_host

    yield FunctionCommand(copy_to_host, (system,), {})


def _write_script(path: str, lines: list[str]) -> str:
    """A shell line writing `lines` to `path` (atomically), expanding `$D`, `$prev`, `$pgen`."""
    return f"printf '%s\\n' {' '.join(lines)} > {path}.tmp && mv -f {path}.tmp {path}"


def _quoted(lines: list[str]) -> list[str]:
    return [shlex.quote(line) for line in lines]


def rollback_script(
    action: str, restore: list[str] | None = None, backup: str | None = None, *, drop_new: bool = True
) -> list[str]:
    """Shell lines that write `$D.rollback`: put back the data (the roles' `restore` commands, with
    `$ELENTA_BACKUP` naming the pre-deploy backup), then the profile generation and its boot loader
    default (the previous generation's `switch-to-configuration boot`), then what ran.

    They capture the host's state at activation time (`$prev`, `$pgen`). With `drop_new`, the
    generation the activation added is deleted (never when it switched to an existing one).
    """
    body = [
        f'for c in {RUN_DIR}/*.confirmed; do if [ "$c" -nt "$D.activate" ]; then '
        'echo "superseded by a later deploy (${c##*/}): nothing rolled back" > "$D.reason"; '
        'touch "$D.rolled-back"; exit 0; fi; done',
    ]
    for command in restore or []:
        body.append(f"ELENTA_BACKUP={shlex.quote(backup or '')} sh -c {shlex.quote(command)}")
    if action in ("switch", "boot"):
        body += [
            f'new=$(readlink {PROFILE} 2>/dev/null | sed -n "s/^system-\\([0-9]*\\)-link$/\\1/p")',
            f'if [ -n "$pgen" ]; then nix-env -p {PROFILE} --switch-generation "$pgen"; '
            f"else rm -f {PROFILE}; fi",
            *([f'if [ -n "$new" ] && [ "$new" != "$pgen" ]; then rm -f {PROFILE}-$new-link; fi'] * drop_new),
            f'if [ -n "$pgen" ]; then "$(readlink -f {PROFILE})/bin/switch-to-configuration" boot; fi',
        ]
    if action in ("test", "switch"):
        body.append(
            f'if [ -n "$prev" ]; then "$prev/bin/switch-to-configuration" test; else rm -f {CURRENT}; fi'
        )
    body.append('touch "$D.rolled-back"')
    header = ["#!/bin/sh", '"D=$D"', '"prev=$prev"', '"pgen=$pgen"']
    return [_write_script('"$D.rollback"', [*_quoted(header[:1]), *header[1:], *_quoted(body)])]


def activation_script(
    system: str, action: str, confirm_timeout: float, generation: int | None = None
) -> list[str]:
    """The lines of `$D.activate`, run detached: set the profile (switch, boot), run
    `switch-to-configuration`, write the exit status to `$D.status`, then (test, switch) the
    watchdog: it counts from the END of activation and rolls back unless `confirm` claimed
    `$D.decided` first. A failed activation rolls back at once; `boot` has nothing to confirm."""
    steps = []
    if generation is not None:  # back to an existing generation (`elenta rollback --canon`)
        steps.append(f"nix-env -p {PROFILE} --switch-generation {int(generation)}")
    elif action in ("switch", "boot"):
        steps.append(f"nix-env -p {PROFILE} --set {system}")
    steps.append(f"{system}/bin/switch-to-configuration {action}")
    lines = [
        'echo $$ > "$D.pid"',
        f'for a in {RUN_DIR}/*.activate; do if [ "$a" -nt "$D.activate" ]; then mkdir "$D.decided"; '
        'echo "superseded by a later deploy (${a##*/}) before it began" > "$D.reason"; '
        'touch "$D.rolled-back"; echo 125 > "$D.status"; exit 125; fi; done',
        f'(set -e; {"; ".join(steps)}) > "$D.log" 2>&1; rc=$?',
        'if [ "$rc" -ne 0 ]; then',
        '  if mkdir "$D.decided" 2>/dev/null; then',
        '    why=$(grep -i -m 1 -E "error|fail|no space|denied" "$D.log" || tail -n 1 "$D.log")',
        '    echo "activation failed (exit $rc): $why" > "$D.reason"',
        '    sh "$D.rollback" > "$D.rollback.log" 2>&1',
        "  fi",
        '  echo "$rc" > "$D.status"; exit "$rc"',
        "fi",
    ]
    if action == "boot" or confirm_timeout <= 0:  # nothing to confirm: done once it ends
        lines += ['mkdir "$D.decided"', 'touch "$D.confirmed"', 'echo 0 > "$D.status"']
        return lines
    lines.append('echo 0 > "$D.status"')
    if confirm_timeout > 0:
        t = int(confirm_timeout)
        lines += [
            # ends as soon as the deploy is decided (its unit, under systemd, with it)
            f'n=0; while [ "$n" -lt {t} ] && [ ! -d "$D.decided" ]; do sleep 1; n=$((n + 1)); done',
            'if mkdir "$D.decided" 2>/dev/null; then',
            f'  echo "no confirmation within {t} s of the end of activation" > "$D.reason"',
            '  sh "$D.rollback" > "$D.rollback.log" 2>&1',
            "fi",
        ]
    return lines


def activate_command(
    system: str,
    action: str,
    deploy_id: str,
    confirm_timeout: float,
    restore: list[str] | None = None,
    backup: str | None = None,
    generation: int | None = None,
) -> str:
    """The one shell command that arms the magic rollback and starts the activation, detached.

    It returns once the activation runs (its pid in `$D.pid`); `follow_command` tells how it ends.
    When the launch itself fails (exit non-zero, its error on stderr), nothing was started.
    With `generation`, the profile is switched to that existing generation (whose system is
    `system`) instead of getting a new one.
    """
    d = f"{RUN_DIR}/{deploy_id}"
    unit = f"elenta-activate-{deploy_id}"
    script = ["#!/bin/sh", f"D={d}", *activation_script(system, action, confirm_timeout, generation)]
    lines = [
        "set -e",
        f"mkdir -p {RUN_DIR}",
        f"D={d}",
        f'if [ -e "$D.activate" ]; then echo "deploy {deploy_id} was already started here" >&2; exit 1; fi',
        f"prev=$(readlink {CURRENT} 2>/dev/null || true)",
        f"pgen=$(readlink {PROFILE} 2>/dev/null | sed -n 's/^system-\\([0-9]*\\)-link$/\\1/p')",
        *rollback_script(action, restore, backup, drop_new=generation is None),
        _write_script('"$D.activate"', _quoted(script)),
        # Only `systemd-run` can fail to launch (systemd refusing the unit, which `--quiet` keeps
        # silent: the why is read from the journal). The unit is stopped in case the manager
        # starts it late, and the deploy never began here: `follow_command` says so at once
        # (`state=none`) and the deployer reports the launch's error.
        f"{{ {detached(f'exec sh {d}.activate', unit)}; }} || {{ rc=$?; "
        f"why=$(journalctl --sync 2>/dev/null; journalctl -q -o cat -u {unit}.service 2>/dev/null "
        "| grep -i -E 'fail|error' | grep -v -m 1 'with result'); "
        f'echo "{unit}.service did not start (exit $rc): ${{why:-see journalctl -u {unit}.service}}" >&2; '
        f'systemctl stop {unit}.service >/dev/null 2>&1 || true; rm -f "$D.activate"; exit "$rc"; }}',
        'i=0; while [ ! -s "$D.pid" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done',
        'echo "activation started (pid $(cat "$D.pid" 2>/dev/null || echo ?))"',
    ]
    return "\n".join(lines)


def follow_command(deploy_id: str, wait: float = 10) -> str:
    """Wait up to `wait` seconds for the activation to end, then print `state=`, `status=`,
    `reason=` and the log's last lines: the deployer runs it over fresh connections until done."""
    d = f"{RUN_DIR}/{deploy_id}"
    rounds = max(1, int(wait * 5))
    return "; ".join(
        [
            DEPLOY_STATE_FUNCTION,
            f"n=0; while [ -e {d}.activate ] && [ ! -e {d}.status ] && [ ! -e {d}.rolled-back ] "
            f"&& [ $n -lt {rounds} ]; do "
            "sleep 0.2; n=$((n + 1)); done",
            f"if [ -e {d}.activate ]; then echo state=$(st {deploy_id}); else echo state=none; fi",
            f"echo status=$(cat {d}.status 2>/dev/null)",
            f"echo reason=$(head -n 1 {d}.reason 2>/dev/null)",
            f"tail -n 3 {d}.log 2>/dev/null | sed 's/^/log=/'",
        ]
    )


def abort_command(deploy_id: str, seconds: float) -> str:
    """An activation that did not end in time: stop it (its whole process group) and roll back."""
    d = f"{RUN_DIR}/{deploy_id}"
    reason = f"activation did not finish within {int(seconds)} s: stopped and rolled back"
    return (
        f"if [ ! -e {d}.status ]; then p=$(cat {d}.pid 2>/dev/null); "
        # kill(1), not the shell's builtin: dash's cannot signal a process group
        f'if [ -n "$p" ]; then env kill -s TERM -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; fi; '
        f"{rollback_now(deploy_id, reason)}; echo 124 > {d}.status; fi; echo aborted"
    )


@operation()
def activate(
    system: str,
    action: str = "test",
    deploy_id: str = "manual",
    confirm_timeout: float = 0,
    restore: list[str] | None = None,
    backup: str | None = None,
    activation_timeout: float = 600,
):
    """Activate a system: test (run it), switch (profile + run + boot entry), boot (profile + boot).

    The activation runs detached from the SSH session and is followed over fresh connections
    (`elenta.nixos.activation.activate_host`), so an activation that restarts sshd or outlives a
    connection ends either done or rolled back, never half-way.

    + system: store path (already on the host: see copy_closure)
    + action: test, switch or boot
    + deploy_id: names the rollback files under /run/elenta
    + confirm_timeout: seconds after the END of activation before the host rolls itself back (0: no watchdog)
    + restore: commands a rollback runs first to put data back (`$ELENTA_BACKUP` = `backup`)
    + backup: the host-side path of the pre-deploy backup
    + activation_timeout: seconds an activation may take before it is stopped and rolled back
    """
    _check_store_path(system)
    _check_id(deploy_id)
    if action not in ACTIONS:
        raise OperationError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    facts = host.get_fact(NixosSystem, desired=system)
    if pending_change(action, facts, system) is None:
        host.noop(f"already {action}: {system}")
        return
    from elenta.nixos.activation import activate_host

    command = activate_command(system, action, deploy_id, confirm_timeout, restore, backup)
    yield FunctionCommand(activate_host, (command, deploy_id, action, activation_timeout), {})


@operation(is_idempotent=False)
def confirm(deploy_id: str, action: str = "test"):
    """Run the health checks and confirm the deploy from the deployer over a fresh SSH connection.

    + deploy_id: the id given to activate
    + action: the activation's action (boot has nothing to confirm)
    """
    _check_id(deploy_id)
    if action == "boot":
        host.noop("boot changes nothing running: nothing to confirm")
        return
    from elenta.nixos.confirm import confirm_host

    yield FunctionCommand(confirm_host, (deploy_id,), {})


def previous_generation(facts: dict) -> int | None:
    """The generation before the current profile generation: `previous_generation(facts)`."""
    current = facts.get("profile_generation")
    older = [g for g in facts.get("generations") or [] if current is not None and g < current]
    return max(older) if older else None


def restore_command(restore: list[str], skip_deploy_id: str | None = None) -> str:
    """Run the roles' `restore` commands with `$ELENTA_BACKUP` = the newest pre-deploy backup kept on
    the host (other than `skip_deploy_id`'s, the backup the running deploy has just taken)."""
    from elenta.pipeline.backup import HOST_BACKUPS

    pick = f"ls -1t {HOST_BACKUPS}/*.tar.gz 2>/dev/null"
    if skip_deploy_id:
        pick += f" | grep -v -F {shlex.quote('/' + skip_deploy_id + '.tar.gz')}"
    lines = [
        f"b=$({pick} | head -n 1)",
        'if [ -z "$b" ]; then echo "no pre-deploy backup on this host to restore" >&2; exit 1; fi',
        *(f'ELENTA_BACKUP="$b" sh -c {shlex.quote(command)}' for command in restore),
    ]
    return "\n".join(lines)


@operation(is_idempotent=False)
def restore_data(restore: list[str], skip_deploy_id: str | None = None):
    """Put back the data a rollback returns to: the roles' `restore` commands on the newest backup.

    + restore: the roles' `backup.restore` commands (each gets `$ELENTA_BACKUP`)
    + skip_deploy_id: a backup not to use (the one the running deploy took before activation)
    """
    if not restore:
        host.noop("no role of this host declares a restore")
        return
    if skip_deploy_id is not None:
        _check_id(skip_deploy_id)
    yield restore_command(restore, skip_deploy_id)


@operation(is_idempotent=False)
def rollback_generation(deploy_id: str = "manual", activation_timeout: float = 600):
    """Switch the host to its previous system profile generation (`elenta rollback --canon X`),
    activated like every activation: detached, followed over fresh connections.

    + deploy_id: names the activation's files under /run/elenta
    + activation_timeout: seconds the activation may take before it is stopped and undone
    """
    _check_id(deploy_id)
    facts = host.get_fact(NixosSystem)
    previous = previous_generation(facts)
    if previous is None:
        raise OperationError(
            f"no generation before {facts.get('profile_generation') or 'none'} in {PROFILE} to roll back to"
        )
    from elenta.nixos.activation import activate_host

    system = f"{PROFILE}-{previous}-link"
    command = activate_command(system, "switch", deploy_id, 0, generation=previous)
    yield FunctionCommand(activate_host, (command, deploy_id, "switch", activation_timeout), {})


_REVISION = re.compile(r"^(unknown|[0-9a-f]{7,64}(-dirty)?)$")


@operation()
def record_revision(system: str, revision: str):
    """Record, beside the system, the lab revision it was deployed from (`REVISIONS/<store name>`).

    + system: the store path just activated
    + revision: the lab's git revision (`git_revision`), or "unknown" outside git
    """
    _check_store_path(system)
    if not _REVISION.match(revision):
        raise OperationError(f"not a git revision: {revision!r}")
    target = f"{REVISIONS}/{system.removeprefix('/nix/store/')}"
    yield f"mkdir -p {REVISIONS} && printf '%s\\n' {revision} > {target}.new && mv {target}.new {target}"
