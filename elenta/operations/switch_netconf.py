"""Switch operations over NETCONF (Junos): the candidate, `commit confirmed`, read back, confirm.

The same contract as the CLI platforms (`elenta.operations.switch`, which hands NETCONF switches
here), in the platform's own terms. The order of an apply: lock the candidate, read the running
configuration, back up, load the change into the candidate (`edit-config`), `commit confirmed
N` (the switch reverts by itself unless confirmed in N minutes), read back, confirm with a
second `commit` only once nothing differs, unlock. A refusal (by `edit-config` or by the
commit's validation) discards the candidate: the running configuration never changed. A
read-back that differs commits the owned sections back to the backup before anything is
confirmed. Rollbacks take the same path.

    apply_switch(lab, context)     # via elenta.operations.switch.apply_switch(lab, "sw1")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from elenta.exitcodes import REFUSED
from elenta.facts.switch_netconf import lldp_rows, mac_rows, physical_ports, running_text
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.operations.switch import (
    SwitchConfirmError,
    SwitchPushError,
    _Context,
    _pending,
    _remaining_text,
    _state,
    after_rollback,
    record_applied,
    record_apply,
    rollback_source,
)
from elenta.switch import junos
from elenta.switch.backups import Backup, save_backup
from elenta.switch.diff import SwitchChange
from elenta.switch.netconf_session import open_netconf, session_errors
from elenta.switch.plan import SwitchResult, refuse_unknown_ports
from elenta.switch.session import SwitchTarget

if TYPE_CHECKING:
    from ncclient.manager import Manager


class CandidateBusyError(ElentaError):
    """The candidate configuration is locked, or holds changes of another session: nothing done."""

    exit_code = REFUSED


class SwitchRefusedError(SwitchPushError):
    """The switch refused the change (edit-config or commit): the candidate was discarded."""

    def __init__(self, switch: str, reply: str, backup: Backup | None) -> None:
        self.switch, self.line, self.reply, self.backup = switch, None, reply, backup
        self.remaining = ()
        ElentaError.__init__(
            self,
            f"switch {switch}: the change was refused: {reply!r}; candidate discarded, the running "
            f"configuration was not changed (backup {backup})",
        )


def _rpc_error() -> type[Exception]:
    from ncclient.operations import RPCError

    return RPCError


def _reply(exc: Exception) -> str:
    """An rpc-error's message on one line, with the element at fault when the switch names it."""
    message = " ".join(str(getattr(exc, "message", None) or exc).split())
    bad = (getattr(exc, "info", None) or "").strip()
    return f"{message} ({' '.join(bad.split())})" if "bad-element" in bad else message


@contextmanager
def _candidate(session: Manager, target: SwitchTarget) -> Iterator[None]:
    """The candidate locked for this session; on the way out, anything uncommitted is discarded."""
    try:
        session.lock("candidate")
    except _rpc_error() as exc:
        raise CandidateBusyError(
            f"switch {target}: the candidate configuration cannot be locked ({_reply(exc)}): another "
            "session holds it or left uncommitted changes; nothing was done"
        ) from None
    try:
        yield
    finally:
        with suppress(Exception):  # the session may be gone: the switch drops its lock with it
            session.discard_changes()
            session.unlock("candidate")


def _read(session: Manager) -> str:
    return running_text(session.get_config(source="running").data_ele)


def read_running(target: SwitchTarget) -> str:
    """The running configuration as `set` lines: `read_running(switch_target(lab, "sw1"))`."""
    with open_netconf(target) as session:
        return _read(session)


def _commit(session: Manager, target: SwitchTarget, lines: Iterable[str], confirmed: bool) -> None:
    """Load `lines` into the candidate and commit (confirmed: reverted unless confirmed in time).

    Raises the rpc-error of a refusal, the candidate discarded.
    """
    lines = tuple(lines)
    if not lines:
        return
    try:
        session.edit_config(target="candidate", config=junos.edit_config(lines))
        if confirmed and target.revert_minutes:
            session.commit(confirmed=True, timeout=str(target.revert_minutes * 60))
        else:
            session.commit()
    except _rpc_error():
        session.discard_changes()
        raise


def _confirm(session: Manager, target: SwitchTarget) -> None:
    """Confirm a `commit confirmed`: a second commit within its time."""
    if target.revert_minutes:
        session.commit()


def _restore(
    session: Manager, target: SwitchTarget, backup_text: str, sections: Iterable[str]
) -> tuple[str, ...]:
    """Commit `sections` back to `backup_text` (unconfirmed commits included); the lines still off."""
    sections = tuple(sections)
    lines = junos.restore_lines(_read(session), backup_text, target.driver, sections)
    with suppress(_rpc_error()):
        _commit(session, target, lines, confirmed=False)
    return junos.restore_lines(_read(session), backup_text, target.driver, sections)


def _checked(lab: Lab, context: _Context, session: Manager, running: str) -> SwitchChange:
    """The change, refusing a cadaster port that the switch does not have (its interface list)."""
    change = context.change(running)
    ports = physical_ports(session)
    driver = context.target.driver
    if ports is not None:  # a port the switch lacks is one elenta would configure (touch)
        listed = [driver.port_of_section(s) for s in change.sections if driver.is_physical_port(s)]
        unknown = tuple(sorted(p for p in listed if p is not None and p not in ports))
        change = replace(change, unknown_ports=unknown)
    return refuse_unknown_ports(lab, context.planned, change)


def plan_switch(lab: Lab, context: _Context) -> SwitchResult:
    """The change an apply would push, read from the switch (`net plan --live`), touching nothing."""
    with open_netconf(context.target) as session:
        running = _read(session)
        change = _checked(lab, context, session, running)
    return SwitchResult(context.target.name, change, pushed=False)


def apply_switch(lab: Lab, context: _Context) -> SwitchResult:
    """Back up, commit confirmed, read back, confirm; a refusal or a mismatch leaves the switch as it was."""
    target, name = context.target, context.target.name
    with open_netconf(target) as session, _candidate(session, target):
        running = _read(session)
        change = _checked(lab, context, session, running)
        if change.empty:
            return SwitchResult(name, change, pushed=False)
        backup, last = record_apply(lab, context, running, change)
        try:
            after = _commit_confirm(session, context, running, change, backup)
        except session_errors() as exc:  # the session broke once the change was sent
            raise SwitchPushError(
                name, None, f"{type(exc).__name__}: {exc}", None, backup, _pending(target, None)
            ) from None
    record_applied(lab, context, junos.vlans_of(running), last, after)
    return SwitchResult(name, change, pushed=True, backup=backup)


def _commit_confirm(
    session: Manager, context: _Context, running: str, change: SwitchChange, backup: Backup
) -> str:
    """Commit confirmed, read back, confirm; restore the touched sections on a mismatch."""
    target, name = context.target, context.target.name
    try:
        _commit(session, target, change.remediation, confirmed=True)
    except _rpc_error() as exc:
        raise SwitchRefusedError(name, _reply(exc), backup) from None
    after = _read(session)
    left = context.change(after)
    if not left.empty:
        remaining = _restore(session, target, running, change.sections)
        raise SwitchConfirmError(
            f"switch {name}: after the commit {len(left.remediation)} line(s) still differ, first "
            f"{left.remediation[0]!r}; not confirmed; "
            + _state(remaining, backup, "" if not remaining else _pending(target, None))
        )
    _confirm(session, target)
    return after


def rollback_switch(lab: Lab, context: _Context, to: str | Path | None, dry_run: bool) -> SwitchResult:
    """Restore the owned sections the last apply touched (or those of a backup), commit confirmed."""
    target, name, driver = context.target, context.target.name, context.target.driver
    chosen = rollback_source(lab, context, to)
    if chosen is None:
        return SwitchResult(name, SwitchChange((), ()), pushed=False, baseline="no apply to undo")
    source, backup_text, sections = chosen
    owned = context.planned.ownership
    with open_netconf(target) as session, _candidate(session, target):
        running = _read(session)
        lines = junos.restore_lines(running, backup_text, driver, sections)
        back_lines = junos.restore_lines(backup_text, running, driver, sections)
        change = SwitchChange(lines, back_lines, (), frozenset(sections))
        if change.empty or dry_run:
            return SwitchResult(name, change, pushed=False, backup=source)
        save_backup(lab.state_dir, name, running, "before-rollback")
        try:
            _commit(session, target, lines, confirmed=True)
        except _rpc_error() as exc:
            raise SwitchRefusedError(name, _reply(exc), source) from None
        except session_errors() as exc:
            raise SwitchPushError(
                name, None, f"{type(exc).__name__}: {exc}", None, source, _pending(target, None)
            ) from None
        after = _read(session)
        remaining = junos.restore_lines(after, backup_text, driver, sections)
        if remaining:
            back = _restore(session, target, running, sections)
            raise SwitchConfirmError(
                f"switch {name}: rollback INCOMPLETE, {_remaining_text(remaining)}; "
                + (
                    "the switch was put back as it was before the rollback"
                    if not back
                    else f"and putting it back failed too ({_remaining_text(back)})"
                )
            )
        _confirm(session, target)
    after_rollback(lab, name, owned, to, after)
    return SwitchResult(name, change, pushed=True, backup=source)


def read_tables(target: SwitchTarget) -> tuple[list[tuple[int, str, str]], list[tuple[str, str, str]]]:
    """The learned MACs `(vlan, mac, port)` and LLDP neighbours `(port, device, port id)` of a switch."""
    with open_netconf(target) as session:
        return mac_rows(session), lldp_rows(session)
