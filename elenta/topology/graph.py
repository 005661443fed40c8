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

from dataclasses import dataclass
from html import escape

from elenta.model.lab import Lab
from elenta.subsystem import provided
from elenta.topology.cards import MachineCard, machine_card, network_lines

FONT = "Helvetica"


@dataclass(frozen=True)
class Line:
    """One line of the picture: `kind` is cable (interface to switch port), vlan (switch carrying a
    network) or link (interface on a network with no known port)."""

    kind: str
    machine: str
    interface: str | None  # cable, link: the machine's interface; vlan: None
    target: str  # cable: the switch; vlan, link: the network
    port: str | None = None  # cable: the switch port
    label: str = ""  # vlan: "VLAN 10"


def lines_of(lab: Lab) -> list[Line]:
    """Every line of the picture, in drawing order: cables, then VLANs, then links."""
    cad = lab.cadaster
    rows = provided(lab, "switch_ports", [])  # the switch subsystem's port map, if registered
    out: list[Line] = []
    cabled: set[tuple[str, str]] = set()
    for row in rows:
        if not row.machine or row.interface not in cad.machines[row.machine].interfaces:
            continue
        out.append(Line("cable", row.machine, row.interface, row.switch, row.port))
        cabled.add((row.machine, row.interface))
    switched = provided(lab, "switched_networks", {})
    for network, carriers in switched.items():
        if network not in cad.networks:
            continue
        vlan = cad.networks[network].vlan
        out += [Line("vlan", s, None, network, label=f"VLAN {vlan}" if vlan else "") for s in carriers]
    for short, spec in cad.machines.items():
        for if_name, iface in spec.interfaces.items():
            if (short, if_name) in cabled or iface.network not in cad.networks:
                continue
            if spec.switch is not None and iface.network in switched:
                continue  # the switch's management interface: drawn as the VLAN it carries
            out.append(Line("link", short, if_name, iface.network))
    return out


def cards_of(lab: Lab) -> dict[str, MachineCard]:
    """Every machine's card, in cadaster order."""
    rows = provided(lab, "switch_ports", [])  # the switch subsystem's port map, if registered
    return {
        short: machine_card(lab, short, [r for r in rows if r.switch == short])
        for short in lab.cadaster.machines
    }


def _html(text: object) -> str:
    return escape(str(text), quote=True)


def _machine_label(card: MachineCard) -> str:
    rows = [
        f'<TR><TD COLSPAN="2" BGCOLOR="{card.colour}"><B>{_html(card.title)}</B></TD></TR>',
        f'<TR><TD COLSPAN="2"><I>{_html(card.summary)}</I></TD></TR>',
    ]
    if card.guests:
        rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="9">{_html(card.guests)}</FONT></TD></TR>')
    for row in card.interfaces:
        if row.interface is None:  # an alias, under its interface
            name, value = _html(row.name), _html(row.values[0])
            rows.append(f'<TR><TD ALIGN="LEFT">  {name}</TD><TD ALIGN="LEFT">{value}</TD></TR>')
            continue
        rows.append(
            f'<TR><TD ALIGN="LEFT">{_html(row.name)}</TD><TD ALIGN="LEFT" PORT="{_port_id(card, row.name)}">'
            f"{'<BR/>'.join(_html(a) for a in row.values)}</TD></TR>"
        )
    for j, row in enumerate(card.ports):
        rows.append(
            f'<TR><TD ALIGN="LEFT" PORT="p{j}" BGCOLOR="#f0f0f0">{_html(row.name)}</TD>'
            f'<TD ALIGN="LEFT" BGCOLOR="#f0f0f0">{_html(row.values[0])}</TD></TR>'
        )
    body = "".join(rows)
    return f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">{body}</TABLE>>'


def _port_id(card: MachineCard, interface: str) -> str:
    """The DOT port of an interface row: `i0`, `i1`, … in interface order (never a model string)."""
    names = [r.interface for r in card.interfaces if r.interface is not None]
    return f"i{names.index(interface)}"


def _network_label(lab: Lab, name: str) -> str:
    lines = network_lines(lab, name)
    return "<" + "<BR/>".join([f"<B>{_html(lines[0])}</B>", *(_html(x) for x in lines[1:])]) + ">"


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
    cards = cards_of(lab)
    machine_ids = {short: f"m{i}" for i, short in enumerate(cad.machines)}
    for short, node in machine_ids.items():
        lines.append(f"  {node} [shape=plain, label={_machine_label(cards[short])}];")
    for line in lines_of(lab):
        node = machine_ids[line.machine]
        if line.kind == "cable":
            here = f"{node}:{_port_id(cards[line.machine], line.interface or '')}:e"
            j = [r.port for r in cards[line.target].ports].index(line.port)
            lines.append(f'  {here} -- {machine_ids[line.target]}:p{j}:w [penwidth=2.5, color="#333333"];')
        elif line.kind == "vlan":
            label = f'label="{line.label}", ' if line.label else ""
            lines.append(f'  {node} -- {net_ids[line.target]} [{label}color="#888888"];')
        else:
            here = f"{node}:{_port_id(cards[line.machine], line.interface or '')}:e"
            lines.append(f'  {here} -- {net_ids[line.target]} [style=dashed, color="#4a78c2"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
