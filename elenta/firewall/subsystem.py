"""The firewall subsystem: per-host openings on physical interfaces, for the NixOS configuration."""

from elenta.subsystem import Subsystem


class Firewall(Subsystem):
    """`networking.firewall` data per host, from the ports each role declares (`elenta firewall`)."""

    name = "firewall"
    order = 60
    tasks = "elenta.tasks.firewall"
    render = "elenta.firewall.render:firewall_artifacts"
    nixos_part = "elenta.firewall.nixos:firewall_options"  # `networking.firewall` of every NixOS machine


subsystem = Firewall()
