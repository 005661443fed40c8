"""`elenta dhcp plan|check|apply`: DHCP reservations and options from the cadaster."""

from __future__ import annotations

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.tasks._common import open_lab, reports_errors


@task(
    positional=["action"],
    help={
        "action": "plan (what each DHCP server serves), check (the servers' own parsers, here) or apply",
        "no_dns": "reach hosts by their cadaster address instead of asking the lab's DNS",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def dhcp(c: Context, action: str, no_dns: bool = False, lab: str = "") -> None:
    """Plan, check or apply DHCP: `elenta dhcp plan`, `elenta dhcp apply --no-dns`."""
    from elenta.dhcp import apply as dhcp_apply

    loaded = open_lab(lab or None)
    if action == "plan":
        print(dhcp_apply.plan_report(loaded))
    elif action == "check":
        for line in dhcp_apply.check(loaded):
            print(line)
    elif action == "apply":
        print(dhcp_apply.plan_report(loaded))
        print(dhcp_apply.apply(loaded, no_dns=no_dns))
    else:
        raise Exit(f"error: unknown action {action!r}: use plan, check or apply", code=2)
