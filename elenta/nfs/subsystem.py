"""The nfs subsystem: NFS exports for the machines whose roles declare them."""

from elenta.subsystem import Subsystem


class Nfs(Subsystem):
    """NFS exports for the machines whose roles declare them (`nfs = true` on a role)."""

    name = "nfs"
    order = 40
    deploy = "elenta.deploys.nfs"
    tasks = "elenta.tasks.nfs"
    render = "elenta.nfs.render:nfs_artifacts"
    role_flag = "nfs"
    nixos_part = "elenta.nfs.nixos:nfs_server_options"  # the NFS server, on the NFS machines


subsystem = Nfs()
