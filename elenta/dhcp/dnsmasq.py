"""dnsmasq configuration from a DHCP server's scopes (pure): `dnsmasq_text(server)`.

DHCP only (`port=0`: the lab's DNS role answers names). Each scope is a tag named after its
network: its `dhcp-range` (a dynamic range when the network sets one, else `static`, so only the
cadaster's MACs get an address), its router, DNS servers and search list as tagged `dhcp-option`s,
one `dhcp-host` per cadaster interface. Netbooting MACs carry the tag `elenta-netboot`:
`dhcp-boot` gives them the store's HTTP script once iPXE asks (user class `iPXE`), else
`ipxe.efi` or `undionly.kpxe` by client architecture, with the store host as next server.
"""

from __future__ import annotations

from elenta.dhcp.scopes import EFI_ARCHES, Scope, Server

LEASE_FILE = "/var/lib/misc/dnsmasq.leases"


def _scope_lines(scope: Scope) -> list[str]:
    tag = f"elenta-{scope.network}"
    lines = [f"# network {scope.network} ({scope.cidr}) on {scope.interface}"]
    mask = scope.cidr.netmask
    if scope.range is not None:
        lines.append(f"dhcp-range=set:{tag},{scope.range[0]},{scope.range[1]},{mask},{scope.lease}")
    else:
        lines.append(f"dhcp-range=set:{tag},{scope.cidr.network_address},static,{mask},{scope.lease}")
    if scope.prefix6 is not None:
        if scope.range6 is not None:
            low, high = scope.range6
            lines.append(f"dhcp-range=set:{tag},{low},{high},{scope.prefix6.prefixlen},{scope.lease}")
        else:
            net = scope.prefix6.network_address
            lines.append(f"dhcp-range=set:{tag},{net},static,{scope.prefix6.prefixlen},{scope.lease}")
    if scope.router is not None:
        lines.append(f"dhcp-option=tag:{tag},option:router,{scope.router}")
    if scope.dns4:
        lines.append(f"dhcp-option=tag:{tag},option:dns-server,{','.join(str(ip) for ip in scope.dns4)}")
    if scope.dns6:
        lines.append(f"dhcp-option=tag:{tag},option6:dns-server,{','.join(f'[{ip}]' for ip in scope.dns6)}")
    if scope.search:
        lines.append(f"dhcp-option=tag:{tag},option:domain-search,{','.join(scope.search)}")
        if scope.prefix6 is not None:
            lines.append(f"dhcp-option=tag:{tag},option6:domain-search,{','.join(scope.search)}")
    for r in scope.reservations:
        netboot = ",set:elenta-netboot" if r.netboot and scope.boot is not None else ""
        ip6 = f",[{r.ip6}]" if r.ip6 is not None and scope.prefix6 is not None else ""
        lines.append(f"dhcp-host={r.mac}{netboot},{r.ip}{ip6},{r.hostname}")
    return lines


def _boot_lines(scopes: tuple[Scope, ...]) -> list[str]:
    boot = next((s.boot for s in scopes if s.boot is not None), None)
    if boot is None:
        return []
    lines = ["# netbooting machines: PXE firmware gets iPXE, iPXE gets the netboot store's script"]
    lines.append("dhcp-userclass=set:elenta-ipxe,iPXE")
    lines += [f"dhcp-match=set:elenta-efi,option:client-arch,{arch}" for arch in EFI_ARCHES]
    on = "tag:elenta-netboot"
    lines.append(f"dhcp-boot={on},tag:elenta-ipxe,{boot.http_script},,{boot.next_server}")
    lines.append(f"dhcp-boot={on},tag:!elenta-ipxe,tag:elenta-efi,{boot.efi_file},,{boot.next_server}")
    lines.append(f"dhcp-boot={on},tag:!elenta-ipxe,tag:!elenta-efi,{boot.bios_file},,{boot.next_server}")
    return lines


def dnsmasq_text(server: Server, lease_file: str = LEASE_FILE, interfaces: list[str] | None = None) -> str:
    """The dnsmasq configuration of one server: `dnsmasq_text(dhcp_services(lab)[0])`.

    `interfaces` overrides the interfaces it listens on (default: each scope's interface).
    """
    listen = interfaces if interfaces is not None else list(dict.fromkeys(s.interface for s in server.scopes))
    domain = server.scopes[0].domain if server.scopes else ""
    lines = [
        f"# DHCP for {server.machine}, written by elenta from the cadaster: do not edit",
        "port=0",
        "bind-interfaces",
        *(f"interface={name}" for name in listen),
        f"dhcp-leasefile={lease_file}",
    ]
    if server.authoritative:
        lines.append("dhcp-authoritative")
    if domain:
        lines.append(f"domain={domain}")
    if server.serves_v6:
        lines.append("enable-ra")
    for scope in server.scopes:
        lines += _scope_lines(scope)
    lines += _boot_lines(server.scopes)
    return "\n".join(lines) + "\n"
