"""Tasks over the model alone: check, machines, lookup."""

from __future__ import annotations

from invoke import Context, task

from elenta.command.flags import JSON_HELP
from elenta.command.output import emit_json
from elenta.command.spec import command
from elenta.tasks._common import lab_path, open_lab, reports_errors


@task(
    positional=["path"],
    iterable=["also"],
    help={
        "path": "a lab folder (cadaster + constellations/), or a cadaster file and constellation files "
        "(default: the lab)",
        "also": "a constellation file to check with it (repeatable)",
    },
)
@reports_errors
@command(
    variadic={"path": "also"},
    keep_commas=("also",),
    examples=["elenta check", "elenta check /srv/mylab", "elenta check cadaster.toml web.toml db.yaml"],
)
def check(c: Context, path: str | None = None, also: list[str] | None = None) -> None:
    """Check a cadaster and its constellations as plan and deploys do; exit 2 naming every fault."""
    from elenta.compile.checks import validate_lab
    from elenta.model.lab import load_lab

    target = lab_path(path)
    lab = load_lab(target, *(also or [])) if also else load_lab(target)
    checked = validate_lab(lab, render=False).subsystems
    services = sum(len(d.services) for lc in lab.constellations for d in lc.model.domains.values())
    print(
        f"ok: {lab.cadaster_file}: {len(lab.cadaster.machines)} machines, "
        f"{len(lab.cadaster.networks)} networks, {len(lab.constellations)} constellation(s), "
        f"{services} service(s)"
    )
    print(f"ok: subsystems {', '.join(checked)}")


@task(help={"lab": "the lab folder", "json": JSON_HELP})
@reports_errors
@command(examples=["elenta machines", "elenta machines --json | jq -r '.[].machine'"])
def machines(c: Context, lab: str = "", json_: bool = False) -> None:
    """List every device of the lab: canon name, kind, addresses, MAC, roles."""
    from elenta.report import machines_rows, machines_table

    opened = open_lab(lab or None)
    if json_:
        emit_json(machines_rows(opened))
        return
    print(machines_table(opened))


@task(
    positional=["name"],
    help={
        "name": "a canon name: toto.canon, toto.canon.lan, lab.ifrit.canon",
        "no_dns": "read the cadaster instead of asking the lab's DNS server",
        "mac": "print the MAC instead of the IP",
        "server": "ask this DNS server (host:port) instead of the cadaster's",
        "lab": "the lab folder",
    },
)
@reports_errors
@command(
    examples=[
        "elenta lookup toto.canon",
        "elenta lookup lab.ifrit.canon --no-dns",
        "elenta lookup toto --mac",
    ]
)
def lookup(
    c: Context, name: str, no_dns: bool = False, mac: bool = False, server: str = "", lab: str = ""
) -> None:
    """Print a machine's IP, resolved through the lab's own DNS server (or `--no-dns`)."""
    from elenta.lookup import lookup_address, lookup_mac

    loaded = open_lab(lab or None)
    if mac:
        print(lookup_mac(loaded, name))
        return
    print(lookup_address(loaded, name, no_dns=no_dns, servers=[server] if server else None))
