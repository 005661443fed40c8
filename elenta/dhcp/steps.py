"""The dhcp subsystem's step in the deploy pipeline: the servers' own parsers before any host."""

from __future__ import annotations

from elenta.subsystem import DeployRun


def check(run: DeployRun) -> None:
    """`kea-dhcp4 -t` / `dnsmasq --test` on the deployer for every DHCP server of the lab."""
    if run.action != "rollback" and run.selected("dhcp"):
        from elenta.dhcp.apply import check as check_servers

        check_servers(run.lab)
