"""`elenta lab up|down|status`: the lab's NixOS machines as real SSH hosts on loopback."""

from __future__ import annotations

from invoke import task

from elenta.command.spec import command
from elenta.report import table
from elenta.tasks._common import open_lab, reports_errors


@task(
    positional=["action"],
    help={
        "action": "up, down or status",
        "lab": "the lab folder",
        "purge": "with down: also delete the hosts' disks (stores, profiles, /etc and /var layers)",
    },
)
@reports_errors
@command(
    choices={"action": ("up", "down", "status")},
    examples=["elenta lab up", "elenta lab status", "elenta lab down --purge"],
)
def lab(c, action, lab="", purge=False):
    """Bring the lab's hosts up (sshd per machine, own mount namespace) or down, or list them."""
    from elenta.lab import lab_down, lab_status, lab_up

    opened = open_lab(lab)
    if action == "up":
        hosts = lab_up(opened)
    elif action == "down":
        stopped = lab_down(opened, purge=purge)
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        return
    elif action == "status":
        hosts = lab_status(opened)
    else:
        from elenta.model.errors import ElentaError

        raise ElentaError(f"lab: unknown action {action!r} (up, down or status)")
    rows = [[opened.canon(h.machine), f"{h.address}:{h.port}", h.pid] for h in hosts.values()]
    print(table(["host", "ssh", "pid"], rows) if rows else "no lab host is running")
