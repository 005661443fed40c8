"""`elenta dns plan|apply`: validate and diff the lab's zones, or install them on the DNS hosts."""

from __future__ import annotations

from invoke import Context, task

from elenta.command.flags import DRY_RUN_HELP, JSON_HELP
from elenta.command.output import emit_json, note
from elenta.command.spec import command
from elenta.tasks._common import checked_lab, open_lab, reports_errors

ACTIONS = ("plan", "apply")


@task(
    positional=["action"],
    help={
        "action": "plan (validate, show the record diff) or apply (install, reload, verify)",
        "force": "apply even if over 30% of a zone's records would be deleted or modified",
        "local": "apply to this machine (@local) as the lab's DNS host instead of over SSH",
        "dir": "server directory on the DNS host (default /var/lib/elenta-dns)",
        "listen": "Knot listen addresses, address@port[,address@port] (default: the DNS role's, port 53)",
        "reproducible": "serials without the date: previous + 1 (or $SOURCE_DATE_EPOCH's date)",
        "dry-run": DRY_RUN_HELP + " (apply: the plan, then stop)",
        "json": JSON_HELP,
        "lab": "the lab folder",
    },
)
@reports_errors
@command(
    choices={"action": ACTIONS},
    examples=[
        "elenta dns plan",
        "elenta dns plan --json",
        "elenta dns apply --dry-run",
        "elenta dns apply --force",
    ],
)
def dns(
    c: Context,
    action: str,
    force: bool = False,
    local: bool = False,
    dir: str = "",
    listen: str = "",
    reproducible: bool = False,
    dry_run: bool = False,
    json_: bool = False,
    lab: str = "",
) -> None:
    """Plan or apply the lab's DNS zones: `elenta dns plan`, `elenta dns apply [--force]`."""
    if action not in ACTIONS:
        from elenta.inventory import SelectionError

        raise SelectionError(f"dns: unknown action {action!r} (one of: {', '.join(ACTIONS)})")
    from elenta.dns import push as dns_push

    loaded = checked_lab(lab or None) if action == "apply" else open_lab(lab or None)
    plan = dns_push.dns_plan(loaded, force=force, reproducible=reproducible)
    for warning in plan.warnings:
        note(warning)  # already "warning: …"
    if action == "plan" or dry_run:
        if json_:
            emit_json({**plan.as_json(), "dry_run": dry_run} if action == "apply" else plan.as_json())
        else:
            print(plan.text())
        if action == "apply":
            note("dry run: nothing was installed")
        return
    (note if json_ else print)(plan.text())
    output = dns_push.apply(
        loaded,
        force=force,
        local=local,
        directory=dir or None,
        listen=listen or None,
        reproducible=reproducible,
    )
    if json_:
        emit_json({**plan.as_json(), "applied": True})
        note(output)
    else:
        print(output)
