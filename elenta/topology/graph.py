"""The lab as a Graphviz graph (pure): `topology_dot(lab)` -> DOT text.

- each network is an ellipse: name, CIDR (and IPv6 prefix), VLAN, link type;
- each machine a table: canon name, kind and roles (VMs and containers beside), one row per
  interface with its addresses (aliases indented);
- each switch a table with one row per cadaster port and its VLANs;
- a bold line is a cable (an interface on a switch port), a dashed line an interface on a network
  with no port known (wifi, or an unswitched network), a grey line a switch carrying a VLAN.

Every text reaching the graph is escaped for Graphviz's HTML-like labels; node names are
generated (`m0`, `n0`), never taken from the model.
"""

from __future__ import annotations

from html import escape

from elenta.inventory import machine_subsystems
from elenta.model.lab import Lab
from elenta.subsystem import provided

FONT = "Helvetica"
KIND_COLOURS = {
    "nixos": "#e0ecff",
    "router": "#ffe8cc",
    "switch": "#e5e5e5",
    "modem": "#f3e0ff",
    "other": "#f5f5f5",
}


def _html(text: object) -> str:
    return escape(str(text), quote=True)


def _machine_label(lab: Lab, short: str, ports: dict[str, str], switch_rows: list) -> str:
    spec = lab.cadaster.machines[short]
    colour = KIND_COLOURS.get(spec.kind, "#f5f5f5")
    roles = lab.roles_of(short)
    served = [s for s in machine_subsystems(lab, short) if s != "nixos" and s not in roles]
    summary = " · ".join([spec.kind] + ([", ".join(roles)] if roles else []))
    if served:
        summary += f" · serves {', '.join(served)}"
    guests = []
    for hp in lab.placements.get(short, []):
        guests += [f"vm {n}" for n in hp.placement.vms] + [f"container {n}" for n in hp.placement.containers]
    rows = [
        f'<TR><TD COLSPAN="2" BGCOLOR="{colour}"><B>{_html(lab.canon(short))}</B></TD></TR>',
        f'<TR><TD COLSPAN="2"><I>{_html(summary)}</I></TD></TR>',
    ]
    if guests:
        rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="9">{_html(", ".join(guests))}</FONT></TD></TR>')
    for i, (if_name, iface) in enumerate(spec.interfaces.items()):
        net = lab.cadaster.networks.get(iface.network)
        addresses = [str(iface.ip)]
        ip6 = iface.address6(net)
        if ip6 is not None:
            addresses.append(str(ip6))
        ports[if_name] = f"i{i}"
        rows.append(
            f'<TR><TD ALIGN="LEFT">{_html(if_name)}</TD>'
            f'<TD ALIGN="LEFT" PORT="i{i}">{"<BR/>".join(_html(a) for a in addresses)}</TD></TR>'
        )
        for alias_name, alias in iface.aliases.items():
            rows.append(
                f'<TR><TD ALIGN="LEFT">  {_html(alias_name)}</TD><TD ALIGN="LEFT">{_html(alias.ip)}</TD></TR>'
            )
    for j, row in enumerate(switch_rows):
        rows.append(
            f'<TR><TD ALIGN="LEFT" PORT="p{j}" BGCOLOR="#f0f0f0">{_html(row.port)}</TD>'
            f'<TD ALIGN="LEFT" BGCOLOR="#f0f0f0">{_html(row.vlan)}</TD></TR>'
        )
    body = "".join(rows)
    return f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">{body}</TABLE>>'


def _network_label(lab: Lab, name: str) -> str:
    net = lab.cadaster.networks[name]
    lines = [f"<B>{_html(name)}</B>", _html(net.cidr)]
    if net.prefix6 is not None:
        lines.append(_html(net.prefix6))
    lines.append(_html(f"VLAN {net.vlan} · {net.link}" if net.vlan else net.link))
    return "<" + "<BR/>".join(lines) + ">"


def topology_dot(lab: Lab) -> str:
    """The DOT text of the lab's topology: `topology_dot(load_lab("examples/lab"))`."""
    cad = lab.cadaster
    lines = [
        "graph topology {",
        f'  graph [rankdir=LR, fontname="{FONT}", labelloc=t, nodesep=0.3, ranksep=1.2, '
        f"label=<<B>{_html(cad.domain)}</B>: the lab's networks, switches and machines>];",
        f'  node [fontname="{FONT}", fontsize=10];',
        f'  edge [fontname="{FONT}", fontsize=9];',
    ]
    net_ids = {name: f"n{i}" for i, name in enumerate(cad.networks)}
    for name, node in net_ids.items():
        lines.append(
            f'  {node} [shape=ellipse, style=filled, fillcolor="#dbeafe", label={_network_label(lab, name)}];'
        )
    rows = provided(lab, "switch_ports", [])  # the switch subsystem's port map, if registered
    machine_ids = {short: f"m{i}" for i, short in enumerate(cad.machines)}
    iface_ports: dict[str, dict[str, str]] = {}
    for short, node in machine_ids.items():
        own_rows = [r for r in rows if r.switch == short]
        iface_ports[short] = {}
        label = _machine_label(lab, short, iface_ports[short], own_rows)
        lines.append(f"  {node} [shape=plain, label={label}];")
    cabled: set[tuple[str, str]] = set()
    for j_row in rows:
        if not j_row.machine or j_row.interface not in iface_ports.get(j_row.machine, {}):
            continue
        j = [r for r in rows if r.switch == j_row.switch].index(j_row)
        here = f"{machine_ids[j_row.machine]}:{iface_ports[j_row.machine][j_row.interface]}:e"
        lines.append(f'  {here} -- {machine_ids[j_row.switch]}:p{j}:w [penwidth=2.5, color="#333333"];')
        cabled.add((j_row.machine, j_row.interface))
    for network, carriers in provided(lab, "switched_networks", {}).items():
        if network not in net_ids:
            continue
        vlan = cad.networks[network].vlan
        for switch in carriers:
            label = f'label="VLAN {vlan}", ' if vlan else ""
            lines.append(f'  {machine_ids[switch]} -- {net_ids[network]} [{label}color="#888888"];')
    switched = provided(lab, "switched_networks", {})
    for short, spec in cad.machines.items():
        for if_name, iface in spec.interfaces.items():
            if (short, if_name) in cabled or iface.network not in net_ids:
                continue
            if spec.switch is not None and iface.network in switched:
                continue  # the switch's management interface: drawn as the VLAN it carries
            here = f"{machine_ids[short]}:{iface_ports[short][if_name]}:e"
            lines.append(f'  {here} -- {net_ids[iface.network]} [style=dashed, color="#4a78c2"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
