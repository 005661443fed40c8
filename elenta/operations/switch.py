"""Switch operations: back up, push the remediation in one session, save, confirm, roll back.

The pure half, as in pyinfra operations (facts in, commands out): `remediation_commands(running,
desired, driver)` gives the exact lines one `send_config_set` will carry. The acting half runs it
over netmiko: `apply_switch(lab, "sw1")`, `apply_switches(lab, ["sw1", "sw2"])` (in parallel),
`backup_switch`, `rollback_switch`. Any refused line is rolled back to the backup taken first,
and the error names the switch, the line and the device's reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from netmiko import BaseConnection
from netmiko.exceptions import ConfigInvalidException, NetmikoBaseException
from paramiko.ssh_exception import SSHException

from elenta.facts.switch import RunningConfig, read_fact
from elenta.model.errors import ElentaError, ModelError
from elenta.model.lab import Lab
from elenta.switch.diff import SwitchChange, plan_change, restore_lines
from elenta.switch.drivers import SwitchDriver
from elenta.switch.history import backups, save_backup
from elenta.switch.render import desired_switch, render_switch, switches
from elenta.switch.session import SwitchTarget, open_session, switch_target

R = TypeVar("R")
MAX_PARALLEL = 32  # switch sessions at once


class SwitchPushError(ElentaError):
    """A line was refused: the switch was rolled back (or could not be: `restored` says)."""

    exit_code = 4

    def __init__(
        self, switch: str, line: str | None, reply: str, restored: bool, backup: Path | None
    ) -> None:
        self.switch, self.line, self.reply, self.restored, self.backup = switch, line, reply, restored, backup
        state = (
            "rolled back to the backup"
            if restored
            else "NOT rolled back: the switch may hold part of the change; `elenta net rollback` restores"
        )
        what = (
            f"line {line!r} refused: {reply!r}"
            if line is not None
            else f"session lost during the push: {reply}"
        )
        super().__init__(f"switch {switch}: {what}; {state} ({backup})")


class SwitchConfirmError(ElentaError):
    """After a push the switch still differs from the desired (or backup) configuration."""

    exit_code = 4


class SwitchErrors(ElentaError):
    """Several switches failed; each message is kept."""

    def __init__(self, errors: Sequence[ElentaError]) -> None:
        self.errors = list(errors)
        self.exit_code = max(e.exit_code for e in self.errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class SwitchResult:
    """What happened on one switch: the change computed, whether it was pushed, the backup kept."""

    name: str
    change: SwitchChange
    pushed: bool
    backup: Path | None = None


def remediation_commands(
    running: str, desired: str, driver: SwitchDriver, shutdown_unused: bool = False
) -> list[str]:
    """The lines one `send_config_set` pushes to go from `running` to `desired` (empty: no-op).

    `remediation_commands(show_run, render_switch(state), CISCO_IOS)`
    """
    return push_lines(plan_change(running, desired, driver, shutdown_unused).remediation)


def push_lines(lines: Iterable[str]) -> list[str]:
    """Configuration lines as sent: without indentation (the CLI tracks the section itself)."""
    return [line.strip() for line in lines if line.strip()]


def desired_text(lab: Lab, name: str) -> str:
    """The rendered desired configuration of switch `name`: `desired_text(lab, "sw1")`."""
    return render_switch(desired_switch(lab.cadaster, name, lab.cadaster_file))


_INVALID = re.compile(r"at command: (?P<line>.*), matched error: (?P<reply>.*)$", re.S)


def _push(connection: BaseConnection, driver: SwitchDriver, lines: Sequence[str]) -> None:
    """One configuration session carrying every line; raises ConfigInvalidException on a refusal."""
    if lines:
        connection.send_config_set(list(lines), error_pattern=driver.error_pattern, read_timeout=60)


def _refusal(exc: ConfigInvalidException) -> tuple[str, str]:
    match = _INVALID.search(str(exc))
    return (match["line"], match["reply"].strip()) if match else ("?", str(exc))


def _roll_back(connection: BaseConnection, target: SwitchTarget, backup_text: str) -> bool:
    """Bring the switch back to `backup_text`; True when a read-back confirms it."""
    if connection.check_config_mode():
        connection.exit_config_mode()
    current = read_fact(connection, RunningConfig(target.driver))
    try:
        _push(connection, target.driver, push_lines(restore_lines(current, backup_text, target.driver)))
    except ConfigInvalidException:
        return False
    after = read_fact(connection, RunningConfig(target.driver))
    return not restore_lines(after, backup_text, target.driver)


def plan_switch(lab: Lab, name: str) -> SwitchChange:
    """Read the running configuration and compute the change, touching nothing: `plan_switch(lab, "sw1")`."""
    target = switch_target(lab, name)
    with open_session(target) as connection:
        running = read_fact(connection, RunningConfig(target.driver))
    return _checked_change(lab, target, running)


def _checked_change(lab: Lab, target: SwitchTarget, running: str) -> SwitchChange:
    change = plan_change(running, desired_text(lab, target.name), target.driver, target.shutdown_unused)
    if change.unknown_ports:
        raise ModelError.one(
            lab.cadaster_file,
            ("machines", target.name, "switch", "ports", change.unknown_ports[0]),
            f"switch {target.name} has no such port (unknown: {', '.join(change.unknown_ports)})",
        )
    return change


def apply_switch(lab: Lab, name: str) -> SwitchResult:
    """Back up, push the remediation in one session, save, and confirm nothing remains.

    `apply_switch(lab, "sw1")`; on a refused line the backup is restored and SwitchPushError
    names the line and the device's reply. A switch already as desired is not touched.
    """
    target = switch_target(lab, name)
    driver = target.driver
    with open_session(target) as connection:
        running = read_fact(connection, RunningConfig(driver))
        change = _checked_change(lab, target, running)
        if change.empty:
            return SwitchResult(name, change, pushed=False)
        backup = save_backup(lab.state_dir, name, running, "before-apply")
        try:
            _push(connection, driver, push_lines(change.remediation))
        except ConfigInvalidException as exc:
            line, reply = _refusal(exc)
            restored = _roll_back(connection, target, running)
            raise SwitchPushError(name, line, reply, restored, backup) from None
        except (NetmikoBaseException, SSHException, OSError, EOFError) as exc:
            # The session broke mid-push: the switch may hold part of the change.
            raise SwitchPushError(name, None, f"{type(exc).__name__}: {exc}", False, backup) from None
        connection.save_config(cmd=driver.save_command)
        after = read_fact(connection, RunningConfig(driver))
        remaining = plan_change(after, desired_text(lab, name), driver, target.shutdown_unused)
        if not remaining.empty:
            raise SwitchConfirmError(
                f"switch {name}: after the push {len(remaining.remediation)} line(s) still differ, first "
                f"{remaining.remediation[0].strip()!r} (backup: {backup})"
            )
        return SwitchResult(name, change, pushed=True, backup=backup)


def backup_switch(lab: Lab, name: str) -> Path:
    """Save switch `name`'s running configuration in the lab's history: `backup_switch(lab, "sw1")`."""
    target = switch_target(lab, name)
    with open_session(target) as connection:
        running = read_fact(connection, RunningConfig(target.driver))
    return save_backup(lab.state_dir, name, running, "backup")


def rollback_switch(lab: Lab, name: str, to: Path | None = None) -> SwitchResult:
    """Restore the backup taken before the last apply (or `to`), save, and confirm.

    `rollback_switch(lab, "sw1")`
    """
    target = switch_target(lab, name)
    driver = target.driver
    if to is None:
        kept = backups(lab.state_dir, name, "before-apply")
        if not kept:
            raise SwitchConfirmError(f"switch {name}: no backup taken before an apply in {lab.state_dir}")
        to = kept[-1]
    backup_text = to.read_text()
    with open_session(target) as connection:
        running = read_fact(connection, RunningConfig(driver))
        lines = restore_lines(running, backup_text, driver)
        change = SwitchChange(lines, restore_lines(backup_text, running, driver))
        if change.empty:
            return SwitchResult(name, change, pushed=False, backup=to)
        save_backup(lab.state_dir, name, running, "before-rollback")
        try:
            _push(connection, driver, push_lines(lines))
        except ConfigInvalidException as exc:
            line, reply = _refusal(exc)
            restored = _roll_back(connection, target, running)
            raise SwitchPushError(name, line, reply, restored, to) from None
        connection.save_config(cmd=driver.save_command)
        after = read_fact(connection, RunningConfig(driver))
        if restore_lines(after, backup_text, driver):
            raise SwitchConfirmError(
                f"switch {name}: after the rollback the configuration still differs from {to}"
            )
        return SwitchResult(name, change, pushed=True, backup=to)


def each_switch(
    lab: Lab, names: Sequence[str] | None, action: Callable[[Lab, str], R], parallel: bool = True
) -> list[R]:
    """Run `action(lab, name)` on each switch (default: all), in parallel; gather every failure.

    `each_switch(lab, ["sw1", "sw2"], backup_switch)`; raises SwitchErrors if several failed.
    """
    chosen = list(names) if names else switches(lab.cadaster)
    for name in chosen:
        switch_target(lab, name)  # every name and credential checked before any switch is touched

    def run(name: str) -> R | ElentaError:
        try:
            return action(lab, name)
        except ElentaError as exc:
            return exc

    workers = min(MAX_PARALLEL, max(1, len(chosen))) if parallel else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(run, chosen))
    errors = [o for o in outcomes if isinstance(o, ElentaError)]
    if errors:
        raise errors[0] if len(errors) == 1 else SwitchErrors(errors)
    return [o for o in outcomes if not isinstance(o, ElentaError)]


def apply_switches(lab: Lab, names: Sequence[str] | None = None, parallel: bool = True) -> list[SwitchResult]:
    """Apply every named switch (default: all), in parallel: `apply_switches(lab, ["sw1", "sw2"])`."""
    return each_switch(lab, names, apply_switch, parallel)
