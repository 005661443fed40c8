"""The firewall subsystem's part of a NixOS machine's module: `networking.firewall`, enabled.

`firewall_options(lab, "toto")` -> `[Contribution(<the cadaster's machine>, {"networking":
{"firewall": {"enable": True, "interfaces": {…}}}})]`: per physical interface, alias ports folded
in (the same data as `elenta firewall plan`).
"""

from __future__ import annotations

from elenta.compile.machines import machine_sources
from elenta.compile.merge import Contribution, Source
from elenta.firewall.render import firewall_plan, nixos_firewall
from elenta.model.lab import Lab


def firewall_options(lab: Lab, machine: str) -> list[Contribution]:
    """Every NixOS machine's firewall, from the ports its roles declare."""
    options = nixos_firewall(firewall_plan(lab, machine))
    options["networking"]["firewall"]["enable"] = True
    where, _ = machine_sources(lab, machine)
    return [
        Contribution(Source(where.file, (*where.key, "firewall"), "firewall from the roles' ports"), options)
    ]
