"""What `elenta check` asks of the switches: each one's desired state, built from the cadaster."""

from __future__ import annotations

from elenta.model.errors import Fault, ModelError
from elenta.model.lab import Lab


def switch_faults(lab: Lab) -> list[Fault]:
    """Every switch's desired state checked against the cadaster (nothing rendered, nothing reached)."""
    from elenta.switch.render import desired_switch, switches

    faults: list[Fault] = []
    for name in switches(lab.cadaster):
        try:
            desired_switch(lab.cadaster, name, lab.cadaster_file)
        except ModelError as exc:
            faults += exc.faults
    return faults
