"""The dhcp subsystem: Kea or dnsmasq configurations for the machines whose roles serve DHCP."""

from elenta.subsystem import Subsystem


class Dhcp(Subsystem):
    """DHCP reservations, ranges and options from the cadaster (`dhcp = {server, networks}` on a role)."""

    name = "dhcp"
    order = 35  # after DNS (the DNS servers it hands out), before NFS and netboot
    deploy = "elenta.deploys.dhcp"
    tasks = "elenta.tasks.dhcp"
    render = "elenta.dhcp.artifacts:dhcp_artifacts"
    role_flag = "dhcp"
    steps = "elenta.dhcp.steps"  # check: the servers' own parsers before any host is touched
    provides = {"dhcp_lease_files": "elenta.dhcp.render:lease_files"}  # what `elenta doctor` reads


subsystem = Dhcp()
