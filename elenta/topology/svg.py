"""The lab's picture as SVG, drawn by elenta itself (pure, byte-stable): `topology_svg(lab)`.

Graphviz lays text out with the fonts of the machine it runs on and writes its version into the
file, so its SVG differs between machines; the plan hashes its artifacts, so the plan's picture is
drawn here instead: same lab, same bytes, on any machine, with no program to install.

Three columns, left to right: the machines (one card each: canon name, kind and roles, guests, one
row per interface with its addresses, aliases under their interface), the switches (a card with a
row per cadaster port and its VLANs) and the networks (name, CIDR, IPv6 prefix, VLAN and link
type). A bold line is a cable (an interface on a switch port), a grey line a switch carrying a
network's VLAN, a dashed line an interface on a network with no known port. Text is monospace, so
its width is known without measuring fonts. Every text is escaped for XML; element ids are
generated (`m0`, `n0`), never taken from the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from elenta.model.lab import Lab
from elenta.topology.cards import MachineCard, Row, network_lines
from elenta.topology.graph import cards_of, lines_of

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
SIZE = 10  # font size, px
CHAR = 6  # width of one character at SIZE (monospace: 0.6 em)
LINE = 14  # height of one text line
PAD = 6  # inner padding of a card
GAP = 18  # between cards of a column
COLUMN_GAP = 150  # between columns: room for the lines
MARGIN = 20
TITLE = 30  # the picture's title band
NETWORK_FILL = "#dbeafe"
STYLES = {
    "cable": 'stroke="#333333" stroke-width="2.5"',
    "vlan": 'stroke="#888888" stroke-width="1.2"',
    "link": 'stroke="#4a78c2" stroke-width="1.2" stroke-dasharray="5,4"',
}


def _x(text: object) -> str:
    return escape(str(text), quote=True)


def _width(text: str) -> int:
    return len(text) * CHAR


@dataclass
class _Box:
    """A card placed in the picture; `anchors` maps an interface or port to the y of its row."""

    x: int
    y: int
    w: int
    h: int
    body: list[str]
    anchors: dict[str, int]


def _row_height(row: Row) -> int:
    return LINE * max(1, len(row.values)) + 2


def _card_size(card: MachineCard) -> tuple[int, int, int]:
    """(width, height, width of the name column) of a card."""
    rows = [*card.interfaces, *card.ports]
    names = max(
        (_width(("  " if r.interface is None and r.port is None else "") + r.name) for r in rows), default=0
    )
    values = max((_width(v) for r in rows for v in r.values), default=0)
    heads = [_width(card.title) + CHAR, _width(card.summary), _width(card.guests)]
    width = max([*heads, names + values + 3 * PAD]) + 2 * PAD
    height = LINE + 2 * PAD + LINE + (LINE if card.guests else 0) + sum(_row_height(r) for r in rows) + PAD
    return width, height, names + 2 * PAD


def _text(x: int, y: int, text: str, extra: str = "") -> str:
    return f'<text x="{x}" y="{y}"{extra}>{_x(text)}</text>'


def _card(card: MachineCard, ident: str, x: int, y: int) -> _Box:
    width, height, name_w = _card_size(card)
    body = [
        f'<g id="{ident}" class="machine">',
        f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="white" stroke="#444444"/>',
        f'<rect x="{x}" y="{y}" width="{width}" height="{LINE + PAD}" fill="{card.colour}" '
        'stroke="#444444"/>',
        _text(x + PAD, y + LINE, card.title, ' font-weight="bold"'),
    ]
    cursor = y + LINE + PAD
    body.append(_text(x + PAD, cursor + LINE - 2, card.summary, ' font-style="italic"'))
    cursor += LINE + 2
    if card.guests:
        body.append(_text(x + PAD, cursor + LINE - 2, card.guests, f' font-size="{SIZE - 1}"'))
        cursor += LINE
    anchors: dict[str, int] = {}
    for row in card.interfaces:
        height_row = _row_height(row)
        name = row.name if row.interface is not None else f"  {row.name}"
        body.append(_text(x + PAD, cursor + LINE - 2, name, ' xml:space="preserve"'))
        for i, value in enumerate(row.values):
            body.append(_text(x + name_w, cursor + LINE * (i + 1) - 2, value))
        if row.interface is not None:
            anchors[f"if:{row.interface}"] = cursor + height_row // 2
        cursor += height_row
    for row in card.ports:
        height_row = _row_height(row)
        body.append(
            f'<rect x="{x + 1}" y="{cursor}" width="{width - 2}" height="{height_row}" fill="#f0f0f0"/>'
        )
        body.append(_text(x + PAD, cursor + LINE - 2, row.name))
        body.append(_text(x + name_w, cursor + LINE - 2, row.values[0]))
        anchors[f"port:{row.port}"] = cursor + height_row // 2
        cursor += height_row
    anchors["head"] = y + (LINE + PAD) // 2
    body.append("</g>")
    return _Box(x, y, width, height, body, anchors)


def _network(lab: Lab, name: str, ident: str, x: int, y: int, width: int) -> _Box:
    lines = network_lines(lab, name)
    height = LINE * len(lines) + 2 * PAD
    body = [
        f'<g id="{ident}" class="network">',
        f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="14" fill="{NETWORK_FILL}" '
        'stroke="#4a78c2"/>',
    ]
    for i, text in enumerate(lines):
        bold = ' font-weight="bold"' if i == 0 else ""
        body.append(_text(x + width // 2, y + PAD + LINE * (i + 1) - 3, text, f' text-anchor="middle"{bold}'))
    body.append("</g>")
    return _Box(x, y, width, height, body, {"head": y + height // 2})


def _column_order(lab: Lab, cards: dict[str, MachineCard]) -> tuple[list[str], list[str]]:
    """(machines, switches): machines cabled to a switch first, in the order of their ports."""
    switches = [s for s, c in cards.items() if c.ports or lab.cadaster.machines[s].switch is not None]
    cabled = [line.machine for line in lines_of(lab) if line.kind == "cable"]
    order = list(dict.fromkeys(m for m in cabled if m not in switches))
    order += [m for m in cards if m not in switches and m not in order]
    return order, switches


def _stack(heights: list[int], total: int) -> list[int]:
    """Tops of boxes stacked with GAP, centred in a band of height `total` below the title."""
    used = sum(heights) + GAP * max(0, len(heights) - 1)
    y = TITLE + MARGIN + max(0, (total - used) // 2)
    tops = []
    for h in heights:
        tops.append(y)
        y += h + GAP
    return tops


def _detour(x1: int, y1: int, x2: int, y2: int, around: tuple[int, int, int, int], k: int, style: str) -> str:
    """A line from a machine to a network that passes the switch column above or below it."""
    left, right, top, bottom = around
    mid = (y1 + y2) // 2
    if top - GAP <= mid <= bottom + GAP:
        mid = top - GAP - k * 7 if mid - top < bottom - mid else bottom + GAP + k * 7
    a, b = (left + x1) // 2, (right + x2) // 2
    return (
        f'<path d="M {x1} {y1} C {a} {y1}, {a} {mid}, {left} {mid} L {right} {mid} C {b} {mid}, {b} {y2}, '
        f'{x2} {y2}" fill="none" {style}/>'
    )


def topology_svg(lab: Lab) -> str:
    """The SVG text of the lab's topology: `topology_svg(load_lab("examples/lab"))`."""
    cards = cards_of(lab)
    machines, switches = _column_order(lab, cards)
    networks = list(lab.cadaster.networks)
    columns: list[list[str]] = [machines, switches]
    sizes = {short: _card_size(card) for short, card in cards.items()}
    net_width = max((_width(t) for n in networks for t in network_lines(lab, n)), default=0) + 4 * PAD
    net_heights = [LINE * len(network_lines(lab, n)) + 2 * PAD for n in networks]

    def height_of(heights: list[int]) -> int:
        return sum(heights) + GAP * max(0, len(heights) - 1)

    band = max([height_of([sizes[m][1] for m in col]) for col in columns] + [height_of(net_heights)])
    boxes: dict[str, _Box] = {}
    x = MARGIN
    ids = {short: f"m{i}" for i, short in enumerate(cards)}
    for col in columns:
        if not col:
            continue
        width = max(sizes[m][0] for m in col)
        for short, top in zip(col, _stack([sizes[m][1] for m in col], band), strict=True):
            boxes[short] = _card(cards[short], ids[short], x, top)
        x += width + COLUMN_GAP
    nets: dict[str, _Box] = {}
    for i, (name, top) in enumerate(zip(networks, _stack(net_heights, band), strict=True)):
        nets[name] = _network(lab, name, f"n{i}", x, top, net_width)
    total_w = (x + net_width if networks else x - COLUMN_GAP) + MARGIN
    total_h = TITLE + 2 * MARGIN + band
    paths: list[str] = []
    detours = 0
    labels: list[str] = []
    middle = [boxes[s] for s in switches]
    around = (
        (min(b.x for b in middle), max(b.x + b.w for b in middle), min(b.y for b in middle),
         max(b.y + b.h for b in middle))
        if middle
        else None
    )  # fmt: skip
    for line in lines_of(lab):
        start = boxes[line.machine]
        if line.kind == "cable":
            end, y2 = boxes[line.target], boxes[line.target].anchors[f"port:{line.port}"]
            x1, y1 = start.x + start.w, start.anchors[f"if:{line.interface}"]
        elif line.kind == "vlan":
            end, y2 = nets[line.target], nets[line.target].anchors["head"]
            x1, y1 = start.x + start.w, start.anchors["head"]
        else:
            end, y2 = nets[line.target], nets[line.target].anchors["head"]
            x1, y1 = start.x + start.w, start.anchors[f"if:{line.interface}"]
        x2 = end.x
        bend = max(40, (x2 - x1) // 3)
        if (
            line.kind == "link" and around is not None and x1 <= around[0]
        ):  # past the switches: above or below
            paths.append(_detour(x1, y1, x2, y2, around, detours, STYLES[line.kind]))
            detours += 1
            continue
        paths.append(
            f'<path d="M {x1} {y1} C {x1 + bend} {y1}, {x2 - bend} {y2}, {x2} {y2}" fill="none" '
            f"{STYLES[line.kind]}/>"
        )
        if line.label:
            labels.append(
                _text(x2 - bend // 2, y2 - 4, line.label, f' font-size="{SIZE - 1}" text-anchor="middle"')
            )
    heading = f"{lab.cadaster.domain}: the lab's networks, switches and machines"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
        f'viewBox="0 0 {total_w} {total_h}" font-family="{FONT}" font-size="{SIZE}">',
        f"<title>{_x(heading)}</title>",
        f'<rect width="{total_w}" height="{total_h}" fill="white"/>',
        _text(MARGIN, MARGIN + 4, heading, ' font-size="13" font-weight="bold"'),
        '<g class="lines">',
        *paths,
        "</g>",
    ]
    for box in [*boxes.values(), *nets.values()]:
        out += box.body
    out += ['<g class="labels">', *labels, "</g>", "</svg>"]
    return "\n".join(out) + "\n"
