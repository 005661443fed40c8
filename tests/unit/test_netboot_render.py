"""iPXE rendering, MAC introspection parsing and the plan's netboot artifacts (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from elenta.compile.artifacts import registered_builders
from elenta.facts.netboot import parse_interface_macs
from elenta.model.lab import load_lab
from elenta.netboot.build import build_attribute
from elenta.netboot.errors import NetbootError
from elenta.netboot.introspect import choose_mac
from elenta.netboot.place import boot_target, machine_of_mac, role_of_config
from elenta.netboot.render import (
    BootSpec,
    generation_script,
    hexhyp,
    parse_ipxe_script,
    pixiecore_boot,
    top_script,
)

LAB = Path(__file__).resolve().parents[2] / "examples" / "lab"

# The script NixOS's netboot module writes (nixos/modules/installer/netboot/netboot.nix).
NIXOS_SCRIPT = """#!ipxe
# Use the cmdline variable to allow the user to specify custom kernel params
# when chainloading this script from other iPXE scripts like netboot.xyz
kernel bzImage init=/nix/store/abc-nixos-system/init initrd=initrd loglevel=4 ${cmdline}
initrd initrd
boot
"""


def test_hexhyp_is_what_ipxe_expands_mac_hexhyp_to() -> None:
    assert hexhyp("52:54:00:AB:cd:EF") == "52-54-00-ab-cd-ef"
    assert hexhyp("52-54-00-ab-cd-ef") == "52-54-00-ab-cd-ef"
    with pytest.raises(ValueError, match="not a MAC"):
        hexhyp("52:54:00:ab:cd")


def test_parse_nixos_netboot_script() -> None:
    spec = parse_ipxe_script(NIXOS_SCRIPT)
    assert spec == BootSpec(
        "bzImage", ("initrd",), "init=/nix/store/abc-nixos-system/init initrd=initrd loglevel=4 ${cmdline}"
    )


@pytest.mark.parametrize(
    ("text", "fault"),
    [("kernel bzImage\nboot\n", "first line must be #!ipxe"), ("#!ipxe\ninitrd initrd\nboot\n", "no kernel")],
)
def test_parse_rejects_what_cannot_boot(text: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        parse_ipxe_script(text)


def test_generation_script_names_only_its_own_generation_files() -> None:
    script = generation_script("g1", parse_ipxe_script(NIXOS_SCRIPT), title="hermes")
    loads = [line.split()[1] for line in script.splitlines() if line.split()[:1] in (["kernel"], ["initrd"])]
    assert loads == ["generations/g1/bzImage", "generations/g1/initrd"]
    assert script.startswith("#!ipxe\n# hermes\n")
    assert "init=/nix/store/abc-nixos-system/init initrd=initrd loglevel=4 ${cmdline}" in script
    assert script.rstrip().endswith("boot")


def test_top_script_chains_by_mac_hexhyp() -> None:
    assert "chain ${mac:hexhyp}/boot.ipxe || goto unknown" in top_script()
    assert "chain http://${next-server}:8080/${mac:hexhyp}/boot.ipxe" in top_script(
        "http://${next-server}:8080/"
    )


def test_pixiecore_answer_drops_the_ipxe_variable() -> None:
    answer = pixiecore_boot("http://h:1/52-54-00-00-01-05", "g1", parse_ipxe_script(NIXOS_SCRIPT))
    assert answer == {
        "kernel": "http://h:1/52-54-00-00-01-05/generations/g1/bzImage",
        "initrd": ["http://h:1/52-54-00-00-01-05/generations/g1/initrd"],
        "cmdline": "init=/nix/store/abc-nixos-system/init initrd=initrd loglevel=4",
    }


def test_plan_artifacts_name_each_netbooting_machine() -> None:
    lab = load_lab(LAB)
    artifacts = list(registered_builders()["netboot"](lab))
    paths = {a.path: a for a in artifacts}
    assert set(paths) == {"netboot/boot.ipxe", "netboot/52-54-00-00-01-05/inputs.json"}
    inputs = paths["netboot/52-54-00-00-01-05/inputs.json"]
    assert inputs.machine == "hermes"
    assert b'"config": ".#netboot"' in inputs.content


def test_boot_target_and_reverse_lookup_from_the_cadaster() -> None:
    lab = load_lab(LAB)
    target = boot_target(lab, "hermes.canon")
    assert (target.machine, target.mac, target.interface) == ("hermes", "52:54:00:00:01:05", "eth0")
    assert machine_of_mac(lab, "52-54-00-00-01-05") == "hermes"
    assert machine_of_mac(lab, "52:54:00:99:99:99") == ""
    with pytest.raises(NetbootError, match=r"cadaster.toml: machines: no machine named 'hermez.canon'"):
        boot_target(lab, "hermez.canon")


def test_build_attribute_follows_nixos_netboot_paths() -> None:
    assert build_attribute(".#netboot", Path("/lab"), "kernel") == (
        "path:/lab#nixosConfigurations.netboot.config.system.build.kernel"
    )
    assert (
        build_attribute("/x#nixosConfigurations.n", Path("/lab"), "netbootRamdisk")
        == "path:/x#nixosConfigurations.n.config.system.build.netbootRamdisk"
    )
    assert role_of_config(".#nixosConfigurations.netboot") == "netboot"
    with pytest.raises(NetbootError, match="flake reference"):
        build_attribute("netboot", Path("/lab"), "kernel")


def test_introspected_macs_pick_the_cadaster_interface_else_the_only_link_up() -> None:
    macs = parse_interface_macs(
        ["lo 00:00:00:00:00:00 unknown", "eth0 52:54:00:00:01:05 up", "ifb0 c6:22:1b:68:c8:aa down", "junk"]
    )
    assert macs == {"eth0": ("52:54:00:00:01:05", True), "ifb0": ("c6:22:1b:68:c8:aa", False)}
    assert choose_mac(macs, "ifb0", "m") == "c6:22:1b:68:c8:aa"
    assert choose_mac(macs, "enp9s0", "m") == "52:54:00:00:01:05"
    two_up = {"a": ("52:54:00:00:00:01", True), "b": ("52:54:00:00:00:02", True)}
    with pytest.raises(NetbootError, match="cannot tell which interface boots"):
        choose_mac(two_up, "c", "m")
