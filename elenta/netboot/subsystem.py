"""The netboot subsystem: iPXE scripts and netboot images, placed on the hosts serving a store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem, role_asks

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.model.lab import Lab


class Netboot(Subsystem):
    """iPXE scripts and netboot images, placed on the hosts serving a store (`netboot = true` on a role)."""

    name = "netboot"
    order = 50
    deploy = "elenta.deploys.netboot"
    tasks = "elenta.tasks.netboot"

    def wants(self, lab: Lab, machine: str) -> bool:
        return role_asks(lab, machine, "netboot")

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.netboot.render import netboot_artifacts

        return netboot_artifacts(lab)


subsystem = Netboot()
