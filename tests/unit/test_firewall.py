"""Firewall openings on the physical interface: the user's toto case and its neighbours."""

from __future__ import annotations

import json
import shutil
import textwrap
import warnings
from pathlib import Path

import pytest

from elenta.firewall.render import (
    AliasInterfaceWarning,
    config_alias_warnings,
    firewall_artifacts,
    firewall_plan,
    nixos_firewall,
)
from elenta.model.errors import ModelError
from elenta.model.lab import Lab, load_lab

REPO = Path(__file__).resolve().parents[2]
CADASTER = """
domain = "canon"
[networks.lab]
cidr = "127.0.1.0/24"
[networks.home]
cidr = "127.0.2.0/24"
[machines.toto.interfaces.enp2s0]
network = "lab"
ip = "127.0.1.2"
aliases.enp2s0_dns = { ip = "127.0.1.53", name = "dns" }
aliases.enp2s0_ntp = { ip = "127.0.1.123", name = "ntp" }
[machines.toto.interfaces.enp3s0]
network = "home"
ip = "127.0.2.2"
"""


def make_lab(tmp_path: Path, constellation: str) -> Lab:
    (tmp_path / "cadaster.toml").write_text(CADASTER)
    (tmp_path / "constellations").mkdir()
    (tmp_path / "constellations" / "c.toml").write_text(textwrap.dedent(constellation))
    return load_lab(tmp_path)


def test_users_case_dns_on_alias_opens_53_udp_and_tcp_on_enp2s0():
    lab = load_lab(REPO / "examples" / "lab")
    plan = firewall_plan(lab, "toto")
    assert nixos_firewall(plan) == {
        "networking": {
            "firewall": {"interfaces": {"enp2s0": {"allowedTCPPorts": [53], "allowedUDPPorts": [53]}}}
        }
    }
    assert "enp2s0_dns" not in json.dumps(nixos_firewall(plan))
    assert [w.key for w in plan.warnings] == ["roles.dns.ports[0].interface", "roles.dns.ports[1].interface"]
    assert all("alias 'enp2s0_dns'" in w.message and "'enp2s0'" in w.message for w in plan.warnings)
    assert all(w.file.endswith("homelab.toml") for w in plan.warnings)


def test_union_over_aliases_and_the_physical_name(tmp_path):
    lab = make_lab(
        tmp_path,
        """
        [machines.toto]
        hostConfig = ".#dns"
        [roles.dns]
        ports = [
          { port = 53, proto = "udp", interface = "enp2s0_dns" },
          { port = 123, proto = "udp", interface = "enp2s0_ntp" },
          { port = 22, proto = "tcp", interface = "enp2s0" },
          { port = 53, proto = "udp", interface = "enp2s0" },
          { port = 9100, proto = "tcp", interface = "enp3s0" },
          { port = 443 },
        ]
        """,
    )
    firewall = nixos_firewall(firewall_plan(lab, "toto"))["networking"]["firewall"]
    assert firewall == {
        "allowedTCPPorts": [443],
        "interfaces": {
            "enp2s0": {"allowedTCPPorts": [22], "allowedUDPPorts": [53, 123]},
            "enp3s0": {"allowedTCPPorts": [9100]},
        },
    }
    assert len(firewall_plan(lab, "toto").warnings) == 2


def test_a_port_open_everywhere_is_not_repeated_per_interface(tmp_path):
    lab = make_lab(
        tmp_path,
        """
        [machines.toto]
        hostConfig = ".#dns"
        [roles.dns]
        ports = [
          { port = 22, interface = "enp2s0_dns" }, { port = 22 }, { port = 53, interface = "enp2s0_dns" },
        ]
        """,
    )
    firewall = nixos_firewall(firewall_plan(lab, "toto"))["networking"]["firewall"]
    assert firewall == {"allowedTCPPorts": [22], "interfaces": {"enp2s0": {"allowedTCPPorts": [53]}}}


def test_unknown_interface_names_file_key_and_what_the_machine_has(tmp_path):
    lab = make_lab(
        tmp_path,
        """
        [machines.toto]
        hostConfig = ".#dns"
        [roles.dns]
        ports = [{ port = 53, proto = "udp", interface = "eth9" }]
        """,
    )
    with pytest.raises(ModelError) as caught:
        firewall_plan(lab, "toto")
    message = str(caught.value)
    assert "c.toml: roles.dns.ports[0].interface" in message
    assert "'eth9'" in message and "enp2s0, enp2s0_dns" in message


def test_configuration_opening_ports_on_an_alias_is_warned(tmp_path):
    lab = make_lab(
        tmp_path,
        """
        [machines.toto]
        hostConfig = ".#dns"
        data."networking.firewall.interfaces".enp2s0_dns = { allowedUDPPorts = [53] }
        data."networking.firewall.interfaces".enp2s0 = { allowedTCPPorts = [22] }
        """,
    )
    plan = firewall_plan(lab, "toto")
    assert [w.key for w in plan.warnings] == ["machines.toto.data.networking.firewall.interfaces.enp2s0_dns"]
    evaluated = {"networking": {"firewall": {"interfaces": {"enp2s0_ntp": {"allowedUDPPorts": [123]}}}}}
    found = config_alias_warnings(lab, "toto", evaluated, "toto.nix")
    assert len(found) == 1 and "'enp2s0_ntp'" in found[0].message and found[0].file == "toto.nix"
    assert config_alias_warnings(lab, "toto", {"networking": {"firewall": {}}}, "toto.nix") == []


def test_artifact_per_host_with_warnings_raised_and_recorded():
    lab = load_lab(REPO / "examples" / "lab")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        artifacts = {a.machine: a for a in firewall_artifacts(lab)}
    assert [w.category for w in caught] == [AliasInterfaceWarning, AliasInterfaceWarning]
    assert set(artifacts) == {"toto", "nancy", "archimedes", "ifrit"}
    toto = json.loads(artifacts["toto"].content)
    assert toto["networking"]["firewall"]["interfaces"]["enp2s0"]["allowedUDPPorts"] == [53]
    assert toto["warnings"][0].startswith("constellations/homelab.toml: roles.dns.ports[0].interface")
    ifrit = json.loads(artifacts["ifrit"].content)
    assert ifrit["networking"]["firewall"] == {
        "interfaces": {"lan0": {"allowedTCPPorts": [22], "allowedUDPPorts": [67]}}  # SSH, DHCP
    }


FLAKE = """
{
  outputs = { self }: {
    nixosConfigurations.dns.config = {
      networking.firewall.interfaces.enp2s0_dns.allowedUDPPorts = [ 53 ];
      networking.firewall.interfaces.enp2s0.allowedTCPPorts = [ 22 ];
    };
    nixosConfigurations.plain.config.networking.hostName = "plain";
  };
}
"""


needs_nix = pytest.mark.skipif(shutil.which("nix") is None, reason="needs nix (nix-bin)")


def _check(lab: Path, *args: str):  # type: ignore[no-untyped-def]
    from tests.cli import run_elenta

    done = run_elenta("firewall", "check", "--lab", str(lab), *args, cwd=REPO)
    assert "Traceback" not in done.stderr, done.stderr
    return done


@needs_nix
def test_check_reads_the_role_configuration_of_a_flake_without_elenta_hosts(tmp_path):
    """A flake that has not adopted elenta's module deploys `nixosConfigurations.<hostConfig>` as it is."""
    from elenta.firewall.evaluate import evaluated_firewalls, firewall_findings

    lab = make_lab(tmp_path, '[machines.toto]\nhostConfig = ".#dns"\n')
    (tmp_path / "flake.nix").write_text(FLAKE)
    (toto,) = evaluated_firewalls(lab, ["toto"]).values()
    assert toto.source == "nixosConfigurations.dns" and toto.enable
    assert [str(f) for f in firewall_findings(lab, toto)] == [
        "alias: toto: enp2s0_dns: 53/udp: opened on alias 'enp2s0_dns', which never matches: packets for "
        "its address arrive on 'enp2s0'; open it on 'enp2s0' (nixosConfigurations.dns)"
    ]
    done = _check(tmp_path)
    assert done.returncode == 1 and done.stdout.startswith("alias: toto: enp2s0_dns: 53/udp: ")


@needs_nix
def test_the_example_lab_machines_run_what_their_roles_open(example_lab_copy):
    import json

    done = _check(example_lab_copy, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["findings"] == []
    assert report["machines"]["toto"] == "elentaHosts.toto" and set(report["machines"]) == {
        "toto", "nancy", "archimedes", "ifrit", "hermes"
    }  # fmt: skip
    assert _check(example_lab_copy).stdout.startswith("ok: the firewall of 5 machine(s) opens what")


@needs_nix
def test_check_names_machine_interface_and_port_of_what_each_machine_will_run(example_lab_copy):
    """The role's own configuration opens ports on toto's alias and on an interface it lacks, and
    nancy's system is built without elenta's module: each is named, per machine and interface."""
    import json

    flake = example_lab_copy / "flake.nix"
    text = flake.read_text()
    text = text.replace(
        'dns = { description = "authoritative DNS for the lab"; };',
        'dns = { description = "authoritative DNS for the lab"; modules = [ {\n'
        "          networking.firewall.interfaces.enp2s0_dns.allowedTCPPorts = [ 853 ];\n"
        "          networking.firewall.interfaces.wg0.allowedUDPPortRanges =\n"
        "            [ { from = 51820; to = 51821; } ];\n"
        "        } ]; };",
    )
    text = text.replace(
        "nixosConfigurations = builtins.mapAttrs (role: spec: mkConfiguration role spec [ ]) roles;",
        "nixosConfigurations = builtins.mapAttrs\n"
        "        (role: spec: mkConfiguration role spec (spec.modules or [ ])) roles;",
    )
    text = text.replace(
        "elentaHosts = elenta.mkHosts { inherit nixosSystem; microvmHost = { }; };",
        "elentaHosts = elenta.mkHosts { inherit nixosSystem; microvmHost = { }; }\n"
        "        // { nancy = self.nixosConfigurations.nfs; };  # nancy built without elenta's module",
    )
    flake.write_text(text)
    done = _check(example_lab_copy)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "alias: toto: enp2s0_dns: 853/tcp: opened on alias 'enp2s0_dns', which never matches: packets for "
        "its address arrive on 'enp2s0'; open it on 'enp2s0' (elentaHosts.toto)",
        "unlisted: toto: wg0: 51820-51821/udp: opened on an interface the cadaster does not list for toto "
        "(it lists: enp2s0); a virtual interface, or a name that matches nothing (elentaHosts.toto)",
        "closed: nancy: *: 2049/tcp: its roles open it on any interface (elenta firewall plan), but the "
        "system it will run does not (elentaHosts.nancy)",
    ]
    assert "2 firewall finding(s)" in done.stderr
    only = json.loads(_check(example_lab_copy, "--machine", "nancy", "--json").stdout)
    assert [(f["kind"], f["machine"], f["interface"], f["port"]) for f in only["findings"]] == [
        ("closed", "nancy", "*", "2049/tcp")
    ]


def test_firewall_task_plan_prints_physical_openings(capsys):
    from invoke import Context

    from elenta.tasks.firewall import firewall

    firewall(Context(), "plan", machine=["toto.canon"], lab=str(REPO / "examples" / "lab"))
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == (
        'toto.canon: {"interfaces": {"enp2s0": {"allowedTCPPorts": [53], "allowedUDPPorts": [53]}}}'
    )
    assert "warning:" in err and "warning:" not in out and "nancy" not in out


def test_firewall_task_unknown_machine_is_a_clean_error():
    from invoke import Context
    from invoke.exceptions import Exit

    from elenta.tasks.firewall import firewall

    with pytest.raises(Exit) as caught:
        firewall(Context(), "plan", machine=["tot"], lab=str(REPO / "examples" / "lab"))
    assert caught.value.code == 2
    assert "cadaster.toml: machines: --machine: no machine named 'tot'" in str(caught.value.message)


def test_check_without_a_flake_says_so(tmp_path):
    make_lab(tmp_path, '[machines.toto]\nhostConfig = ".#dns"\n')
    done = _check(tmp_path)
    assert done.returncode == 2
    assert f"{tmp_path}: no flake.nix: `elenta firewall check` evaluates each machine's system" in done.stderr
