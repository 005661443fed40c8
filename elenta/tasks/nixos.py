"""`elenta status`: each NixOS machine's desired system against what runs and what will boot."""

from __future__ import annotations

from invoke import task

from elenta.tasks._common import open_lab, reports_errors
from elenta.tasks.deploy import ITERABLE, SELECTION_HELP

STATUS_HELP = {k: v for k, v in SELECTION_HELP.items() if k not in ("only", "confirm-timeout")}


@task(iterable=ITERABLE, help=STATUS_HELP)
@reports_errors
def status(c, canon=None, role=None, tag=None, no_dns=False, config="", lab=""):
    """Per machine: desired revision and system against what runs and what will boot."""
    from elenta.inventory import Selection
    from elenta.nixos.status import compliance_status, status_table

    opened = open_lab(lab)
    selection = Selection(tuple(canon or ()), tuple(role or ()), tuple(tag or ()))
    statuses = compliance_status(opened, selection, no_dns=no_dns, config=config or None)
    print(status_table(statuses))
    out = [c for c, st in statuses.items() if not st.columns["compliant"]]
    if out:
        from invoke.exceptions import Exit

        raise Exit(f"out of compliance: {', '.join(out)}", code=1)
