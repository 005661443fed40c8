"""Remediation and rollback between a switch's running configuration and its desired one.

hier-config computes both (`WorkflowRemediation`); this module only decides the *scope* elenta
owns on a switch, so that nothing outside it is ever touched:

* the VLANs of the cadaster's networks (other VLANs on the switch are left alone);
* every physical port: a port the cadaster lists gets its rendered section, a port it does not
  list is reset to the platform default (and shut down when the switch has `shutdown_unused`),
  so moving a machine to another port clears the old one.

`plan_change(running_text, desired_text, driver)` gives the lines to push and to roll back.
"""

from __future__ import annotations

from dataclasses import dataclass

from hier_config import HConfig, WorkflowRemediation, get_hconfig

from elenta.switch.drivers import SwitchDriver


@dataclass(frozen=True)
class SwitchChange:
    """What to push (`remediation`) and what would undo it (`rollback`), as configuration lines."""

    remediation: tuple[str, ...]
    rollback: tuple[str, ...]
    unknown_ports: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to change: `plan_change(text, text, CISCO_IOS).empty`."""
        return not self.remediation


def lines_of(config: HConfig) -> tuple[str, ...]:
    """Indented configuration lines of a hier-config tree, in push order."""
    return tuple(child.cisco_style_text() for child in config.all_children_sorted())


def scoped_desired(
    desired: HConfig, running: HConfig, driver: SwitchDriver, shutdown_unused: bool
) -> HConfig:
    """The desired tree completed with a default (or shut down) section per unlisted physical port."""
    out = HConfig(desired.driver)
    for child in desired.children:
        out.add_deep_copy_of(child)
    for child in running.children:
        if driver.is_physical_port(child.text) and desired.get_child(equals=child.text) is None:
            section = out.add_child(child.text)
            if shutdown_unused:
                section.add_child("shutdown")
    return out


def scoped_running(running: HConfig, desired: HConfig) -> HConfig:
    """The part of the running tree that elenta owns: the sections the desired tree has."""
    owned = {child.text for child in desired.children}
    out = HConfig(running.driver)
    for child in running.children:
        if child.text in owned:
            out.add_deep_copy_of(child)
    return out


def plan_change(
    running_text: str, desired_text: str, driver: SwitchDriver, shutdown_unused: bool = False
) -> SwitchChange:
    """Lines that take the switch from `running_text` to `desired_text`, and back.

    `plan_change(show_run_output, render_switch(state), driver_for("cisco_ios")).remediation`
    """
    running = get_hconfig(driver.hier_driver(), running_text)
    desired = scoped_desired(
        get_hconfig(driver.hier_driver(), desired_text), running, driver, shutdown_unused
    )
    unknown = tuple(
        child.text.split(" ", 1)[1]
        for child in desired.children
        if driver.is_physical_port(child.text) and running.get_child(equals=child.text) is None
    )
    workflow = WorkflowRemediation(scoped_running(running, desired), desired)
    return SwitchChange(lines_of(workflow.remediation_config), lines_of(workflow.rollback_config), unknown)


def restore_lines(current_text: str, backup_text: str, driver: SwitchDriver) -> tuple[str, ...]:
    """Lines that bring the whole configuration from `current_text` back to `backup_text`."""
    current = get_hconfig(driver.hier_driver(), current_text)
    backup = get_hconfig(driver.hier_driver(), backup_text)
    return lines_of(WorkflowRemediation(current, backup).remediation_config)
