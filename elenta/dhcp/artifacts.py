"""The DHCP part of a plan: per DHCP server, its configuration files and their NixOS form.

`dhcp/<machine>/<file>` (`kea-dhcp4.conf`, `kea-dhcp6.conf` or `dnsmasq.conf`) and
`dhcp/<machine>/dhcp.nix`; each configuration file names where the deploy installs it, so that
`elenta drift` reports a file changed or missing on the host. A changed reservation, range or
option changes the plan's hash, and `elenta diff` shows it line by line like any other artifact.
"""

from __future__ import annotations

from collections.abc import Iterator

from elenta.compile.artifacts import Artifact
from elenta.dhcp.render import INSTALL_PATHS, nixos_module, server_files
from elenta.dhcp.scopes import dhcp_services
from elenta.model.lab import Lab


def dhcp_artifacts(lab: Lab) -> Iterator[Artifact]:
    """Each DHCP server's files: `[a.path for a in dhcp_artifacts(lab)]`.

    -> `["dhcp/ifrit/kea-dhcp4.conf", "dhcp/ifrit/dhcp.nix"]`
    """
    for server in dhcp_services(lab):
        files = server_files(server)
        for name, text in files.items():
            path = f"dhcp/{server.machine}/{name}"
            # Where the deploy installs it by default: `elenta drift` compares that file's hash.
            yield Artifact("dhcp", server.machine, path, text.encode(), installed_at=INSTALL_PATHS[name])
        yield Artifact(
            "dhcp", server.machine, f"dhcp/{server.machine}/dhcp.nix", nixos_module(server, files).encode()
        )
