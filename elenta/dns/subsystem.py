"""The dns subsystem: Zones and knot.conf for the machines whose roles ask for DNS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.model.errors import Fault, ModelError
from elenta.subsystem import DeployRun, Subsystem, role_asks

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

    def check(self, lab: Lab) -> list[Fault]:
        """The rendered zones, then each zone through `named-checkzone` (where it is installed)."""
        from elenta.dns.check import zone_faults

        return super().check(lab) or zone_faults(lab)

    def deploy_check(self, run: DeployRun) -> None:
        """A deploy validates its zones before any host is touched: it needs `named-checkzone`."""
        import shutil

        if shutil.which("named-checkzone") is None and any(
            self.wants(run.lab, m) for m in run.machines.values()
        ):
            raise ModelError.one(
                "(this machine)", "named-checkzone", "not installed (apt-get install bind9-utils)"
            )


subsystem = Dns()
