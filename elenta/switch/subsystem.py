"""The switch subsystem: managed switches configured from the cadaster, through netmiko."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.model.errors import Fault
from elenta.subsystem import DeployRun, Subsystem

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.model.lab import Lab


class Switch(Subsystem):
    """Each managed switch's configuration (`elenta net ...`); pushed after the hosts in a full deploy."""

    name = "switch"
    order = 90
    tasks = "elenta.tasks.net"

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.switch.render import switch_artifacts

        return switch_artifacts(lab)

    def check(self, lab: Lab) -> list[Fault]:
        from elenta.switch.check import switch_faults

        return switch_faults(lab)

    def deploy_check(self, run: DeployRun) -> None:
        from elenta.switch.deploy_step import check_step

        check_step(run)

    def deploy_finish(self, run: DeployRun) -> None:
        from elenta.switch.deploy_step import finish_step

        finish_step(run)


subsystem = Switch()
