"""Compatibility checks: each with a minimal failing lab, the error naming both sides."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from elenta.compile.checks import CheckError, check_lab
from elenta.compile.machines import compiled_machines
from elenta.model.lab import load_lab

REPO = Path(__file__).resolve().parents[2]

CADASTER = """
domain = "canon"
[networks.lab]
cidr = "127.0.1.0/24"
[machines.toto]
resources = { cores = 4, memory = "8G", disk = "100G" }
[machines.toto.interfaces.enp2s0]
network = "lab"
ip = "127.0.1.2"
aliases.enp2s0_dns = { ip = "127.0.1.53", name = "dns" }
[machines.nancy]
[machines.nancy.interfaces.eth0]
network = "lab"
ip = "127.0.1.3"
[machines.sw1]
kind = "switch"
switch = {}
[machines.sw1.interfaces.vlan1]
network = "lab"
ip = "127.0.1.250"
"""


def write_lab(tmp_path: Path, **constellations: str) -> Path:
    """A lab folder with the small cadaster above and the given constellation files (name -> TOML)."""
    (tmp_path / "cadaster.toml").write_text(CADASTER)
    folder = tmp_path / "constellations"
    folder.mkdir()
    for name, text in constellations.items():
        (folder / f"{name}.toml").write_text(textwrap.dedent(text))
    return tmp_path


def faults_of(lab_dir: Path) -> list[str]:
    with pytest.raises(CheckError) as err:
        check_lab(load_lab(lab_dir))
    return [str(f) for f in err.value.faults]


def test_the_example_lab_compiles_clean():
    machines = check_lab(load_lab(REPO / "examples" / "lab"))
    assert machines["archimedes"].config["nixos"]["microvm"]["host"]["enable"] is True
    assert machines["archimedes"].config["nixos"]["boot"]["enableContainers"] is True
    assert machines["toto"].config["nixos"] == {}


# -- merge conflicts ---------------------------------------------------------------------------


def test_two_constellations_giving_one_machine_two_configurations_conflict(tmp_path):
    lab = write_lab(
        tmp_path,
        a='[machines.toto]\nhostConfig = ".#dns"\ndata = { x = 1 }\n',
        b='[machines."toto.canon"]\nhostConfig = ".#web"\ndata = { x = 1, y = 2 }\n',
    )
    (fault,) = faults_of(lab)
    assert "b.toml" in fault and "a.toml" in fault
    assert 'machines."toto.canon".configuration' in fault
    assert "'.#web'" in fault and "'.#dns'" in fault


def test_equal_settings_from_two_constellations_merge(tmp_path):
    lab = write_lab(
        tmp_path,
        a='[machines.toto]\nhostConfig = ".#dns"\ndata = { x = 1, l = [1] }\n',
        b='[machines.toto]\nhostConfig = ".#dns"\ndata = { y = 2, l = [2] }\n',
    )
    machines = check_lab(load_lab(lab))
    assert machines["toto"].config["data"] == {"x": 1, "y": 2, "l": [1, 2]}


def test_host_side_of_guests_conflicting_with_an_explicit_setting_names_the_guest(tmp_path):
    lab = write_lab(
        tmp_path,
        a="""
        [machines.toto]
        hostConfig = { microvm = { host = { enable = false } } }
        vms.web1 = { config = ".#web", cores = 1 }
        """,
    )
    (fault,) = faults_of(lab)
    assert "machines.toto.vms.web1" in fault and "machines.toto.nixos.microvm.host.enable" in fault


# -- resources ---------------------------------------------------------------------------------


def test_over_allocated_machine_names_guests_and_cadaster(tmp_path):
    lab = write_lab(
        tmp_path,
        a="""
        [machines.toto]
        vms.a = { config = ".#web", cores = 3, memory = "4G" }
        containers.b = { config = ".#cache", cores = 2, memory = "1G" }
        """,
    )
    (fault,) = faults_of(lab)
    assert "over-allocated" in fault and "5 of cores" in fault
    assert "machines.toto.vms.a 3" in fault and "machines.toto.containers.b 2" in fault
    assert "cadaster.toml: machines.toto.resources.cores gives 4" in fault


def test_guests_within_resources_and_undeclared_resources_pass(tmp_path):
    lab = write_lab(
        tmp_path,
        a="""
        [machines.toto]
        vms.a = { config = ".#web", cores = 2, memory = "4G", disk = "100G" }
        containers.b = { config = ".#cache", cores = 2, memory = "4G" }
        [machines.nancy]
        vms.c = { config = ".#web", cores = 64 }
        """,
    )
    check_lab(load_lab(lab))


def test_disk_over_allocation(tmp_path):
    lab = write_lab(tmp_path, a='[machines.toto]\nvms.a = { config = ".#web", disk = "101G" }\n')
    (fault,) = faults_of(lab)
    assert "of disk" in fault and "resources.disk gives 102400 MiB" in fault


# -- kinds -------------------------------------------------------------------------------------


def test_guest_on_a_switch_names_placement_and_kind(tmp_path):
    lab = write_lab(tmp_path, a='[machines.sw1]\ncontainers.c = ".#cache"\n')
    (fault,) = faults_of(lab)
    assert "a.toml: machines.sw1.containers.c" in fault
    assert "cadaster.toml: machines.sw1.kind" in fault and "'switch'" in fault


def test_nixos_configuration_on_a_switch(tmp_path):
    lab = write_lab(tmp_path, a='[machines.sw1]\nhostConfig = ".#dns"\n')
    (fault,) = faults_of(lab)
    assert "machines.sw1.hostConfig" in fault and "cadaster.toml: machines.sw1.kind" in fault


def test_domain_service_on_a_switch(tmp_path):
    lab = write_lab(tmp_path, a='[domains."example.lab".services.www]\nrole = "web"\nhost = "sw1"\n')
    (fault,) = faults_of(lab)
    assert 'a.toml: domains."example.lab".services.www.host' in fault
    assert "cadaster.toml: machines.sw1.kind" in fault


# -- ports -------------------------------------------------------------------------------------

PLACE_TWO_ROLES = """
[machines.toto]
hostConfig = ".#dns"
[domains."example.lab".services.www]
role = "web"
host = "toto"
"""


def test_same_port_on_every_address_collides(tmp_path):
    lab = write_lab(
        tmp_path,
        a=PLACE_TWO_ROLES
        + "[roles.dns]\nports = [{ port = 80 }]\n[roles.web]\nports = [{ port = 443 }, { port = 80 }]\n",
    )
    (fault,) = faults_of(lab)
    assert "a.toml: roles.web.ports[1]" in fault and "a.toml: roles.dns.ports[0]" in fault
    assert "tcp/80 on 'toto'" in fault


def test_alias_and_physical_interface_with_their_own_ips_do_not_collide(tmp_path):
    lab = write_lab(
        tmp_path,
        a=PLACE_TWO_ROLES
        + '[roles.dns]\nports = [{ port = 53, proto = "udp", interface = "enp2s0_dns" }]\n'
        + '[roles.web]\nports = [{ port = 53, proto = "udp", interface = "enp2s0" }]\n',
    )
    check_lab(load_lab(lab))


def test_same_port_different_protocols_do_not_collide(tmp_path):
    lab = write_lab(
        tmp_path,
        a=PLACE_TWO_ROLES
        + '[roles.dns]\nports = [{ port = 53, proto = "udp" }]\n[roles.web]\nports = [{ port = 53 }]\n',
    )
    check_lab(load_lab(lab))


def test_alias_port_collides_with_a_port_on_every_address(tmp_path):
    lab = write_lab(
        tmp_path,
        a=PLACE_TWO_ROLES
        + '[roles.dns]\nports = [{ port = 53, proto = "udp", interface = "enp2s0_dns" }]\n'
        + '[roles.web]\nports = [{ port = 53, proto = "udp" }]\n',
    )
    (fault,) = faults_of(lab)
    assert "roles.web.ports[0]" in fault and "roles.dns.ports[0]" in fault and "127.0.1.53" in fault


def test_roles_declared_in_another_constellation_collide_naming_both_files(tmp_path):
    lab = write_lab(
        tmp_path,
        a=PLACE_TWO_ROLES + "[roles.dns]\nports = [{ port = 53, interface = 'enp2s0' }]\n",
        b="[roles.web]\nports = [{ port = 53, interface = 'enp2s0' }]\n",
    )
    (fault,) = faults_of(lab)
    assert "b.toml: roles.web.ports[0]" in fault and "a.toml: roles.dns.ports[0]" in fault


def test_unknown_interface_is_named(tmp_path):
    roles = "[roles.dns]\nports = [{ port = 53, interface = 'eth9' }]\n"
    lab = write_lab(tmp_path, a=PLACE_TWO_ROLES + roles)
    (fault,) = faults_of(lab)
    assert "roles.dns.ports[0].interface" in fault and "enp2s0_dns" in fault and "cadaster.toml" in fault


def test_role_declared_differently_in_two_constellations(tmp_path):
    lab = write_lab(
        tmp_path,
        a="[roles.dns]\nports = [{ port = 53 }]\n",
        b="[roles.dns]\nports = [{ port = 54 }]\n",
    )
    (fault,) = faults_of(lab)
    assert "b.toml: roles.dns" in fault and "a.toml: roles.dns" in fault


# -- filesystems -------------------------------------------------------------------------------


def test_two_roles_exporting_or_mounting_one_path(tmp_path):
    lab = write_lab(
        tmp_path,
        a=PLACE_TWO_ROLES
        + '[roles.dns]\nexports = [{ path = "/srv/media" }]\n[roles.web]\nmounts = ["/srv/media/"]\n',
    )
    (fault,) = [f for f in faults_of(lab) if "mounts" in f]  # (the export's lack of clients aside)
    assert "a.toml: roles.web.mounts[0]" in fault and "a.toml: roles.dns.exports[0].path" in fault


def test_one_disk_given_to_two_guests(tmp_path):
    lab = write_lab(
        tmp_path,
        a="""
        [machines.toto]
        vms.a = { config = ".#web", disks = ["/dev/sdb"] }
        """,
        b="""
        [machines.toto]
        vms.b = { config = ".#web", disks = ["/dev/sdc", "/dev/sdb"] }
        """,
    )
    (fault,) = faults_of(lab)
    assert "b.toml: machines.toto.vms.b.disks[1]" in fault and "a.toml: machines.toto.vms.a.disks[0]" in fault


# -- names -------------------------------------------------------------------------------------


def test_one_service_name_claimed_by_two_constellations(tmp_path):
    lab = write_lab(
        tmp_path,
        a='[domains."example.lab".services.www]\nrole = "web"\nhost = "toto"\n',
        b='[domains."example.lab".services.www]\nrole = "web"\nhost = "nancy"\n',
    )
    faults = faults_of(lab)
    claimed = [f for f in faults if "already claimed" in f]
    assert len(claimed) == 1
    assert 'b.toml: domains."example.lab".services.www' in claimed[0]
    assert 'a.toml: domains."example.lab".services.www' in claimed[0]


def test_constellation_domain_equal_to_the_canon_domain(tmp_path):
    lab = write_lab(tmp_path, a='[domains.canon.services.www]\nrole = "web"\nhost = "toto"\n')
    faults = faults_of(lab)
    assert any("a.toml: domains.canon" in f and "cadaster.toml" in f for f in faults)


def test_service_name_equal_to_a_cadaster_name(tmp_path):
    lab = write_lab(tmp_path, a='[domains."toto.canon".services.dns]\nrole = "web"\nhost = "nancy"\n')
    (fault,) = faults_of(lab)
    assert "dns.toto.canon" in fault
    assert "cadaster.toml: machines.toto.interfaces.enp2s0.aliases.enp2s0_dns" in fault


def test_domain_settings_differ_between_constellations(tmp_path):
    a, b = '[domains."example.lab"]\nttl = 60\n', '[domains."example.lab"]\nttl = 30\n'
    lab = write_lab(tmp_path, a=a, b=b)
    (fault,) = faults_of(lab)
    assert 'b.toml: domains."example.lab"' in fault and 'a.toml: domains."example.lab"' in fault


def test_one_guest_on_two_machines(tmp_path):
    lab = write_lab(
        tmp_path,
        a='[machines.toto]\nvms.web1 = ".#web"\n',
        b='[machines.nancy]\nvms.web1 = ".#web"\n',
    )
    (fault,) = faults_of(lab)
    assert "a.toml: machines.toto.vms.web1" in fault and "b.toml: machines.nancy.vms.web1" in fault


def test_all_faults_are_reported_together(tmp_path):
    lab = write_lab(
        tmp_path,
        a='[machines.sw1]\nvms.x = ".#web"\n[machines.toto]\nvms.y = { config = ".#web", cores = 99 }\n',
    )
    faults = faults_of(lab)
    assert len(faults) == 2


def test_compiled_machines_are_computed_once_per_lab():
    lab = load_lab(REPO / "examples" / "lab")
    assert compiled_machines(lab) is compiled_machines(lab)
