"""`elenta nfs plan|apply`: the NFS exports of the lab's NFS hosts."""

from __future__ import annotations

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.tasks._common import open_lab, reports_errors


@task(
    positional=["action"],
    help={
        "action": "plan (render and check each NFS host's exports) or apply (install and exportfs -ra)",
        "no_dns": "reach hosts by their cadaster address instead of asking the lab's DNS",
        "path": "the exports file on the hosts (default /etc/exports.d/elenta.exports)",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def nfs(c: Context, action: str, no_dns: bool = False, path: str = "", lab: str = "") -> None:
    """Plan or apply NFS exports: `elenta nfs plan`, `elenta nfs apply --no-dns`."""
    from elenta.nfs import push as nfs_push

    loaded = open_lab(lab or None)
    if action == "plan":
        print(nfs_push.plan_report(loaded))
    elif action == "apply":
        print(nfs_push.plan_report(loaded))
        print(nfs_push.apply(loaded, no_dns=no_dns, path=path))
    else:
        raise Exit(f"error: unknown action {action!r}: use `elenta nfs plan` or `elenta nfs apply`", code=2)
