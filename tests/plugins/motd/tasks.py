"""`elenta motd`: each machine's message of the day, as the plan will install it."""

from __future__ import annotations

from invoke import Context, task

from elenta.tasks._common import open_lab, reports_errors


@task(help={"lab": "the lab folder (default: $ELENTA_LAB or examples/lab)"})
@reports_errors
def motd(c: Context, lab: str = "") -> None:
    """Print each NixOS machine's message of the day."""
    from tests.plugins.motd.render import motd_machines, motd_text

    loaded = open_lab(lab or None)
    for machine in motd_machines(loaded):
        print(f"{loaded.canon(machine)}: {motd_text(loaded, machine)}", end="")
