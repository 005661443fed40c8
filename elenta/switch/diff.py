"""Remediation and rollback between a switch's running configuration and its desired one.

hier-config computes both (`WorkflowRemediation`); this module decides the *scope* elenta owns
on a switch, so that nothing outside it is ever compared, pushed or rolled back:

* the VLANs of the cadaster's networks, and those elenta created (a created VLAN the cadaster no
  longer has is removed; any other VLAN on the switch is left alone);
* the ports the cadaster lists, the ranges it declares (`owned_ports`) and the ports elenta
  configured before (an owned port the cadaster no longer lists is reset to the default, or shut
  down with `shutdown_unused`), and the port-channels of its bonds;
* inside a port or a VLAN, only the kinds of lines the cadaster can say
  (`SwitchDriver.managed_port_lines`, `managed_vlan_lines`): storm control, `nonegotiate`,
  speed… set by hand stay as they are.

`plan_change(running_text, desired_text, driver, scope)` gives the lines to push and to roll
back; `restore_lines(current, backup, driver, sections)` brings only `sections` back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hier_config import HConfig, WorkflowRemediation, get_hconfig

from elenta.switch.drivers import SwitchDriver


@dataclass(frozen=True)
class Scope:
    """What elenta owns on one switch: VLAN ids and port names (canonical)."""

    vlans: frozenset[int] = frozenset()
    ports: frozenset[str] = frozenset()

    def sections(self, driver: SwitchDriver) -> set[str]:
        """Top-level section texts of the scope: `{"vlan 10", "interface FastEthernet0/1"}`."""
        return {driver.vlan_section.format(id=v) for v in self.vlans} | {
            driver.port_section.format(name=p) for p in self.ports
        }


@dataclass(frozen=True)
class SwitchChange:
    """What to push (`remediation`) and what would undo it (`rollback`), as configuration lines."""

    remediation: tuple[str, ...]
    rollback: tuple[str, ...]
    unknown_ports: tuple[str, ...] = ()
    sections: frozenset[str] = field(default_factory=frozenset)  # top-level sections touched

    @property
    def empty(self) -> bool:
        """Nothing to change: `plan_change(text, text, CISCO_IOS).empty`."""
        return not self.remediation


def lines_of(config: HConfig) -> tuple[str, ...]:
    """Indented configuration lines of a hier-config tree, in push order."""
    return tuple(child.cisco_style_text() for child in config.all_children_sorted())


def touched_sections(lines: Iterable[str]) -> frozenset[str]:
    """The top-level sections a list of lines changes: `"no vlan 40"` touches `"vlan 40"`."""
    out = set()
    for line in lines:
        if line and not line[0].isspace():
            out.add(line[3:] if line.startswith("no ") else line)
    return frozenset(out)


def _scoped(tree: HConfig, sections: set[str], driver: SwitchDriver, desired: HConfig | None) -> HConfig:
    """The part of `tree` in `sections`; inside ports, only the lines elenta manages."""
    out = HConfig(tree.driver)
    for child in tree.children:
        if child.text not in sections:
            continue
        if driver.is_port_section(child.text):
            kinds = driver.managed_port_lines
        elif driver.vlan_of_section(child.text) is not None:
            kinds = driver.managed_vlan_lines
        else:
            out.add_deep_copy_of(child)
            continue
        wanted: set[str] = set()
        if desired is not None and (mine := desired.get_child(equals=child.text)) is not None:
            wanted = {c.text for c in mine.children}
        section = out.add_child(child.text)
        for line in child.children:
            if line.text in wanted or line.text.startswith(kinds):
                section.add_deep_copy_of(line)
    return out


def default_scope(desired_text: str, driver: SwitchDriver) -> Scope:
    """The scope a desired configuration alone implies: its VLANs and its ports."""
    tree = get_hconfig(driver.hier_driver(), desired_text)
    vlans, ports = set(), set()
    for child in tree.children:
        if (vlan := driver.vlan_of_section(child.text)) is not None:
            vlans.add(vlan)
        elif (port := driver.port_of_section(child.text)) is not None:
            ports.add(port)
    return Scope(frozenset(vlans), frozenset(ports))


def plan_change(
    running_text: str,
    desired_text: str,
    driver: SwitchDriver,
    scope: Scope | None = None,
    shutdown_unused: bool = False,
) -> SwitchChange:
    """Lines that take the owned part of `running_text` to `desired_text`, and back.

    `plan_change(show_run_output, render_switch(state), driver_for("cisco_ios"), scope).remediation`;
    an owned port that the desired text does not configure is reset (or shut down).
    """
    if driver.netconf:  # Junos: `set` lines, compared by `elenta.switch.junos`
        from elenta.switch import junos

        return junos.plan_change(running_text, desired_text, driver, scope, shutdown_unused)
    scope = scope or default_scope(desired_text, driver)
    running = get_hconfig(driver.hier_driver(), running_text)
    desired = get_hconfig(driver.hier_driver(), desired_text)
    sections = scope.sections(driver) | {child.text for child in desired.children}
    owned_ports = {driver.port_section.format(name=port) for port in scope.ports}
    if not driver.lists_default_ports:  # a port at its defaults is not shown, yet it is there
        for child in tuple(desired.children):
            if driver.is_port_section(child.text):
                running.add_child(child.text, return_if_present=True)
        for text in sorted(owned_ports):
            running.add_child(text, return_if_present=True)
    for child in running.children:  # in the switch's order
        text = child.text
        if text in owned_ports and desired.get_child(equals=text) is None:
            section = desired.add_child(text)
            if shutdown_unused and driver.is_physical_port(text):
                section.add_child("shutdown")
    unknown = tuple(
        driver.port_of_section(child.text) or child.text
        for child in desired.children
        if driver.is_physical_port(child.text)
        and driver.lists_default_ports
        and running.get_child(equals=child.text) is None
    )
    workflow = WorkflowRemediation(_scoped(running, sections, driver, desired), desired)
    remediation = lines_of(workflow.remediation_config)
    return SwitchChange(
        remediation, lines_of(workflow.rollback_config), unknown, touched_sections(remediation)
    )


def restore_lines(
    current_text: str, backup_text: str, driver: SwitchDriver, sections: Iterable[str]
) -> tuple[str, ...]:
    """Lines that bring `sections` of `current_text` back to what `backup_text` has there.

    `restore_lines(now, before, CISCO_IOS, change.sections)`: a VLAN or SVI added by hand
    outside `sections` is never touched.
    """
    if driver.netconf:
        from elenta.switch import junos

        return junos.restore_lines(current_text, backup_text, driver, sections)
    wanted = set(sections)
    current = get_hconfig(driver.hier_driver(), current_text)
    backup = get_hconfig(driver.hier_driver(), backup_text)
    target = _scoped(backup, wanted, driver, None)
    if not driver.lists_default_ports:  # a port missing from the backup was at its defaults
        for child in current.children:
            if child.text in wanted and driver.is_port_section(child.text):
                target.add_child(child.text, return_if_present=True)
    return lines_of(WorkflowRemediation(_scoped(current, wanted, driver, target), target).remediation_config)
