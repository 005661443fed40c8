"""Switch operations: back up, push in one session, read back, confirm, save; roll back in scope.

The pure half, as in pyinfra operations (facts in, commands out): `remediation_commands(running,
desired, driver)` gives the exact lines one `send_config_set` will carry. The acting half runs it
over netmiko: `apply_switch(lab, "sw1")`, `apply_switches(lab, ["sw1", "sw2"])` (in parallel),
`backup_switch`, `rollback_switch`, and the offline `plan_switch` (against the last backup).

The order of an apply: read, back up, arm the switch's self-revert timer (IOS `reload in`),
push, read back, confirm nothing remains, `write memory`, cancel the timer. A refused line or a
failed confirmation rolls the touched sections back *before* anything is saved; a rollback that
cannot complete names the lines that remain and never claims success.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from netmiko import BaseConnection
from netmiko.exceptions import ConfigInvalidException, NetmikoBaseException
from paramiko.ssh_exception import SSHException

from elenta.exitcodes import FAILED, REFUSED
from elenta.facts.switch import LldpNeighbors, MacTable, RunningConfig, read_fact
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.switch.backups import Backup, find_backup, save_backup
from elenta.switch.diff import SwitchChange, plan_change, restore_lines
from elenta.switch.drivers import SwitchDriver
from elenta.switch.host_keys import SwitchHostKeyError, check_offered_key
from elenta.switch.ownership import LastApply, Ownership, after_apply, save_ownership
from elenta.switch.plan import PlannedSwitch, SwitchResult, checked_change, offline_plan, planned_switch
from elenta.switch.render import desired_switch, render_switch, switches
from elenta.switch.session import SwitchTarget, open_session, switch_target
from elenta.switch.verify import VerifyReport, compare_macs

R = TypeVar("R")
MAX_PARALLEL = 32  # switch sessions at once
_SESSION_ERRORS = (NetmikoBaseException, SSHException, OSError, EOFError)


def _remaining_text(remaining: Sequence[str]) -> str:
    shown = ", ".join(repr(line.strip()) for line in remaining[:8])
    more = f" and {len(remaining) - 8} more" if len(remaining) > 8 else ""
    return f"{len(remaining)} line(s) remain: {shown}{more}"


class SwitchPushError(ElentaError):
    """A line was refused or the session broke: rolled back (`restored`) or not, and what remains."""

    exit_code = FAILED

    def __init__(
        self,
        switch: str,
        line: str | None,
        reply: str,
        remaining: Sequence[str] | None,
        backup: Backup | None,
        pending: str = "",
    ) -> None:
        self.switch, self.line, self.reply, self.backup = switch, line, reply, backup
        self.remaining = tuple(remaining) if remaining is not None else None
        what = (
            f"line {line!r} refused: {reply!r}"
            if line is not None
            else f"session lost during the apply: {reply}"
        )
        super().__init__(f"switch {switch}: {what}; {_state(self.remaining, backup, pending)}")

    @property
    def restored(self) -> bool:
        """Whether the touched sections were brought back to the backup and confirmed."""
        return self.remaining == ()


def _state(remaining: tuple[str, ...] | None, backup: Backup | None, pending: str = "") -> str:
    """Where a failed push left the switch; `pending`: the armed revert timer, said as the platform does."""
    timer = f"; {pending}" if pending else ""
    if remaining == ():
        return f"rolled back to the backup ({backup}), nothing saved"
    if remaining is None:
        return f"NOT rolled back: the switch may hold part of the change ({backup}){timer}"
    return f"rollback INCOMPLETE, {_remaining_text(remaining)} ({backup}){timer}"


class SwitchConfirmError(ElentaError):
    """After a push the switch still differs from the desired (or backup) configuration."""

    exit_code = FAILED


class SwitchErrors(ElentaError):
    """Several switches failed; each message is kept."""

    def __init__(self, errors: Sequence[ElentaError]) -> None:
        self.errors = list(errors)
        self.exit_code = max(e.exit_code for e in self.errors)
        super().__init__("\n".join(f"error: {e}" for e in self.errors))


def remediation_commands(
    running: str, desired: str, driver: SwitchDriver, shutdown_unused: bool = False
) -> list[str]:
    """The lines one `send_config_set` pushes to go from `running` to `desired` (empty: no-op).

    `remediation_commands(show_run, render_switch(state), CISCO_IOS)`
    """
    change = plan_change(running, desired, driver, shutdown_unused=shutdown_unused)
    return push_lines(change.remediation, driver.section_exit)


def push_lines(lines: Iterable[str], section_exit: str | None = None) -> list[str]:
    """Configuration lines as sent: without indentation (the CLI tracks the section itself).

    With `section_exit` (DNOS 6: "exit"), each section's lines are followed by it:
    `push_lines(["interface Te1/0/1", " shutdown"], "exit") == ["interface Te1/0/1", "shutdown", "exit"]`.
    """
    out: list[str] = []
    inside = False
    for line in lines:
        if not line.strip():
            continue
        nested = line[:1].isspace()
        if section_exit and inside and not nested:
            out.append(section_exit)
        inside = nested
        out.append(line.strip())
    if section_exit and inside:
        out.append(section_exit)
    return out


def desired_text(lab: Lab, name: str) -> str:
    """The rendered desired configuration of switch `name`: `desired_text(lab, "sw1")`."""
    return render_switch(desired_switch(lab.cadaster, name, lab.cadaster_file))


@dataclass(frozen=True)
class _Context:
    """The planned switch and where to reach it, known before any connection."""

    target: SwitchTarget
    planned: PlannedSwitch

    def change(self, running: str) -> SwitchChange:
        """The change from `running` to the desired configuration, inside the scope."""
        return self.planned.change(running)


def _context(lab: Lab, name: str) -> _Context:
    return _Context(switch_target(lab, name), planned_switch(lab, name))


_INVALID = re.compile(r"at command: (?P<line>.*), matched error: (?P<reply>.*)$", re.S)


def _push(
    connection: BaseConnection,
    target: SwitchTarget,
    lines: Sequence[str],
    stop: bool = True,
    session: str | None = None,
) -> None:
    """One configuration session carrying every line.

    With `stop`, the first refused line raises ConfigInvalidException; without, every line is
    sent (a rollback does its best, then the read-back says what remains). With `session` (EOS),
    the lines go into that configuration session, committed with the self-revert timer.
    """
    driver = target.driver
    if lines:
        extra: dict[str, str] = {}
        if session is not None and driver.revert_session and driver.revert_commit:
            extra["config_mode_command"] = driver.revert_session.format(session=session)
            lines = [*lines, driver.revert_commit.format(minutes=target.revert_minutes)]
        connection.send_config_set(
            list(lines),
            error_pattern=driver.error_pattern if stop else "",
            read_timeout=max(target.timeout, 0.2 * len(lines)),
            **extra,
        )
    if connection.check_config_mode():
        connection.exit_config_mode()


def _refusal(exc: ConfigInvalidException) -> tuple[str, str]:
    match = _INVALID.search(str(exc))
    return (match["line"], match["reply"].strip()) if match else ("?", str(exc))


def _read(connection: BaseConnection, target: SwitchTarget) -> str:
    return read_fact(connection, RunningConfig(target.driver))


def _restore(
    connection: BaseConnection, target: SwitchTarget, backup_text: str, sections: Iterable[str]
) -> tuple[str, ...]:
    """Bring `sections` back to `backup_text` (every line sent); the lines that still remain."""
    sections = tuple(sections)
    if connection.check_config_mode():
        connection.exit_config_mode()
    lines = restore_lines(_read(connection, target), backup_text, target.driver, sections)
    _push(connection, target, push_lines(lines, target.driver.section_exit), stop=False)
    return restore_lines(_read(connection, target), backup_text, target.driver, sections)


# -- the self-revert timer (IOS `reload in N`) ---------------------------------------------------


class RevertTimerError(ElentaError):
    """The switch refused to arm its self-revert timer; nothing was pushed."""

    exit_code = REFUSED  # a safety rule: no push without the timer that undoes it


_REVERT_PROMPT = r"\[confirm\]|\[yes/no\]|#\s*$"


def _arm_revert(connection: BaseConnection, target: SwitchTarget) -> str | None:
    """Arm the switch's own revert before a push; the EOS configuration session to push in, if any.

    IOS: `reload in N`, answering its questions. EOS: nothing to send yet, the push goes into a
    configuration session committed with `commit timer`.
    """
    driver = target.driver
    if not target.revert_minutes:
        return None
    if driver.revert_session is not None:
        return f"elenta-{int(time.time() * 1000) % 10**9}"
    if driver.revert_schedule is None:
        return None
    command = driver.revert_schedule.format(minutes=target.revert_minutes)
    send = connection.send_command
    reply = send(command, expect_string=_REVERT_PROMPT, strip_prompt=False, strip_command=False)
    if re.search(r"Save\?\s*\[yes/no\]", reply):  # the running configuration is not saved: keep it so
        reply = send("no", expect_string=_REVERT_PROMPT, strip_prompt=False, strip_command=False)
    if "[confirm]" in reply:
        reply = send("", expect_string=r"#\s*$", strip_prompt=False, strip_command=False)
    if re.search(driver.error_pattern, reply, re.M):
        raise RevertTimerError(
            f"switch {target.name}: {command!r} refused ({reply.strip().splitlines()[-1]!r}); nothing "
            f"pushed (machines.{target.name}.switch.revert_minutes = 0 pushes without the timer)"
        )
    return None


def _pending(target: SwitchTarget, session: str | None) -> str:
    """What the armed revert timer will do, as the platform says it (empty: no timer)."""
    note = target.driver.revert_note
    if not target.revert_minutes or note is None:
        return ""
    return note.format(minutes=target.revert_minutes, session=session)


def _save(connection: BaseConnection, driver: SwitchDriver) -> None:
    """Write the running configuration to the startup one, answering a platform that asks first."""
    if driver.save_question is None:
        connection.save_config(cmd=driver.save_command)
        return
    connection.send_command(
        driver.save_command, expect_string=driver.save_question, strip_prompt=False, strip_command=False
    )
    connection.write_channel("y")  # one keystroke, as the question takes it
    connection.read_until_prompt(read_timeout=100)


def _cancel_revert(connection: BaseConnection, target: SwitchTarget, session: str | None) -> None:
    """Disarm the revert once the change is confirmed (IOS `reload cancel`, EOS session commit)."""
    if not target.revert_minutes:
        return
    command = target.driver.revert_cancel
    if command:
        connection.send_command(command.format(session=session), expect_string=r"#\s*$")


def _abort_session(connection: BaseConnection, target: SwitchTarget, session: str | None) -> None:
    """After a refused line inside an EOS session: discard what the session holds."""
    if session is not None and target.driver.revert_abort:
        if not connection.check_config_mode():
            connection.config_mode(target.driver.revert_session.format(session=session))  # type: ignore[union-attr]
        connection.send_command(target.driver.revert_abort, expect_string=r"#\s*$")


# -- plan, apply, backup, rollback ---------------------------------------------------------------


def plan_switch(lab: Lab, name: str, live: bool = False) -> SwitchResult:
    """The change an apply would push, touching nothing.

    Offline by default (`offline_plan`: against the last backup, no password needed);
    `live=True` reads the switch. `plan_switch(lab, "sw1", live=True).change`
    """
    if not live:
        return offline_plan(lab, name)
    context = _context(lab, name)
    if context.target.driver.netconf:
        from elenta.operations import switch_netconf

        return switch_netconf.plan_switch(lab, context)
    with open_session(context.target) as connection:
        running = _read(connection, context.target)
    return SwitchResult(name, checked_change(lab, context.planned, running), pushed=False)


def apply_switch(lab: Lab, name: str) -> SwitchResult:
    """Back up, push in one session, read back, confirm, save; roll back (unsaved) on any failure.

    `apply_switch(lab, "sw1")`; a switch already as desired is not touched.
    """
    context = _context(lab, name)
    if context.target.driver.netconf:
        from elenta.operations import switch_netconf

        return switch_netconf.apply_switch(lab, context)
    target, driver = context.target, context.target.driver
    with open_session(target) as connection:
        running = _read(connection, target)
        change = checked_change(lab, context.planned, running)
        if change.empty:
            return SwitchResult(name, change, pushed=False)
        backup, last = record_apply(lab, context, running, change)
        session = _arm_revert(connection, target)
        try:
            after = _push_confirm_save(connection, context, running, change, backup, session)
        except _SESSION_ERRORS as exc:  # the session broke after the push began
            raise SwitchPushError(
                name, None, f"{type(exc).__name__}: {exc}", None, backup, _pending(target, session)
            ) from None
    before_vlans = {v for c in running.splitlines() if (v := driver.vlan_of_section(c)) is not None}
    record_applied(lab, context, before_vlans, last, after)
    return SwitchResult(name, change, pushed=True, backup=backup)


def record_apply(lab: Lab, context: _Context, running: str, change: SwitchChange) -> tuple[Backup, LastApply]:
    """Before a push: back up `running` and record the apply, so that `net rollback` undoes it
    whatever happens next."""
    name, owned = context.target.name, context.planned.ownership
    backup = save_backup(lab.state_dir, name, running, "before-apply")
    last = LastApply(
        backup.commit,
        tuple(sorted(change.sections)),
        tuple(sorted(owned.vlans)),
        tuple(sorted(owned.ports)),
    )
    save_ownership(lab.state_dir, name, replace(owned, last_apply=last))
    return backup, last


def record_applied(lab: Lab, context: _Context, vlans_before: set[int], last: LastApply, after: str) -> None:
    """After a confirmed push: what elenta now owns (VLANs it created, ports), and the backup."""
    name, owned = context.target.name, context.planned.ownership
    save_ownership(lab.state_dir, name, after_apply(context.planned.state, vlans_before, owned, last))
    save_backup(lab.state_dir, name, after, "after-apply")


def _push_confirm_save(
    connection: BaseConnection,
    context: _Context,
    running: str,
    change: SwitchChange,
    backup: Backup,
    session: str | None,
) -> str:
    """Push, read back, confirm, disarm the revert, save; roll back (unsaved) on a refusal or mismatch.

    Returns the configuration read back (what was saved).
    """
    target, name = context.target, context.target.name
    try:
        _push(connection, target, push_lines(change.remediation, target.driver.section_exit), session=session)
    except ConfigInvalidException as exc:
        line, reply = _refusal(exc)
        _abort_session(connection, target, session)
        remaining = _restore(connection, target, running, change.sections)
        if not remaining and session is None:
            _cancel_revert(connection, target, session)
        pending = "" if not remaining or session else _pending(target, None)
        raise SwitchPushError(name, line, reply, remaining, backup, pending) from None
    after = _read(connection, target)
    left = context.change(after)
    if not left.empty:
        remaining = _restore(connection, target, running, change.sections)
        if not remaining:
            _cancel_revert(connection, target, session)
        raise SwitchConfirmError(
            f"switch {name}: after the push {len(left.remediation)} line(s) still differ, first "
            f"{left.remediation[0].strip()!r}; nothing saved; "
            + _state(remaining, backup, "" if not remaining else _pending(target, session))
        )
    _cancel_revert(connection, target, session)  # confirmed: then, only then, saved
    _save(connection, target.driver)
    return after


def backup_switch(lab: Lab, name: str) -> Backup:
    """Save switch `name`'s running configuration in the lab's history: `backup_switch(lab, "sw1")`."""
    target = switch_target(lab, name)
    if target.driver.netconf:
        from elenta.operations import switch_netconf

        running = switch_netconf.read_running(target)
    else:
        with open_session(target) as connection:
            running = _read(connection, target)
    return save_backup(lab.state_dir, name, running, "backup")


def rollback_switch(lab: Lab, name: str, to: str | Path | None = None, dry_run: bool = False) -> SwitchResult:
    """Restore what the last apply changed (or, with `to`, the owned sections of a backup).

    `to` is a backup commit (`elenta net history`) or a configuration file. Only the sections
    elenta owns are restored: a VLAN or SVI added by hand survives. With `dry_run`, the lines
    are computed from the running configuration and nothing is sent.
    """
    context = _context(lab, name)
    if context.target.driver.netconf:
        from elenta.operations import switch_netconf

        return switch_netconf.rollback_switch(lab, context, to, dry_run)
    target, driver = context.target, context.target.driver
    owned = context.planned.ownership
    chosen = rollback_source(lab, context, to)
    if chosen is None:  # elenta never changed it: nothing to undo
        return SwitchResult(name, SwitchChange((), ()), pushed=False, baseline="no apply to undo")
    source, backup_text, sections = chosen
    with open_session(target) as connection:
        running = _read(connection, target)
        lines = restore_lines(running, backup_text, driver, sections)
        change = SwitchChange(
            lines, restore_lines(backup_text, running, driver, sections), (), frozenset(sections)
        )
        if change.empty or dry_run:
            return SwitchResult(name, change, pushed=False, backup=source)
        save_backup(lab.state_dir, name, running, "before-rollback")
        session = _arm_revert(connection, target)
        try:
            _push(connection, target, push_lines(lines, driver.section_exit), stop=False, session=session)
        except _SESSION_ERRORS as exc:
            raise SwitchPushError(
                name, None, f"{type(exc).__name__}: {exc}", None, source, _pending(target, session)
            ) from None
        remaining = restore_lines(_read(connection, target), backup_text, driver, sections)
        if remaining:
            back = _restore(connection, target, running, sections)
            if not back:
                _cancel_revert(connection, target, session)
            raise SwitchConfirmError(
                f"switch {name}: rollback INCOMPLETE, {_remaining_text(remaining)}; "
                + (
                    "the switch was put back as it was before the rollback, nothing saved"
                    if not back
                    else f"and putting it back failed too ({_remaining_text(back)}); nothing saved"
                    + (f"; {_pending(target, session)}" if _pending(target, session) else "")
                )
            )
        _cancel_revert(connection, target, session)
        _save(connection, driver)
        after = _read(connection, target)
    after_rollback(lab, name, owned, to, after)
    return SwitchResult(name, change, pushed=True, backup=source)


def rollback_source(
    lab: Lab, context: _Context, to: str | Path | None
) -> tuple[Backup | None, str, set[str]] | None:
    """What a rollback restores: the backup (None for a file), its text, the sections; None: nothing.

    Without `to`, the sections the last apply touched, from the backup taken before it; with
    `to` (a backup commit or a file), every section elenta owns plus those.
    """
    owned = context.planned.ownership
    if to is None:
        if owned.last_apply is None:
            return None
        source = find_backup(lab.state_dir, context.target.name, owned.last_apply.backup)
        return source, source.read_text(), set(owned.last_apply.sections)
    path = Path(to)
    source = None if path.is_file() else find_backup(lab.state_dir, context.target.name, str(to))
    backup_text = path.read_text() if source is None else source.read_text()
    sections = context.planned.scope().sections(context.target.driver) | set(
        owned.last_apply.sections if owned.last_apply else ()
    )
    return source, backup_text, sections


def after_rollback(lab: Lab, name: str, owned: Ownership, to: str | Path | None, after: str) -> None:
    """Once a rollback is confirmed: undoing the last apply restores the record before it; backup."""
    if to is None and owned.last_apply is not None:
        previous = Ownership(
            frozenset(owned.last_apply.vlans_before),
            frozenset(owned.last_apply.ports_before),
            owned.last_apply,
        )
        save_ownership(lab.state_dir, name, previous)
    save_backup(lab.state_dir, name, after, "after-rollback")


def check_switch(lab: Lab, name: str) -> None:
    """Raise the cadaster, rendering or credential fault of switch `name`, touching nothing.

    `check_switch(lab, "sw1")`
    """
    switch_target(lab, name)
    planned_switch(lab, name)


def each_switch(
    lab: Lab, names: Sequence[str] | None, action: Callable[[Lab, str], R], parallel: bool = True
) -> list[R]:
    """Run `action(lab, name)` on each switch (default: all), in parallel; gather every failure.

    `each_switch(lab, ["sw1", "sw2"], backup_switch)`; raises the failure (SwitchErrors if
    several), whose `completed` holds the results of the switches that succeeded.
    """
    chosen = list(names) if names else switches(lab.cadaster)
    for name in chosen:
        check_switch(lab, name)  # every switch checked before any is touched
    unreachable = check_host_keys(lab, chosen)

    def run(name: str) -> R | ElentaError:
        if name in unreachable:
            return unreachable[name]
        try:
            return action(lab, name)
        except ElentaError as exc:
            return exc

    workers = min(MAX_PARALLEL, max(1, len(chosen))) if parallel else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(run, chosen))
    errors = [o for o in outcomes if isinstance(o, ElentaError)]
    results = [o for o in outcomes if not isinstance(o, ElentaError)]
    if errors:
        error = errors[0] if len(errors) == 1 else SwitchErrors(errors)
        error.completed = results  # type: ignore[attr-defined]
        raise error
    return results


def check_host_keys(lab: Lab, names: Sequence[str]) -> dict[str, ElentaError]:
    """Refuse (exit 3) before any switch is touched when one of them offers an untrusted host key.

    One handshake per switch, in parallel, no login. Returns the switches that could not be
    reached, with why (their sessions need not wait again): `check_host_keys(lab, ["sw1"])` -> `{}`.
    """

    def one(name: str) -> ElentaError | None:
        try:
            check_offered_key(switch_target(lab, name))
        except ElentaError as exc:
            return exc
        return None

    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, max(1, len(names)))) as pool:
        outcomes = dict(zip(names, pool.map(one, names), strict=True))
    refusals = [e for e in outcomes.values() if isinstance(e, SwitchHostKeyError)]
    if refusals:
        raise refusals[0] if len(refusals) == 1 else SwitchErrors(refusals)
    return {name: e for name, e in outcomes.items() if e is not None}


def apply_switches(lab: Lab, names: Sequence[str] | None = None, parallel: bool = True) -> list[SwitchResult]:
    """Apply every named switch (default: all), in parallel: `apply_switches(lab, ["sw1", "sw2"])`."""
    return each_switch(lab, names, apply_switch, parallel)


def verify_switch(lab: Lab, name: str) -> VerifyReport:
    """Read the MAC table and compare it with the cadaster's ports: `verify_switch(lab, "sw1").ok`."""
    target = switch_target(lab, name)
    if target.driver.netconf:
        from elenta.operations import switch_netconf

        rows, neighbours = switch_netconf.read_tables(target)
        return compare_macs(lab.cadaster, name, rows, target.driver, neighbours)
    with open_session(target) as connection:
        rows = read_fact(connection, MacTable(target.driver))
        neighbours = read_fact(connection, LldpNeighbors(target.driver))
    return compare_macs(lab.cadaster, name, rows, target.driver, neighbours)
