"""`elenta hostkeys scan [--canon N]`: the SSH host keys the lab's machines offer, to review and pin.

elenta hostkeys scan                      every machine deployed over SSH
elenta hostkeys scan --canon toto.canon --no-dns
"""

from __future__ import annotations

from invoke import task

from elenta.tasks._common import open_lab, reports_errors


@task(
    positional=["action"],
    iterable=["canon"],
    help={
        "action": "scan",
        "canon": "a machine's canon name (repeatable; default every machine deployed over SSH)",
        "no-dns": "resolve addresses from the cadaster instead of the lab's DNS server",
        "lab": "lab folder (default $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def hostkeys(c, action, canon=None, no_dns=False, lab=""):
    """Print the host keys each machine offers (through its ProxyJump), as cadaster lines to pin."""
    from invoke.exceptions import Exit

    from elenta.inventory import Selection, inventory_groups
    from elenta.pipeline.ssh import SshTarget
    from elenta.pipeline.ssh_client import scan_host_keys

    if action != "scan":
        raise Exit(f"error: unknown action {action!r} (scan)", code=2)
    opened = open_lab(lab)
    hosts = inventory_groups(opened, no_dns=no_dns, select=Selection(tuple(canon or ())))["all"]
    failed = []
    for name, data in hosts:
        target = SshTarget.from_data(data, name)
        via = f" via {target.proxy_command}" if target.proxy_command else ""
        try:
            keys = scan_host_keys(target)
        except Exception as exc:  # OSError, paramiko.SSHException: reported per host
            print(f"# {name}: {target.address}{via}: cannot read its keys: {exc}")
            failed.append(name)
            continue
        machine = data["elenta_machine"]
        print(f"# {name}: {target.address}{via}; compare with the host's /etc/ssh/ssh_host_*_key.pub")
        print(f"# then pin ONE of them in {opened.cadaster_file}, [machines.{machine}]:")
        for key in keys:
            print(f'ssh.host_key = "{key}"')
    if failed:
        raise Exit(f"could not scan: {', '.join(failed)}", code=1)
