"""The DHCP part of a plan: per DHCP server, its configuration files and their NixOS form.

`dhcp/<machine>/<file>` (`kea-dhcp4.conf`, `kea-dhcp6.conf` or `dnsmasq.conf`) and
`dhcp/<machine>/dhcp.nix`. A changed reservation, range or option changes the plan's hash, and
`elenta diff` shows it line by line like any other artifact.
"""

from __future__ import annotations

from collections.abc import Iterator

from elenta.compile.artifacts import Artifact
from elenta.dhcp.render import nixos_module, server_files
from elenta.dhcp.scopes import dhcp_services
from elenta.model.lab import Lab


def dhcp_artifacts(lab: Lab) -> Iterator[Artifact]:
    """Each DHCP server's files: `[a.path for a in dhcp_artifacts(lab)]`.

    -> `["dhcp/ifrit/kea-dhcp4.conf", "dhcp/ifrit/dhcp.nix"]`
    """
    for server in dhcp_services(lab):
        files = server_files(server)
        for name, text in files.items():
            yield Artifact("dhcp", server.machine, f"dhcp/{server.machine}/{name}", text.encode())
        yield Artifact(
            "dhcp", server.machine, f"dhcp/{server.machine}/dhcp.nix", nixos_module(server, files).encode()
        )
