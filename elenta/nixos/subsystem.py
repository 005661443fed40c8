"""The nixos subsystem: each machine's NixOS system built on the deployer, copied, activated, confirmed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from elenta.subsystem import DeployRun, Subsystem

if TYPE_CHECKING:
    from collections.abc import Iterable

    from elenta.compile.artifacts import Artifact
    from elenta.compile.drift import Drift
    from elenta.compile.plan import Plan
    from elenta.model.lab import Lab


class Nixos(Subsystem):
    """Machines with a host configuration: `elenta deploy|switch|boot|rollback|status`."""

    name = "nixos"
    order = 10
    deploy = "elenta.deploys.nixos"
    tasks = "elenta.tasks.nixos"

    def wants(self, lab: Lab, machine: str) -> bool:
        return lab.has_system(machine)

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.nixos.render import nixos_artifacts

        return nixos_artifacts(lab)

    def drift_probe(self) -> dict[str, str]:
        from elenta.nixos.drift import PROBE

        return PROBE

    def drift_read(self, sections: dict[str, list[str]]) -> dict[str, Any]:
        from elenta.nixos.drift import read_sections

        return read_sections(sections)

    def drift(self, plan: Plan, machine: str, facts: dict[str, Any], revision: str | None) -> list[Drift]:
        from elenta.nixos.drift import nixos_drift

        return nixos_drift(plan, machine, facts, revision)

    def deploy_prepare(self, run: DeployRun) -> None:
        from elenta.nixos.deploy_step import prepare

        prepare(run)


subsystem = Nixos()
