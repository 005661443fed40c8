"""The hostdata subsystem: the compiled lab as JSON on every host, and the Nix function reading it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from elenta.subsystem import Subsystem

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.compile.drift import Drift
    from elenta.compile.plan import Plan
    from elenta.model.lab import Lab


class Hostdata(Subsystem):
    """`discovery.json` for the lab, `host.json` per machine (deployed to every SSH host)."""

    name = "hostdata"
    order = 20
    deploy = "elenta.deploys.hostdata"

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.hostdata.render import hostdata_artifacts

        return hostdata_artifacts(lab)

    def drift_probe(self) -> dict[str, str]:
        from elenta.hostdata.drift import PROBE

        return PROBE

    def drift_read(self, sections: dict[str, list[str]]) -> dict[str, Any]:
        from elenta.hostdata.drift import read_sections

        return read_sections(sections)

    def drift(self, plan: Plan, machine: str, facts: dict[str, Any], revision: str | None) -> list[Drift]:
        from elenta.hostdata.drift import hostdata_drift

        return hostdata_drift(plan, machine, facts)


subsystem = Hostdata()
