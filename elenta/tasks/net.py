"""`elenta net plan|apply|backup|rollback|history|verify [--switch NAME]`: the lab's managed switches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.command.flags import DRY_RUN_HELP
from elenta.command.spec import command
from elenta.exitcodes import BAD_INPUT
from elenta.tasks._common import checked_lab, open_lab, reports_errors

if TYPE_CHECKING:
    from elenta.operations.switch import SwitchResult

# netmiko is imported inside the task: `elenta --help` stays quick.

ACTIONS = ("plan", "apply", "backup", "rollback", "history", "verify", "ports")


def _indent(lines: tuple[str, ...]) -> str:
    return "\n".join(f"    {line}" for line in lines)


@task(
    positional=["action"],
    iterable=["switch"],
    help={
        "action": "plan (offline: against the last backup), apply, backup, rollback, history "
        "(backups and their diffs), verify (MAC table and LLDP neighbours against the cadaster) or "
        "ports (the port map: switch, port, VLAN, machine:interface)",
        "switch": "only this switch (repeatable; default: every switch of the cadaster)",
        "serial": "one switch after the other instead of in parallel",
        "live": "plan: read the running configuration from the switch instead of the last backup",
        "to": "rollback: a backup commit (see `net history`) or file; default: undo the last apply",
        "dry-run": DRY_RUN_HELP + " (apply: the live plan; rollback: the lines it would send)",
        "lab": "the lab folder",
    },
)
@reports_errors
@command(
    choices={"action": ACTIONS},
    examples=[
        "elenta net plan",
        "elenta net plan --live --switch sw1",
        "elenta net apply --dry-run",
        "elenta net rollback --dry-run",
        "elenta net verify",
    ],
)
def net(
    c: Context,
    action: str,
    switch: list[str] | None = None,
    serial: bool = False,
    live: bool = False,
    to: str = "",
    dry_run: bool = False,
    lab: str = "",
) -> None:
    """Switch VLANs and ports from the cadaster: plan, apply, backup, rollback, history, verify."""
    if action not in ACTIONS:
        raise Exit(f"error: unknown action {action!r} (use one of: {', '.join(ACTIONS)})", code=BAD_INPUT)
    if action == "ports":
        from elenta.report import table
        from elenta.switch.ports import port_map

        rows = [r for r in port_map(open_lab(lab or None)) if not switch or r.switch in switch]
        print(
            table(
                ["switch", "port", "VLAN", "machine:interface"],
                [(r.switch, r.port, r.vlan, r.plugged) for r in rows],
            )
        )
        return
    loaded = checked_lab(lab or None) if action == "apply" else open_lab(lab or None)
    names = switch or None
    parallel = not serial
    if action == "plan" and not live:
        _plan_offline(loaded, names)
        return
    if action == "history":
        _history(loaded, names)
        return
    from elenta.operations.switch import (
        apply_switch,
        backup_switch,
        plan_switch,
        rollback_switch,
        verify_switch,
    )

    if action == "plan" or (action == "apply" and dry_run):
        _each(loaded, names, lambda lb, n: plan_switch(lb, n, live=True), parallel, _show_plan)
        if dry_run:
            print("dry run: nothing was pushed")
    elif action == "apply":
        _each(loaded, names, apply_switch, parallel, lambda r: _report(r, "pushed"))
    elif action == "backup":
        _each(loaded, names, backup_switch, parallel, lambda b: print(f"{b.switch}: saved {b}"))
    elif action == "rollback":
        target = to or None

        def one(lb, n):  # type: ignore[no-untyped-def]
            return rollback_switch(lb, n, target, dry_run=dry_run)

        _each(loaded, names, one, parallel, _show_rollback if dry_run else lambda r: _report(r, "restored"))
    else:
        reports = []

        def verified(lb, n):  # type: ignore[no-untyped-def]
            report = verify_switch(lb, n)
            reports.append(report)
            return report

        _each(loaded, names, verified, parallel, _show_verify)
        if not all(r.ok for r in reports):
            from elenta.switch.verify import VerifyError

            bad = ", ".join(r.name for r in reports if not r.ok)
            raise VerifyError(f"switch(es) {bad}: machines are not plugged where the cadaster says")


def _each(lab, names, action, parallel, show) -> None:  # type: ignore[no-untyped-def]
    """Run on each switch; print every switch that succeeded, even when another failed."""
    from elenta.model.errors import ElentaError
    from elenta.operations.switch import each_switch

    try:
        results = each_switch(lab, names, action, parallel)
    except ElentaError as exc:
        for result in getattr(exc, "completed", []):
            show(result)
        raise
    for result in results:
        show(result)


def _plan_offline(lab, names) -> None:  # type: ignore[no-untyped-def]
    """`net plan` without touching the network or needing a password."""
    from elenta.switch.plan import offline_plan
    from elenta.switch.render import switches

    for name in names or switches(lab.cadaster):
        _show_plan(offline_plan(lab, name))


def _history(lab, names) -> None:  # type: ignore[no-untyped-def]
    from elenta.switch.backups import history
    from elenta.switch.render import switches

    for name in names or switches(lab.cadaster):
        text = history(lab.state_dir, name)
        print(f"{name}:\n{text}" if text else f"{name}: no backup yet")


def _show_plan(result: SwitchResult) -> None:
    change = result.change
    against = f" (against {result.baseline})"
    if change.empty:
        print(f"{result.name}: no change{against}")
        return
    print(
        f"{result.name}: {len(change.remediation)} line(s) to push{against}:\n{_indent(change.remediation)}"
    )
    print(f"  rollback:\n{_indent(change.rollback)}")


def _show_rollback(result: SwitchResult) -> None:
    if result.change.empty:
        print(f"{result.name}: nothing to roll back")
        return
    print(
        f"{result.name}: would send {len(result.change.remediation)} line(s) (dry run, nothing sent):\n"
        f"{_indent(result.change.remediation)}"
    )


def _show_verify(report) -> None:  # type: ignore[no-untyped-def]
    print(report.text())


def _report(result: SwitchResult, verb: str) -> None:
    if not result.pushed:
        print(f"{result.name}: no change")
        return
    print(
        f"{result.name}: {verb} {len(result.change.remediation)} line(s), confirmed, saved "
        f"(backup: {result.backup})\n{_indent(result.change.remediation)}"
    )
