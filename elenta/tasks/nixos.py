"""`elenta status`: each NixOS machine's desired system against what runs and what will boot.

`elenta nixos show MACHINE`: the NixOS module elenta renders for a machine (docs/nixos.md).
"""

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


@task(
    positional=["action", "machine"],
    help={
        "action": "show: the machine's module as JSON (NixOS option values, guests, elenta.*)",
        "machine": "the machine (short or canon name)",
        "attr": "print only the value at this attribute path of the module, e.g. `containers` or "
        "`networking.firewall`",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
@command(
    choices={"action": ("show",)},
    examples=["elenta nixos show toto", "elenta nixos show archimedes --attr containers"],
)
def nixos(c, action, machine, attr="", lab=""):
    """The NixOS module of one machine: `elenta nixos show archimedes --attr containers`."""
    import json
    import warnings

    from invoke.exceptions import Exit

    from elenta.model.errors import ModelError
    from elenta.nixos.module import machine_module

    if action != "show":
        raise Exit(f"error: unknown action {action!r}: use `elenta nixos show MACHINE`", code=2)
    loaded = open_lab(lab or None)
    try:
        short = loaded.machine_name(machine)
    except KeyError as exc:
        raise ModelError.one(loaded.cadaster_file, "machines", exc.args[0]) from None
    if loaded.cadaster.machines[short].kind != "nixos":
        raise ModelError.one(loaded.cadaster_file, ("machines", short, "kind"), "not a NixOS machine")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = machine_module(loaded, short)
    value: object = module
    if attr:
        value = _with_guests(module)
        for part in attr.split("."):
            if not isinstance(value, dict) or part not in value:
                raise Exit(f"error: {short}'s module sets nothing at {attr!r}", code=2)
            value = value[part]
    print(json.dumps(value, indent=2, sort_keys=True))


def _with_guests(module: dict) -> dict:
    """The module's options with what Nix completes for each guest, described in place."""
    import json

    config = json.loads(json.dumps(module["config"]))
    for name, guest in module["guests"]["containers"].items():
        config["containers"][name]["path"] = f"<nixosConfigurations.{guest['flake']}: its system>"
    for name, guest in module["guests"]["vms"].items():
        vm = config["microvm"]["vms"][name]
        if guest["flake"] is None:
            vm["config"] = guest["resources"]
        else:
            vm["evaluatedConfig"] = {
                f"nixosConfigurations.{guest['flake']}, extended with": guest["resources"]
            }
    return config
