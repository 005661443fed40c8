"""`elenta dns plan|apply`: validate and diff the lab's zones, or install them on the DNS hosts."""

from __future__ import annotations

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.tasks._common import open_lab, reports_errors


@task(
    positional=["action"],
    help={
        "action": "plan (validate, show the record diff) or apply (install, reload, verify)",
        "force": "apply even if over 30% of a zone's records would be deleted or modified",
        "local": "apply to this machine (@local) as the lab's DNS host instead of over SSH",
        "dir": "server directory on the DNS host (default /var/lib/elenta-dns)",
        "listen": "Knot listen addresses, address@port[,address@port] (default: the DNS role's, port 53)",
        "reproducible": "serials without the date: previous + 1 (or $SOURCE_DATE_EPOCH's date)",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def dns(
    c: Context,
    action: str,
    force: bool = False,
    local: bool = False,
    dir: str = "",
    listen: str = "",
    reproducible: bool = False,
    lab: str = "",
) -> None:
    """Plan or apply the lab's DNS zones: `elenta dns plan`, `elenta dns apply [--force]`."""
    from elenta.dns import push as dns_push

    loaded = open_lab(lab or None)
    if action == "plan":
        print(dns_push.plan_report(loaded, force=force, reproducible=reproducible))
    elif action == "apply":
        print(dns_push.plan_report(loaded, force=force, reproducible=reproducible))
        print(
            dns_push.apply(
                loaded,
                force=force,
                local=local,
                directory=dir or None,
                listen=listen or None,
                reproducible=reproducible,
            )
        )
    else:
        raise Exit(f"error: unknown action {action!r}: use `elenta dns plan` or `elenta dns apply`", code=2)
