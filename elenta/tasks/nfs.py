"""`elenta nfs plan|apply`: the NFS exports of the lab's NFS hosts."""

from __future__ import annotations

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.command.flags import DRY_RUN_HELP
from elenta.command.spec import command
from elenta.exitcodes import BAD_INPUT
from elenta.tasks._common import checked_lab, open_lab, reports_errors


@task(
    positional=["action"],
    help={
        "action": "plan (render and check each NFS host's exports) or apply (install and exportfs -ra)",
        "no_dns": "reach hosts by their cadaster address instead of asking the lab's DNS",
        "path": "the exports file on the hosts (default /etc/exports.d/elenta.exports)",
        "dry-run": DRY_RUN_HELP + " (apply: the plan, then stop)",
        "lab": "the lab folder",
    },
)
@reports_errors
@command(choices={"action": ("plan", "apply")}, examples=["elenta nfs plan", "elenta nfs apply --dry-run"])
def nfs(
    c: Context, action: str, no_dns: bool = False, path: str = "", dry_run: bool = False, lab: str = ""
) -> None:
    """Plan or apply NFS exports: `elenta nfs plan`, `elenta nfs apply --no-dns`."""
    from elenta.nfs import push as nfs_push

    loaded = checked_lab(lab or None) if action == "apply" else open_lab(lab or None)
    if action == "plan":
        print(nfs_push.plan_report(loaded))
    elif action == "apply":
        print(nfs_push.plan_report(loaded))
        if dry_run:
            print("dry run: nothing was installed")
            return
        print(nfs_push.apply(loaded, no_dns=no_dns, path=path))
    else:
        raise Exit(
            f"error: unknown action {action!r}: use `elenta nfs plan` or `elenta nfs apply`", code=BAD_INPUT
        )
