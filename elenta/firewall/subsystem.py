"""The firewall subsystem: per-host openings on physical interfaces, for the NixOS configuration."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.model.lab import Lab


class Firewall(Subsystem):
    """`networking.firewall` data per host, from the ports each role declares (`elenta firewall`)."""

    name = "firewall"
    order = 60
    tasks = "elenta.tasks.firewall"

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.firewall.render import firewall_artifacts

        return firewall_artifacts(lab)


subsystem = Firewall()
