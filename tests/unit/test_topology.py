"""The topology picture, the port map and the cabling warning of `elenta check`."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from elenta.compile.plan import build_plan
from elenta.model.lab import load_lab
from elenta.switch.ports import port_map, unplugged
from tests.cli import run_elenta
from tests.conftest import EXAMPLE_LAB, REPO

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    """Every text Graphviz wrote into an SVG (labels, table cells, edge labels)."""
    root = ET.parse(path).getroot()
    return [el.text.strip() for el in root.iter(f"{SVG}text") if el.text and el.text.strip()]


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz (dot) is not installed (.ci/deps/topology.apt)"
)
def test_example_lab_svg_shows_every_machine_network_and_port(tmp_path: Path) -> None:
    out = tmp_path / "lab.svg"
    proc = run_elenta("topology", "--out", str(out), "--lab", str(EXAMPLE_LAB), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
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
