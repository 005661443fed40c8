"""`elenta place [--explain]`: where elenta places the services and guests declared without a host."""

from __future__ import annotations

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.compile.placement import lab_placement
from elenta.tasks._common import open_lab, reports_errors


@task(
    help={
        "explain": "per item, every machine considered and why it was chosen or refused",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def place(c: Context, explain: bool = False, lab: str = "") -> None:
    """Automatic placement (the previous plan is the memory): `elenta place --explain`."""
    loaded = open_lab(lab or None)
    placed = lab_placement(loaded, explain=explain)
    if not placed.where and not placed.faults:
        print("nothing to place: every service and guest names its host")
    for item, machine in placed.where.items():
        print(f"{item} -> {loaded.canon(machine)}")
        for line in placed.explain.get(item, []) if explain else ():
            print(f"  {line}")
    for item, fault in placed.failed.items():
        print(f"error: {fault}")
        for line in placed.explain.get(item, []) if explain else ():
            print(f"  {line}")
    if placed.failed:
        raise Exit(f"{len(placed.failed)} item(s) fit nowhere", code=2)
