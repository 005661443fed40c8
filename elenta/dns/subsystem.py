"""The dns subsystem: Zones and knot.conf for the machines whose roles ask for DNS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem, role_asks

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.model.lab import Lab


class Dns(Subsystem):
    """Zones and knot.conf for the machines whose roles ask for DNS (`dns = true` on a role)."""

    name = "dns"
    order = 30
    deploy = "elenta.deploys.dns"
    tasks = "elenta.tasks.dns"

    def wants(self, lab: Lab, machine: str) -> bool:
        return role_asks(lab, machine, "dns")

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.dns.render import dns_artifacts

        return dns_artifacts(lab)


subsystem = Dns()
