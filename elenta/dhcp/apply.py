"""`elenta dhcp plan|check|apply` below the task: what each DHCP server serves, checked, deployed.

`plan_report(lab)` lists per server its networks, reservations and options; `check(lab)` runs the
servers' own parsers on this machine (before any host is touched); `apply(lab)` checks, then runs
`elenta.deploys.dhcp` on the DHCP hosts through the deploy pipeline (`elenta.pipeline.subsystem_run`).
"""

from __future__ import annotations

from elenta.dhcp.render import server_files
from elenta.dhcp.scopes import Server, dhcp_services
from elenta.dhcp.validate import check_config
from elenta.model.lab import Lab
from elenta.pipeline.pyinfra_command import pyinfra_command
from elenta.pipeline.subsystem_run import apply_subsystem


def server_report(server: Server, lab: Lab) -> str:
    """One server's networks and reservations as text lines."""
    lines = [f"{lab.canon(server.machine)}: {server.kind}"]
    for scope in server.scopes:
        pool = f"{scope.range[0]}-{scope.range[1]}" if scope.range else "none (cadaster MACs only)"
        dns = ", ".join(str(ip) for ip in scope.dns) or "-"
        lines.append(
            f"  {scope.network} {scope.cidr} on {scope.interface}: router {scope.router or '-'}, dns {dns}, "
            f"search {', '.join(scope.search)}, lease {scope.lease}s, range {pool}"
        )
        if scope.prefix6 is not None:
            lines.append(f"    IPv6 {scope.prefix6}")
        for r in scope.reservations:
            extra = f" {r.ip6}" if r.ip6 else ""
            boot = " (netboot)" if r.netboot and scope.boot else ""
            lines.append(f"    {r.mac}  {r.ip}{extra}  {r.hostname}{boot}")
        if scope.boot is not None:
            lines.append(
                f"    iPXE: next-server {scope.boot.next_server}, {scope.boot.bios_file} / "
                f"{scope.boot.efi_file}, then {scope.boot.http_script}"
            )
    return "\n".join(lines)


def plan_report(lab: Lab) -> str:
    """Every DHCP server with what it serves, and what changes against the applied plan.

    `print(plan_report(load_lab("examples/lab")))`
    """
    servers = dhcp_services(lab)
    if not servers:
        return "no machine carries a role with dhcp"
    return "\n".join(server_report(s, lab) + "\n" + change_report(s, lab) for s in servers)


def change_report(server: Server, lab: Lab) -> str:
    """`  against applied plan ab12…: + lab: 52:54:… 127.0.1.9 newbox.canon` (or no change)."""
    from elenta.compile.rollout import applied_plan
    from elenta.dhcp.diff import diff_configs, read_config

    applied = applied_plan(lab)
    if applied is None:
        return "  against the applied plan: nothing applied yet"
    old = {}
    for name in server_files(server):
        try:
            old[name] = applied.artifact("dhcp", server.machine, f"dhcp/{server.machine}/{name}").decode()
        except KeyError:
            continue
    lines = diff_configs(read_config(old), read_config(server_files(server)))
    head = f"  against applied plan {applied.short}:"
    return f"{head} no change" if not lines else "\n".join([head, *(f"    {line}" for line in lines)])


def check(lab: Lab) -> list[str]:
    """Check every server's files with its own parser here; raise DhcpConfigError on the first refusal.

    `check(lab)` -> `["ifrit: kea-dhcp4.conf accepted by kea-dhcp4"]`
    """
    out = []
    for server in dhcp_services(lab):
        files = server_files(server)
        check_config(
            server.kind, files, [s.interface for s in server.scopes], where=lab.canon(server.machine)
        )
        out += [f"{lab.canon(server.machine)}: {name} accepted by its server's parser" for name in files]
    return out


def apply_command(lab: Lab, no_dns: bool = False) -> tuple[list[str], dict[str, str]]:
    """The pyinfra command line and environment `elenta dhcp apply` runs, to run by hand."""
    canons = [lab.canon(s.machine) for s in dhcp_services(lab)]
    return pyinfra_command(lab, canons, no_dns=no_dns, subsystems=("dhcp",))


def apply(lab: Lab, no_dns: bool = False) -> str:
    """Check every server's files, then install them on the DHCP hosts: `apply(lab, no_dns=True)`."""
    if not dhcp_services(lab):
        return "no machine carries a role with dhcp: nothing to do"
    check(lab)  # refuse before any host is touched
    machines = list(dict.fromkeys(s.machine for s in dhcp_services(lab)))
    return apply_subsystem(lab, "dhcp", machines, no_dns=no_dns)
