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

from elenta.facts.nixos import BOOT_DEFAULT, CURRENT, PROFILE, REVISIONS, NixosSystem
from elenta.nixos.compliance import ACTIONS, pending_change
from elenta.nixos.decision import RUN_DIR


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


def rollback_script(action: str, restore: list[str] | None = None, backup: str | None = None) -> list[str]:
    """Shell lines that write `$D.rollback`: put back the data (the roles' `restore` commands, with
    `$ELENTA_BACKUP` naming the pre-deploy backup), then what ran, the profile and the boot entry.

    They capture the host's state at activation time (`$prev`, `$pboot`, `$pgen`).
    """
    body = ["#!/bin/sh", "set +e"]
    for command in restore or []:
        body.append(f"ELENTA_BACKUP={shlex.quote(backup or '')} sh -c {shlex.quote(command)}")
    if action in ("switch", "boot"):
        body += [
            f'if [ -n "$pgen" ]; then nix-env -p {PROFILE} --switch-generation "$pgen"; '
            f"else rm -f {PROFILE}; fi",
            f'if [ -n "$pboot" ]; then "$pboot/bin/switch-to-configuration" boot; '
            f"else rm -f {BOOT_DEFAULT}; fi",
        ]
    if action in ("test", "switch"):
        body.append(
            f'if [ -n "$prev" ]; then "$prev/bin/switch-to-configuration" test; else rm -f {CURRENT}; fi'
        )
    body.append('touch "$D.rolled-back"')
    quoted = " ".join(shlex.quote(line) for line in body[2:])
    return [
        f'printf \'%s\\n\' \'#!/bin/sh\' "D=$D" "prev=$prev" "pboot=$pboot" "pgen=$pgen" {quoted}'
        ' > "$D.rollback"',
    ]


def activate_command(
    system: str,
    action: str,
    deploy_id: str,
    confirm_timeout: float,
    restore: list[str] | None = None,
    backup: str | None = None,
) -> str:
    """The one shell command that activates `system` with `action` and arms the magic rollback."""
    lines = [
        "set -e",
        f"mkdir -p {RUN_DIR}",
        f"D={RUN_DIR}/{deploy_id}",
        f"prev=$(readlink {CURRENT} 2>/dev/null || true)",
        f"pboot=$(readlink {BOOT_DEFAULT} 2>/dev/null || true)",
        f"pgen=$(readlink {PROFILE} 2>/dev/null | sed -n 's/^system-\\([0-9]*\\)-link$/\\1/p')",
        *rollback_script(action, restore, backup),
    ]
    if action in ("test", "switch") and confirm_timeout > 0:
        watchdog = (
            f'sleep {int(confirm_timeout)}; if mkdir "$D.decided" 2>/dev/null; then '
            f'echo "no confirmation within {int(confirm_timeout)} s" > "$D.reason"; '
            f'sh "$D.rollback" > "$D.rollback.log" 2>&1; fi'
        )
        lines.append(f"D=$D setsid sh -c {shlex.quote(watchdog)} </dev/null >/dev/null 2>&1 &")
    if action in ("switch", "boot"):
        lines.append(f"nix-env -p {PROFILE} --set {system}")
    lines.append(
        f"if ! {system}/bin/switch-to-configuration {action}; then "
        'mkdir "$D.decided" 2>/dev/null; echo "activation failed" > "$D.reason"; '
        'sh "$D.rollback" > "$D.rollback.log" 2>&1; echo "activation failed, rolled back" >&2; exit 1; fi'
    )
    return "\n".join(lines)


@operation()
def activate(
    system: str,
    action: str = "test",
    deploy_id: str = "manual",
    confirm_timeout: float = 0,
    restore: list[str] | None = None,
    backup: str | None = None,
):
    """Activate a system: test (run it), switch (profile + run + boot entry), boot (profile + boot).

    + system: store path (already on the host: see copy_closure)
    + action: test, switch or boot
    + deploy_id: names the rollback files under /run/elenta
    + confirm_timeout: seconds the host waits for `confirm` before it rolls itself back (0: no watchdog)
    + restore: commands a rollback runs first to put data back (`$ELENTA_BACKUP` = `backup`)
    + backup: the host-side path of the pre-deploy backup
    """
    _check_store_path(system)
    _check_id(deploy_id)
    if action not in ACTIONS:
        raise OperationError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    facts = host.get_fact(NixosSystem, desired=system)
    if pending_change(action, facts, system) is None:
        host.noop(f"already {action}: {system}")
        return
    yield activate_command(system, action, deploy_id, confirm_timeout, restore, backup)


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
def rollback_generation():
    """Switch the host to its previous system profile generation (`elenta rollback --canon X`)."""
    facts = host.get_fact(NixosSystem)
    previous = previous_generation(facts)
    if previous is None:
        raise OperationError(
            f"no generation before {facts.get('profile_generation') or 'none'} in {PROFILE} to roll back to"
        )
    yield (
        f"nix-env -p {PROFILE} --switch-generation {previous} && "
        f'"$(readlink -f {PROFILE})/bin/switch-to-configuration" switch'
    )


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
