"""The DHCP subsystem's deploy: each DHCP server's configuration installed, checked, reloaded.

Host data read (each may also come from the machine's constellation placement `data`):
`elenta_dhcp_check` (default true: check the candidate with the host's parser first),
`elenta_dhcp_sandbox` (default false: check inside a network namespace with dummy interfaces of the
served names — for hosts that lack them, like the loopback lab), `elenta_dhcp_dir` (install the
files in this folder instead of `/etc/kea` / `/etc/dnsmasq.d`).
"""

from __future__ import annotations

import posixpath
from typing import Any

from pyinfra import host
from pyinfra.api import deploy

from elenta.deploys._settings import setting, truthy
from elenta.dhcp.render import INSTALL_PATHS, server_files
from elenta.dhcp.scopes import dhcp_services
from elenta.model.lab import load_lab
from elenta.operations import dhcp as dhcp_ops


def wanted(host: Any) -> bool:
    """True for hosts whose roles serve DHCP: `"dhcp" in host.data.elenta_subsystems`."""
    return "dhcp" in (host.data.get("elenta_subsystems") or ())


@deploy("DHCP")
def apply() -> None:
    """Render this host's DHCP configuration from the lab and install, check and reload it."""
    lab = load_lab(host.data.get("elenta_lab"))
    machine = host.data.get("elenta_machine")
    folder = setting("elenta_dhcp_dir")
    for server in dhcp_services(lab):
        if server.machine != machine:
            continue
        sandbox = (
            [s.interface for s in server.scopes] if truthy(setting("elenta_dhcp_sandbox"), False) else None
        )
        for filename, text in server_files(server).items():
            path = posixpath.join(folder, posixpath.basename(INSTALL_PATHS[filename])) if folder else ""
            dhcp_ops.config(
                name=f"Install, check and reload {filename}",
                content=text,
                filename=filename,
                path=path,
                check=truthy(setting("elenta_dhcp_check"), True),
                sandbox_interfaces=sandbox,
            )
