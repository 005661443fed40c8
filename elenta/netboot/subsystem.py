"""The netboot subsystem: iPXE scripts and netboot images, placed on the hosts serving a store."""

from elenta.subsystem import Subsystem


class Netboot(Subsystem):
    """iPXE scripts and netboot images, placed on the hosts serving a store (`netboot = true` on a role)."""

    name = "netboot"
    order = 50
    deploy = "elenta.deploys.netboot"
    tasks = "elenta.tasks.netboot"
    render = "elenta.netboot.render:netboot_artifacts"
    role_flag = "netboot"


subsystem = Netboot()
