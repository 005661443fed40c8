"""`elenta status`: each NixOS machine's desired system against what runs and what will boot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from invoke import task

from elenta.command.output import emit_json
from elenta.command.spec import command
from elenta.tasks._common import open_lab, reports_errors
from elenta.tasks.deploy import ITERABLE, SELECTION_HELP, selection_of

if TYPE_CHECKING:
    from elenta.nixos.status import HostStatus

STATUS_HELP = {k: v for k, v in SELECTION_HELP.items() if k not in ("only", "confirm-timeout", "dry-run")}


@task(iterable=ITERABLE, help=STATUS_HELP)
@reports_errors
@command(examples=["elenta status", "elenta status --on @dns --json"])
def status(c, on=None, canon=None, role=None, tag=None, no_dns=False, config="", json_=False, lab=""):
    """Per machine: desired revision and system against what runs and will boot (exit 1 if any differs)."""
    from elenta.exitcodes import FAILED
    from elenta.nixos.status import compliance_status, status_table

    opened = open_lab(lab)
    selection = selection_of(opened, on, canon, role, tag)
    statuses = compliance_status(opened, selection, no_dns=no_dns, config=config or None)
    if json_:
        emit_json(status_json(statuses))
    else:
        print(status_table(statuses))
    out = [c for c, st in statuses.items() if not st.columns["compliant"]]
    if out:
        from invoke.exceptions import Exit

        raise Exit(f"out of compliance: {', '.join(out)}", code=FAILED)


def status_json(statuses: dict[str, HostStatus]) -> list[dict[str, Any]]:
    """`elenta status --json`: per host the desired system, the facts read, and compliance."""
    out = []
    for canon, st in statuses.items():
        out.append(
            {
                "host": canon,
                "desired": st.desired.as_dict(),
                "reachable": st.facts is not None,
                "error": st.error,
                "facts": st.facts,
                **(
                    {"compliance": st.columns}
                    if st.facts is not None
                    else {"compliance": {"compliant": False}}
                ),
            }
        )
    return out
