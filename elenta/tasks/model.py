"""Tasks over the model alone: check, machines, lookup."""

from __future__ import annotations

from invoke import Context, task

from elenta.tasks._common import lab_path, open_lab, reports_errors


@task(
    positional=["path"],
    iterable=["also"],
    help={
        "path": "a lab folder (cadaster + constellations/), or a cadaster file",
        "also": "a constellation file to check with it (repeatable)",
    },
)
@reports_errors
def check(c: Context, path: str | None = None, also: list[str] | None = None) -> None:
    """Check a cadaster, its constellations and each subsystem's view of them; exit 2 naming the fault."""
    from elenta.model.lab import load_lab
    from elenta.subsystem import check_subsystems

    target = lab_path(path)
    lab = load_lab(target, *(also or [])) if also else load_lab(target)
    checked = check_subsystems(lab)
    services = sum(len(d.services) for lc in lab.constellations for d in lc.model.domains.values())
    print(
        f"ok: {lab.cadaster_file}: {len(lab.cadaster.machines)} machines, "
        f"{len(lab.cadaster.networks)} networks, {len(lab.constellations)} constellation(s), "
        f"{services} service(s)"
    )
    print(f"ok: subsystems {', '.join(checked)}")


@task(help={"lab": "the lab folder (default: $ELENTA_LAB or examples/lab)"})
@reports_errors
def machines(c: Context, lab: str = "") -> None:
    """List every device of the lab: canon name, kind, addresses, MAC, roles."""
    from elenta.report import machines_table

    print(machines_table(open_lab(lab or None)))


@task(
    positional=["name"],
    help={
        "name": "a canon name: toto.canon, toto.canon.lan, lab.ifrit.canon",
        "no_dns": "read the cadaster instead of asking the lab's DNS server",
        "mac": "print the MAC instead of the IP",
        "server": "ask this DNS server (host:port) instead of the cadaster's",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
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
