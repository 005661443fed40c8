"""`elenta hostkeys scan [--canon N]`: the SSH host keys the lab's machines and switches offer, to pin.

elenta hostkeys scan                      every machine deployed over SSH, and every switch
elenta hostkeys scan --canon toto.canon --no-dns
elenta hostkeys scan --canon sw1.canon    one switch (read without logging in)
"""

from __future__ import annotations

from invoke import task

from elenta.tasks._common import open_lab, reports_errors


@task(
    positional=["action"],
    iterable=["canon"],
    help={
        "action": "scan",
        "canon": "a machine's or switch's canon name (repeatable; default every machine and switch)",
        "no-dns": "resolve addresses from the cadaster instead of the lab's DNS server",
        "lab": "lab folder (default $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def hostkeys(c, action, canon=None, no_dns=False, lab=""):
    """Print the host keys machines (through their ProxyJump) and switches offer, as lines to pin."""
    from invoke.exceptions import Exit

    from elenta.inventory import Selection, inventory_groups
    from elenta.pipeline.ssh import SshTarget
    from elenta.pipeline.ssh_client import scan_host_keys
    from elenta.subsystem import registered

    if action != "scan":
        raise Exit(f"error: unknown action {action!r} (scan)", code=2)
    opened = open_lab(lab)
    endpoints = {e[0]: e for s in registered() for e in s.ssh_endpoints(opened)}

    def endpoint_named(name: str) -> str | None:
        try:
            short = opened.machine_name(name)
        except KeyError:
            return None  # not a name of the cadaster: the machine selection reports it
        return short if short in endpoints else None

    named = [e for e in map(endpoint_named, canon) if e] if canon else list(endpoints)
    machines = [c for c in canon or () if endpoint_named(c) is None]
    scans: list[tuple[str, SshTarget, str]] = []  # (cadaster name, target, what to compare with)
    if machines or not canon:
        for name, data in inventory_groups(opened, no_dns=no_dns, select=Selection(tuple(machines)))["all"]:
            scans.append(
                (data["elenta_machine"], SshTarget.from_data(data, name), "/etc/ssh/ssh_host_*_key.pub")
            )
    for name in named:
        _, address, port = endpoints[name]
        target = SshTarget(name=opened.canon(name), hostname=address, port=port, user="")
        scans.append((name, target, "the key shown on the device's own console"))
    failed = []
    for machine, target, compare in scans:
        via = f" via {target.proxy_command}" if target.proxy_command else ""
        try:
            keys = scan_host_keys(target)
        except Exception as exc:  # OSError, paramiko.SSHException: reported per host
            print(f"# {target.name}: {target.address}{via}: cannot read its keys: {exc}")
            failed.append(target.name)
            continue
        print(f"# {target.name}: {target.address}{via}; compare with {compare}")
        print(f"# then pin ONE of them in {opened.cadaster_file}, [machines.{machine}]:")
        for key in keys:
            print(f'ssh.host_key = "{key}"')
    if failed:
        raise Exit(f"could not scan: {', '.join(failed)}", code=1)
