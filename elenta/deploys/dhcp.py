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

from elenta.dhcp.render import INSTALL_PATHS, server_files
from elenta.dhcp.scopes import dhcp_services
from elenta.model.lab import load_lab
from elenta.operations import dhcp as dhcp_ops


def wanted(host: Any) -> bool:
    """True for hosts whose roles serve DHCP: `"dhcp" in host.data.elenta_subsystems`."""
    return "dhcp" in (host.data.get("elenta_subsystems") or ())


def _setting(key: str) -> Any:
    value = host.data.get(key)
    if value is None:
        value = (host.data.get("elenta_data") or {}).get(key)
    return value


def _truthy(value: Any, default: bool) -> bool:
    return default if value is None else str(value).lower() in ("1", "true", "yes")


@deploy("DHCP")
def apply() -> None:
    """Render this host's DHCP configuration from the lab and install, check and reload it."""
    lab = load_lab(host.data.get("elenta_lab"))
    machine = host.data.get("elenta_machine")
    folder = _setting("elenta_dhcp_dir")
    for server in dhcp_services(lab):
        if server.machine != machine:
            continue
        sandbox = (
            [s.interface for s in server.scopes] if _truthy(_setting("elenta_dhcp_sandbox"), False) else None
        )
        for filename, text in server_files(server).items():
            path = posixpath.join(folder, posixpath.basename(INSTALL_PATHS[filename])) if folder else ""
            dhcp_ops.config(
                name=f"Install, check and reload {filename}",
                content=text,
                filename=filename,
                path=path,
                check=_truthy(_setting("elenta_dhcp_check"), True),
                sandbox_interfaces=sandbox,
            )
