"""The registration of the motd test subsystem: `ELENTA_PLUGINS=tests.plugins.motd.subsystem`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.model.errors import Fault
    from elenta.model.lab import Lab


class Motd(Subsystem):
    """A message of the day on every NixOS machine."""

    name = "motd"
    order = 70
    deploy = "tests.plugins.motd.deploy"
    tasks = "tests.plugins.motd.tasks"
    nixos_part = "tests.plugins.motd.render:motd_options"  # `users.motd` where the data sets one

    def wants(self, lab: Lab, machine: str) -> bool:
        return bool(lab.host_config(machine))

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from tests.plugins.motd.render import motd_artifacts

        return motd_artifacts(lab)

    def check(self, lab: Lab) -> list[Fault]:
        from tests.plugins.motd.render import motd_faults

        return motd_faults(lab)


subsystem = Motd()
