"""Find NixOS host configurations that open ports on an alias interface name, by evaluating them.

`configuration_warnings(lab)` evaluates `networking.firewall.interfaces` of every machine's host
configuration (`.#dns` -> `nixosConfigurations.dns.config`, offline) and returns one Fault per
alias it names with ports: packets for an alias address arrive on the physical interface, so
those rules never match.
"""

from __future__ import annotations

from typing import Any

from elenta.firewall.render import config_alias_warnings
from elenta.model.errors import Fault
from elenta.model.lab import Lab
from elenta.nix import flake_snapshot, flake_uri, nix_eval_json

APPLY = "c: (c.networking.firewall or {}).interfaces or {}"


def evaluated_interfaces(lab: Lab, config_ref: str) -> dict[str, Any]:
    """`networking.firewall.interfaces` of a host configuration: `evaluated_interfaces(lab, ".#dns")`.

    Raises NixError when the configuration does not evaluate.
    """
    with flake_snapshot(lab.flake_dir) as source:
        base, attr = flake_uri(config_ref, source).split("#", 1)
        target = f"{base}#nixosConfigurations.{attr}.config"
        return nix_eval_json(
            [target, "--apply", APPLY],
            what=f"evaluating the firewall of {config_ref}",
            config=lab.settings.nix.config,
        )


def configuration_warnings(lab: Lab, machines: list[str] | None = None) -> list[Fault]:
    """Warnings for host configurations opening ports on an alias: `configuration_warnings(lab)`.

    Each names the flake file and the option path, e.g. `flake.nix:
    nixosConfigurations.dns.config.networking.firewall.interfaces.enp2s0_dns: opens ports on alias …`.
    """
    out: list[Fault] = []
    evaluated: dict[str, dict[str, Any]] = {}
    for machine in machines or list(lab.cadaster.machines):
        ref = lab.host_config(machine)
        if ref is None or "#" not in ref:
            continue
        if ref not in evaluated:
            evaluated[ref] = evaluated_interfaces(lab, ref)
        config = {"networking": {"firewall": {"interfaces": evaluated[ref]}}}
        base, attr = ref.split("#", 1)
        file = str(lab.flake_dir / "flake.nix") if base in ("", ".") else base
        out.extend(config_alias_warnings(lab, machine, config, file, ("nixosConfigurations", attr, "config")))
    return out
