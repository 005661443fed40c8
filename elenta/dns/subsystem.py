"""The dns subsystem: Zones and knot.conf for the machines whose roles ask for DNS."""

from elenta.subsystem import Subsystem


class Dns(Subsystem):
    """Zones and knot.conf for the machines whose roles ask for DNS (`dns = true` on a role)."""

    name = "dns"
    order = 30
    deploy = "elenta.deploys.dns"
    tasks = "elenta.tasks.dns"
    render = "elenta.dns.render:dns_artifacts"
    role_flag = "dns"


subsystem = Dns()
