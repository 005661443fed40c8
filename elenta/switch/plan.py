"""A switch's change computed from the lab alone: desired text, owned scope, and the offline plan.

Nothing here connects or needs the switch's password (netmiko is not imported):

    planned = planned_switch(lab, "sw1")
    planned.change(running_text)                 # remediation and rollback inside the scope
    offline_plan(lab, "sw1")                     # `elenta net plan`: against the last backup
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from elenta.model.cadaster import Switch
from elenta.model.errors import ModelError
from elenta.model.lab import Lab
from elenta.switch.backups import Backup, backups
from elenta.switch.diff import Scope, SwitchChange, plan_change
from elenta.switch.drivers import SwitchDriver, driver_for
from elenta.switch.ownership import Ownership, load_ownership, owned_scope
from elenta.switch.render import SwitchState, desired_switch, render_switch


@dataclass(frozen=True)
class SwitchResult:
    """What happened on one switch: the change computed, whether it was pushed, the backup kept."""

    name: str
    change: SwitchChange
    pushed: bool
    backup: Backup | None = None
    baseline: str = "the running configuration"  # what the change was computed against
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class PlannedSwitch:
    """One switch's desired state, rendered text, record of ownership and driver."""

    name: str
    switch: Switch
    driver: SwitchDriver
    state: SwitchState
    text: str
    ownership: Ownership

    def scope(self) -> Scope:
        """What elenta owns on this switch now (cadaster, declared ranges, its record)."""
        return owned_scope(self.state, self.switch, self.ownership, self.driver)

    def change(self, running: str) -> SwitchChange:
        """The change from `running` to the desired configuration, inside the scope."""
        return plan_change(running, self.text, self.driver, self.scope(), self.switch.shutdown_unused)


def switch_table(lab: Lab, name: str) -> tuple[Switch, SwitchDriver]:
    """The cadaster's `[switch]` table of `name` and its platform's driver, or a ModelError."""
    key = ("machines", name, "switch")
    machine = lab.cadaster.machines.get(name)
    if machine is None or machine.switch is None:
        raise ModelError.one(lab.cadaster_file, key, f"{name!r} is not a managed switch in the cadaster")
    try:
        return machine.switch, driver_for(machine.switch.platform)
    except KeyError as exc:
        raise ModelError.one(lab.cadaster_file, (*key, "platform"), exc.args[0]) from None


def planned_switch(lab: Lab, name: str) -> PlannedSwitch:
    """Everything about switch `name` that the lab alone says: `planned_switch(lab, "sw1")`."""
    switch, driver = switch_table(lab, name)
    state = desired_switch(lab.cadaster, name, lab.cadaster_file)
    return PlannedSwitch(
        name, switch, driver, state, render_switch(state), load_ownership(lab.state_dir, name)
    )


def checked_change(lab: Lab, planned: PlannedSwitch, running: str) -> SwitchChange:
    """The change, or a cadaster error naming a listed port the switch does not have."""
    return refuse_unknown_ports(lab, planned, planned.change(running))


def refuse_unknown_ports(lab: Lab, planned: PlannedSwitch, change: SwitchChange) -> SwitchChange:
    """`change` itself, or a cadaster error naming the first of its `unknown_ports`."""
    if change.unknown_ports:
        listed = {planned.driver.canonical(p): p for p in planned.switch.ports}
        first = change.unknown_ports[0]
        raise ModelError.one(
            lab.cadaster_file,
            ("machines", planned.name, "switch", "ports", listed.get(first, first)),
            f"switch {planned.name} has no such port (unknown: {', '.join(change.unknown_ports)})",
        )
    return change


def offline_plan(lab: Lab, name: str) -> SwitchResult:
    """The change an apply would push, from the last backup: no connection, no password.

    Every apply and rollback keeps a backup of the configuration it left, so the last backup is
    the switch as elenta last saw it; a change made by hand since then shows only with `--live`.
    """
    planned = planned_switch(lab, name)
    kept = backups(lab.state_dir, name)
    if not kept:
        change = replace(planned.change(""), unknown_ports=())
        return SwitchResult(
            name, change, False, baseline="nothing: no backup yet (`elenta net backup`, or `net plan --live`)"
        )
    last = kept[-1]
    return SwitchResult(
        name,
        checked_change(lab, planned, last.read_text()),
        False,
        last,
        baseline=f"the last backup, {last}, taken {last.reason}",
    )
