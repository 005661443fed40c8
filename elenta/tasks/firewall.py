"""`elenta firewall plan|check`: openings per physical interface, and configurations naming aliases."""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.command.output import note
from elenta.command.spec import command
from elenta.exitcodes import BAD_INPUT, FAILED
from elenta.model.errors import ModelError
from elenta.tasks._common import open_lab, reports_errors

if TYPE_CHECKING:
    from elenta.model.lab import Lab


def _machine(lab: Lab, name: str) -> str:
    try:
        return lab.machine_name(name)
    except KeyError as exc:
        raise ModelError.one(lab.cadaster_file, "machines", f"--machine: {exc.args[0]}") from None


@task(
    positional=["action"],
    iterable=["machine"],
    help={
        "action": "plan (the NixOS openings per machine, with warnings) or check (evaluate the host "
        "configurations and fail when one opens ports on an alias interface)",
        "machine": "only this machine (repeatable; default: every NixOS machine)",
        "lab": "the lab folder",
    },
)
@reports_errors
@command(
    choices={"action": ("plan", "check")},
    examples=["elenta firewall plan", "elenta firewall plan --machine toto", "elenta firewall check"],
)
def firewall(c: Context, action: str, machine: list[str] | None = None, lab: str = "") -> None:
    """Firewall openings on physical interfaces: `elenta firewall plan`, `elenta firewall check`."""
    from elenta.firewall.evaluate import configuration_warnings
    from elenta.firewall.render import firewall_plan, nixos_firewall

    loaded = open_lab(lab or None)
    names = [_machine(loaded, m) for m in machine] if machine else None
    if action == "plan":
        for short, spec in loaded.cadaster.machines.items():
            if spec.kind != "nixos" or (names and short not in names):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                plan = firewall_plan(loaded, short)
            print(f"{loaded.canon(short)}: {json.dumps(nixos_firewall(plan)['networking']['firewall'])}")
            for fault in plan.warnings:
                note(f"warning: {fault}")
    elif action == "check":
        found = configuration_warnings(loaded, names)
        for fault in found:
            note(f"warning: {fault}")
        if found:
            raise Exit(f"{len(found)} configuration(s) open ports on an alias interface", code=FAILED)
        print("no host configuration opens ports on an alias interface")
    else:
        raise Exit(
            f"error: unknown action {action!r}: use `elenta firewall plan` or `… check`", code=BAD_INPUT
        )
