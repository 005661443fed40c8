"""`elenta net plan|apply|backup|rollback [--switch NAME]`: the lab's managed switches."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.tasks._common import open_lab, reports_errors

if TYPE_CHECKING:
    from elenta.operations.switch import SwitchResult
    from elenta.switch.diff import SwitchChange

# netmiko is imported inside the task: `elenta --help` stays quick.

ACTIONS = ("plan", "apply", "backup", "rollback", "ports")


def _indent(lines: tuple[str, ...]) -> str:
    return "\n".join(f"    {line}" for line in lines)


@task(
    positional=["action"],
    iterable=["switch"],
    help={
        "action": "plan (show the change), apply (push it), backup (save running configs), rollback, "
        "ports (the port map: switch, port, VLAN, machine:interface)",
        "switch": "only this switch (repeatable; default: every switch of the cadaster)",
        "serial": "one switch after the other instead of in parallel",
        "to": "rollback: the backup file to restore (default: the one taken before the last apply)",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def net(
    c: Context,
    action: str,
    switch: list[str] | None = None,
    serial: bool = False,
    to: str = "",
    lab: str = "",
) -> None:
    """Switch VLANs and ports from the cadaster: plan, apply, backup or rollback (exit != 0 on failure)."""
    if action not in ACTIONS:
        raise Exit(f"error: unknown action {action!r} (use one of: {', '.join(ACTIONS)})", code=2)
    if action == "ports":
        from elenta.report import table
        from elenta.topology.ports import port_map

        rows = [r for r in port_map(open_lab(lab or None)) if not switch or r.switch in switch]
        print(
            table(
                ["switch", "port", "VLAN", "machine:interface"],
                [(r.switch, r.port, r.vlan, r.plugged) for r in rows],
            )
        )
        return
    from elenta.operations.switch import (
        apply_switches,
        backup_switch,
        each_switch,
        plan_switch,
        rollback_switch,
    )

    loaded = open_lab(lab or None)
    names = switch or None
    parallel = not serial
    if action == "plan":
        changes: list[tuple[str, SwitchChange]] = each_switch(
            loaded, names, lambda lb, n: (n, plan_switch(lb, n)), parallel
        )
        for name, change in changes:
            if change.empty:
                print(f"{name}: no change")
                continue
            print(f"{name}: {len(change.remediation)} line(s) to push:\n{_indent(change.remediation)}")
            print(f"  rollback:\n{_indent(change.rollback)}")
    elif action == "apply":
        for result in apply_switches(loaded, names, parallel):
            _report(result, "pushed")
    elif action == "backup":
        for path in each_switch(loaded, names, backup_switch, parallel):
            print(f"saved {path}")
    else:
        target = Path(to) if to else None
        for result in each_switch(loaded, names, lambda lb, n: rollback_switch(lb, n, target), parallel):
            _report(result, "restored")


def _report(result: SwitchResult, verb: str) -> None:
    if not result.pushed:
        print(f"{result.name}: no change")
        return
    print(
        f"{result.name}: {verb} {len(result.change.remediation)} line(s), saved, confirmed "
        f"(backup: {result.backup})\n{_indent(result.change.remediation)}"
    )
