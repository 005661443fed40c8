"""`elenta init FOLDER`: a starting lab folder for one's own NixOS machines.

elenta init ~/homelab --machine toto --address 192.168.1.10 --flake 'git+file:///etc/nixos'
"""

from __future__ import annotations

from invoke import task

from elenta.tasks._common import reports_errors


@task(
    positional=["folder"],
    help={
        "folder": "where to write the lab (created; existing files are never overwritten)",
        "machine": "the first machine's name (a DNS label), also its nixosConfigurations attribute",
        "address": "its IP address (the network is its /24)",
        "user": "the SSH user elenta logs in as (not root: through sudo)",
        "flake": "the flake that holds your nixosConfigurations (e.g. git+file:///etc/nixos)",
        "domain": "the canon domain: machines are <name>.<domain>",
    },
)
@reports_errors
def init(
    c,
    folder,
    machine="toto",
    address="192.168.1.10",
    user="root",
    flake="git+file:///etc/nixos",
    domain="home",
):
    """Write a starting lab: elenta.toml, a cadaster with one machine, a constellation, a flake."""
    from pathlib import Path

    from elenta.init.scaffold import write_lab

    for path in write_lab(
        Path(folder), machine=machine, address=address, user=user, flake=flake, domain=domain
    ):
        print(f"wrote {path}")
    print(f"next: elenta check {folder}; elenta status --lab {folder} --no-dns (see docs/your-lab.md)")
