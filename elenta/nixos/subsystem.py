"""The nixos subsystem: each machine's NixOS system built on the deployer, copied, activated, confirmed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem

if TYPE_CHECKING:
    from elenta.model.lab import Lab


class Nixos(Subsystem):
    """Machines with a system to build: `elenta deploy|switch|boot|rollback|status`."""

    name = "nixos"
    order = 10
    by_default = True
    deploy = "elenta.deploys.nixos"
    tasks = "elenta.tasks.nixos"
    render = "elenta.nixos.render:nixos_artifacts"
    drift_module = "elenta.nixos.drift"
    steps = "elenta.nixos.deploy_step"
    provides = {"nixos_flake_source": "elenta.nixos.build:lab_flake_source"}  # `elenta firewall check`

    def wants(self, lab: Lab, machine: str) -> bool:
        """Every machine with a system (not only those whose roles name NixOS)."""
        return lab.has_system(machine)


subsystem = Nixos()
