"""The topology picture, the port map and the cabling warning of `elenta check`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from elenta.compile.plan import build_plan
from elenta.model.lab import load_lab
from elenta.switch.ports import port_map, unplugged
from elenta.topology.artifacts import SVG_PATH
from tests.cli import run_elenta
from tests.conftest import EXAMPLE_LAB, REPO

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    """Every text Graphviz wrote into an SVG (labels, table cells, edge labels)."""
    root = ET.parse(path).getroot()
    return [el.text.strip() for el in root.iter(f"{SVG}text") if el.text and el.text.strip()]


def test_example_lab_svg_shows_every_machine_network_and_port(tmp_path: Path) -> None:
    out = tmp_path / "lab.svg"
    proc = run_elenta("topology", "--out", str(out), "--lab", str(EXAMPLE_LAB), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    # The plan's picture, byte for byte: one drawing.
    assert out.read_bytes() == build_plan(load_lab(EXAMPLE_LAB)).artifact("topology", None, SVG_PATH)
    texts = svg_texts(out)
    lab = load_lab(EXAMPLE_LAB)
    for short, machine in lab.cadaster.machines.items():
        assert lab.canon(short) in texts
        for iface in machine.interfaces.values():
            assert str(iface.ip) in texts
        if machine.switch is not None:
            for port in machine.switch.ports:
                assert port in texts, port
    for name, net in lab.cadaster.networks.items():
        assert name in texts and str(net.cidr) in texts
    assert "VLAN 10" in texts and "10 (lab)" in texts
    assert "nixos · firewall · serves dhcp" in texts  # roles and the subsystems they serve
    # The cables: one bold edge per machine interface on a switch port.
    root = ET.parse(out).getroot()
    cables = [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "2.5"]
    assert len(cables) == len([r for r in port_map(lab) if r.machine])


def test_committed_example_picture_is_current() -> None:
    """docs/topology.svg shows the example lab (`elenta topology --out docs/topology.svg`)."""
    committed = REPO / "docs" / "topology.svg"
    texts = svg_texts(committed)
    lab = load_lab(EXAMPLE_LAB)
    assert all(lab.canon(short) in texts for short in lab.cadaster.machines)


def test_port_map_and_unplugged_interface() -> None:
    lab = load_lab(EXAMPLE_LAB)
    rows = {(r.switch, r.port): (r.vlan, r.plugged) for r in port_map(lab)}
    assert rows[("sw1", "FastEthernet0/1")] == ("10 (lab)", "toto:enp2s0")
    assert rows[("sw1", "GigabitEthernet0/1")] == ("trunk 10 (lab), 30 (wifi); native 10 (lab)", "wrt:lan")
    # hermes sits on the switched lab network but on no port; wifi interfaces are never on ports,
    # the home network is not switched (the modem and ifrit's wan0 pass).
    (fault,) = unplugged(lab)
    assert fault.key == "machines.hermes.interfaces.eth0"
    assert "switched network 'lab' (carried by sw1)" in fault.message


def test_check_warns_and_ports_table(example_lab_copy: Path) -> None:
    proc = run_elenta("check", str(example_lab_copy), cwd=REPO)
    assert proc.returncode == 0
    assert "warning: " in proc.stderr and "machines.hermes.interfaces.eth0" in proc.stderr
    cadaster = example_lab_copy / "cadaster.toml"
    cadaster.write_text(
        cadaster.read_text().replace(
            '[machines.sw1.switch.ports."GigabitEthernet0/1"]',
            '[machines.sw1.switch.ports."FastEthernet0/5"]\nmachine = "hermes"\n\n'
            '[machines.sw1.switch.ports."GigabitEthernet0/1"]',
        )
    )
    proc = run_elenta("check", str(example_lab_copy), cwd=REPO)
    assert proc.returncode == 0 and "hermes" not in proc.stderr, proc.stderr
    proc = run_elenta("net", "ports", "--lab", str(example_lab_copy), cwd=REPO)
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["switch", "port", "VLAN", "machine:interface"]
    assert "sw1     FastEthernet0/5     10 (lab)" in proc.stdout and "hermes:eth0" in proc.stdout


def test_plan_carries_the_dot() -> None:
    plan = build_plan(load_lab(EXAMPLE_LAB))
    dot = plan.artifact("topology", None, "topology/lab.dot").decode()
    assert dot.startswith("graph topology {") and "toto.canon" in dot


def _cables(svg: bytes) -> dict[tuple[str, int], tuple[str, int]]:
    """Each bold line of a picture: (machine card, y where it leaves) -> (switch card, y where it ends)."""
    root = ET.fromstring(svg)
    cards = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "machine":
            rect = group.find(f"{SVG}rect")
            title = next(t.text for t in group.iter(f"{SVG}text"))
            assert rect is not None and title
            cards.append((title, *(int(rect.get(k, "")) for k in ("x", "y", "width", "height"))))

    def owner(x: int, y: int) -> str:
        (title,) = [t for t, cx, cy, w, h in cards if x in (cx, cx + w) and cy <= y <= cy + h]
        return title

    out = {}
    for path in root.iter(f"{SVG}path"):
        if path.get("stroke-width") == "2.5":
            words = (path.get("d") or "").replace(",", " ").split()
            x1, y1, x2, y2 = int(words[1]), int(words[2]), int(words[-2]), int(words[-1])
            out[(owner(x1, y1), y1)] = (owner(x2, y2), y2)
    return out


def test_plan_picture_is_svg_byte_stable_and_follows_the_cadaster(example_lab_copy: Path) -> None:
    """The plan's `topology/lab.svg`: parsed, the same bytes (and plan hash) on every build, and a
    cable moved in the cadaster moves in the picture."""
    lab = load_lab(EXAMPLE_LAB)
    first, second = build_plan(lab), build_plan(load_lab(EXAMPLE_LAB))
    svg = first.artifact("topology", None, SVG_PATH)
    assert svg == second.artifact("topology", None, SVG_PATH) and first.hash == second.hash
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox", "").startswith("0 0 ")
    texts = [el.text for el in root.iter(f"{SVG}text") if el.text]
    assert all(lab.canon(short) in texts for short in lab.cadaster.machines)
    cables = _cables(svg)
    assert sorted(src for src, _ in cables) == sorted(
        lab.canon(r.machine) for r in port_map(lab) if r.machine
    )  # fmt: skip
    assert {dst for dst, _ in cables.values()} == {"sw1.canon"}
    # toto's port is now FastEthernet0/5: its cable ends on the row that names that port.
    cadaster = example_lab_copy / "cadaster.toml"
    text = cadaster.read_text()
    old, new = (
        '[machines.sw1.switch.ports."FastEthernet0/1"]',
        '[machines.sw1.switch.ports."FastEthernet0/5"]',
    )
    assert old in text
    cadaster.write_text(text.replace(old, new))
    moved = build_plan(load_lab(example_lab_copy)).artifact("topology", None, SVG_PATH)
    assert moved != svg and b">FastEthernet0/1<" not in moved
    ((switch, y),) = [v for k, v in _cables(moved).items() if k[0] == "toto.canon"]
    (row,) = [el for el in ET.fromstring(moved).iter(f"{SVG}text") if el.text == "FastEthernet0/5"]
    assert switch == "sw1.canon" and abs(int(row.get("y", "")) - y) < 14


def test_the_picture_needs_no_graphviz(tmp_path: Path) -> None:
    """Drawn by elenta: the same bytes with no `dot` on PATH (a fresh machine, a CI runner)."""
    import os
    import sys

    out = tmp_path / "lab.svg"
    env = dict(os.environ, PATH=str(Path(sys.executable).parent))
    proc = run_elenta("topology", "--out", str(out), "--lab", str(EXAMPLE_LAB), cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == build_plan(load_lab(EXAMPLE_LAB)).artifact("topology", None, SVG_PATH)
    png = run_elenta(
        "topology", "--out", str(tmp_path / "lab.png"), "--lab", str(EXAMPLE_LAB), cwd=REPO, env=env
    )
    assert png.returncode == 2 and "Graphviz's `dot` is not installed" in png.stderr


def test_a_lab_without_switches_is_drawn_too(tmp_path: Path) -> None:
    """No switch column: each interface is a dashed line to its network (and the file parses as XML)."""
    from elenta.topology.svg import topology_svg

    (tmp_path / "cadaster.toml").write_text(
        'domain = "canon"\n[networks.lab]\ncidr = "127.0.1.0/24"\n[networks.home]\ncidr = "127.0.2.0/24"\n'
        "[machines.toto]\n"
        '[machines.toto.interfaces.enp2s0]\nnetwork = "lab"\nip = "127.0.1.2"\n'
        'aliases.enp2s0_dns = { ip = "127.0.1.53", name = "dns" }\n'
        '[machines.toto.interfaces.enp3s0]\nnetwork = "home"\nip = "127.0.2.2"\n'
    )
    svg = topology_svg(load_lab(tmp_path))
    root = ET.fromstring(svg)
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert {"toto.canon", "enp2s0", "127.0.1.2", "127.0.1.53", "lab", "home", "127.0.2.0/24"} <= set(texts)
    lines = [p.get("stroke-dasharray") for p in root.iter(f"{SVG}path")]
    assert lines == ["5,4", "5,4"]
