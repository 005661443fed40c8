"""A DHCP server's files, as the plan carries them and the deploy installs them (pure).

`server_files(server)` -> `{"kea-dhcp4.conf": text}` (plus `kea-dhcp6.conf` when a scope has an
IPv6 prefix) for Kea, `{"dnsmasq.conf": text}` for dnsmasq; `nixos_module(server, files)` the
NixOS form (`services.kea.dhcp4.configFile` / `services.dnsmasq`) for hosts that take DHCP from
their system configuration.
"""

from __future__ import annotations

from elenta.compile.nix_text import nix_string
from elenta.dhcp.dnsmasq import dnsmasq_text
from elenta.dhcp.kea import kea_texts
from elenta.dhcp.scopes import Server, dhcp_services
from elenta.model.lab import Lab

# Where each file goes on a host (Debian's and most distributions' paths).
INSTALL_PATHS = {
    "kea-dhcp4.conf": "/etc/kea/kea-dhcp4.conf",
    "kea-dhcp6.conf": "/etc/kea/kea-dhcp6.conf",
    "dnsmasq.conf": "/etc/dnsmasq.d/elenta-dhcp.conf",
}
# Where each kind of server keeps its leases (what `elenta doctor` reads back).
LEASE_FILES = {"kea": "/var/lib/kea/kea-leases4.csv", "dnsmasq": "/var/lib/misc/dnsmasq.leases"}
# The service each file belongs to (systemd unit on Debian and NixOS).
SERVICES = {
    "kea-dhcp4.conf": "kea-dhcp4-server",
    "kea-dhcp6.conf": "kea-dhcp6-server",
    "dnsmasq.conf": "dnsmasq",
}


def server_files(server: Server) -> dict[str, str]:
    """The configuration files of one DHCP server: `server_files(dhcp_services(lab)[0])`."""
    if server.kind == "kea":
        return kea_texts(server)
    return {"dnsmasq.conf": dnsmasq_text(server)}


def nixos_module(server: Server, files: dict[str, str]) -> str:
    """A NixOS module serving the same files: `nixos_module(server, server_files(server))`."""
    lines = ["{ pkgs, ... }:", "{"]
    if server.kind == "kea":
        for name, unit in (("kea-dhcp4.conf", "dhcp4"), ("kea-dhcp6.conf", "dhcp6")):
            if name in files:
                lines.append(f"  services.kea.{unit}.enable = true;")
                text = nix_string(files[name])
                lines.append(f'  services.kea.{unit}.configFile = pkgs.writeText "{name}" {text};')
    else:
        lines.append("  services.dnsmasq.enable = true;")
        lines.append('  services.dnsmasq.settings.conf-file = "/etc/dnsmasq.d/elenta-dhcp.conf";')
        text = nix_string(files["dnsmasq.conf"])
        lines.append(f'  environment.etc."dnsmasq.d/elenta-dhcp.conf".text = {text};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def lease_files(lab: Lab) -> dict[str, list[str]]:
    """The fact `dhcp_lease_files`: where each DHCP machine keeps its leases.

    `lease_files(lab) == {"ifrit": ["/var/lib/kea/kea-leases4.csv"]}`
    """
    out: dict[str, list[str]] = {}
    for server in dhcp_services(lab):
        out.setdefault(server.machine, []).append(LEASE_FILES[server.kind])
    return out
