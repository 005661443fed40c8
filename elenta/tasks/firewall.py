"""`elenta firewall plan|check`: openings per physical interface, and configurations naming aliases."""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.command.output import emit_json, note
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
        "action": "plan (the NixOS openings per machine, with warnings) or check (evaluate the firewall "
        "of the system each machine will run, per interface, against the cadaster and its roles' ports)",
        "machine": "only this machine (repeatable; default: every NixOS machine)",
        "json": "check: print the findings as JSON",
        "lab": "the lab folder",
    },
)
@reports_errors
@command(
    choices={"action": ("plan", "check")},
    examples=["elenta firewall plan", "elenta firewall plan --machine toto", "elenta firewall check --json"],
)
def firewall(
    c: Context, action: str, machine: list[str] | None = None, json_: bool = False, lab: str = ""
) -> None:
    """Firewall openings on physical interfaces: `elenta firewall plan`, `elenta firewall check`."""
    from elenta.firewall.render import firewall_plan, nixos_firewall

    loaded = open_lab(lab or None)
    names = [_machine(loaded, m) for m in machine] if machine else None
    chosen = [
        short
        for short, spec in loaded.cadaster.machines.items()
        if spec.kind == "nixos" and (not names or short in names)
    ]
    if action == "plan":
        for short in chosen:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                plan = firewall_plan(loaded, short)
            print(f"{loaded.canon(short)}: {json.dumps(nixos_firewall(plan)['networking']['firewall'])}")
            for fault in plan.warnings:
                note(f"warning: {fault}")
    elif action == "check":
        _check(loaded, chosen, json_)
    else:
        raise Exit(
            f"error: unknown action {action!r}: use `elenta firewall plan` or `… check`", code=BAD_INPUT
        )


def _check(lab: Lab, machines: list[str], as_json: bool) -> None:
    """`elenta firewall check`: each machine's evaluated firewall; exit 1 on a finding that fails."""
    from elenta.firewall.evaluate import evaluated_firewalls, firewall_findings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluated = evaluated_firewalls(lab, machines)
        found = [f for fw in evaluated.values() for f in firewall_findings(lab, fw)]
    failing = [f for f in found if f.fails]
    for short in machines:
        if short not in evaluated and lab.has_system(short):
            note(
                f"note: {short}: not evaluated (a hostConfig table needs elenta's module, and the flake "
                "has no elentaHosts)"
            )
    if as_json:
        emit_json(
            {
                "machines": {m: fw.source for m, fw in evaluated.items()},
                "findings": [f.as_dict() for f in found],
            }
        )
    else:
        for finding in found:
            print(finding)
        if not failing:
            print(
                f"ok: the firewall of {len(evaluated)} machine(s) opens what their roles declare, on their "
                "physical interfaces"
            )
    if failing:
        raise Exit(f"{len(failing)} firewall finding(s) in the systems the machines will run", code=FAILED)
