"""Each machine's NixOS module from the plan: its data, its Nix evaluation, its builds.

The Nix tests evaluate the entry point `elenta.nix` exactly as a flake does (`nix-instantiate
--eval --strict`, with a stand-in `lib` and flake) and build the example lab's systems with
`nix build`, offline.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from elenta.compile.plan import build_plan
from elenta.model.errors import ModelError
from elenta.model.lab import load_lab
from elenta.nixos.build import BuildError, build_systems
from elenta.nixos.module import machine_module
from elenta.nixos.render import nixos_files
from tests.conftest import EXAMPLE_LAB
from tests.nixeval import instantiate


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def edit(folder: Path, relative: str, old: str, new: str) -> None:
    path = folder / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


# -- the module's data ---------------------------------------------------------------------------


def test_toto_carries_both_addresses_on_enp2s0_and_opens_dns_there():
    module = machine_module(load_lab(EXAMPLE_LAB), "toto")
    networking = module["config"]["networking"]
    assert networking["hostName"] == "toto" and networking["domain"] == "canon"
    assert networking["interfaces"]["enp2s0"]["ipv4"]["addresses"] == [
        {"address": "127.0.1.2", "prefixLength": 24},
        {"address": "127.0.1.53", "prefixLength": 24},
    ]
    assert "enp2s0_dns" not in networking["interfaces"]
    # The alias' ports land on the physical interface the packets arrive on.
    assert networking["firewall"]["interfaces"] == {
        "enp2s0": {"allowedTCPPorts": [53], "allowedUDPPorts": [53]}
    }
    # ifrit is the lab network's gateway; toto's DNS alias is the lab's name server.
    assert networking["defaultGateway"] == {"address": "127.0.1.254", "interface": "enp2s0"}
    assert networking["nameservers"] == ["127.0.1.53"]


def test_roles_run_their_servers_as_nixos_services():
    lab = load_lab(EXAMPLE_LAB)
    knot = machine_module(lab, "toto")["config"]["services"]["knot"]
    assert knot["enable"] is True
    assert knot["settings"]["server"]["listen"] == ["127.0.1.53@53"]
    assert "canon." in knot["settings"]["zone"] and "example.lab." in knot["settings"]["zone"]
    nfs = machine_module(lab, "nancy")["config"]["services"]["nfs"]["server"]
    assert nfs["enable"] is True and nfs["createMountPoints"] is True
    assert "/srv/media" in nfs["exports"] and "/srv/backup" in nfs["exports"]
    assert "services" not in machine_module(lab, "ifrit")["config"]


def test_guests_become_containers_and_microvms_with_their_resources():
    module = machine_module(load_lab(EXAMPLE_LAB), "archimedes")
    config = module["config"]
    assert config["containers"]["cache"] == {
        "autoStart": True,
        "extraFlags": ["--property=CPUQuota=100%", "--property=MemoryMax=1024M"],
    }
    assert config["boot"]["enableContainers"] is True and config["microvm"]["host"]["enable"] is True
    assert config["microvm"]["vms"]["web1"] == {"autostart": True}
    web1 = module["guests"]["vms"]["web1"]
    assert web1["flake"] == "web"
    assert web1["resources"]["microvm"]["vcpu"] == 2 and web1["resources"]["microvm"]["mem"] == 2048
    assert web1["resources"]["microvm"]["volumes"][0]["size"] == 20 * 1024
    assert module["guests"]["containers"]["cache"] == {"flake": "cache"}
    # Services placed on the machine, with their extraOpts, for the roles' modules to read.
    assert module["elenta"]["services"]["www.example.lab"] == {
        "role": "web",
        "extraOpts": {"root": "/srv/www"},
    }


def test_a_literal_host_config_is_merged_and_a_conflict_names_both_sides(example_lab_copy):
    edit(
        example_lab_copy,
        "constellations/homelab.toml",
        'hostConfig = ".#firewall"',
        "hostConfig = { services = { openssh = { enable = true } } }",
    )
    module = machine_module(load_lab(example_lab_copy), "ifrit")
    assert module["hostConfig"] is None
    assert module["config"]["services"]["openssh"]["enable"] is True
    assert (
        module["config"]["networking"]["interfaces"]["wan0"]["ipv4"]["addresses"][0]["address"]
        == "127.0.2.254"
    )
    edit(
        example_lab_copy,
        "constellations/homelab.toml",
        "hostConfig = { services = { openssh = { enable = true } } }",
        'hostConfig = { networking = { hostName = "other" } }',
    )
    with pytest.raises(ModelError) as err:
        machine_module(load_lab(example_lab_copy), "ifrit")
    message = str(err.value)
    assert "networking.hostName" in message and "hostConfig" in message and "cadaster" in message


def test_a_guest_from_another_flake_is_refused_with_its_key(example_lab_copy):
    edit(
        example_lab_copy, "constellations/homelab.toml", '{ config = ".#web",', '{ config = "github:a/b#web",'
    )
    with pytest.raises(ModelError, match=r"machines.archimedes.vms.web1.config.*lab's flake"):
        machine_module(load_lab(example_lab_copy), "archimedes")


# -- the Nix entry point ---------------------------------------------------------------------------

# A stand-in flake and `lib`: enough of NixOS's interface for the entry point to evaluate.
STAND_IN = """
let
  lib = { mkOption = o: o; types.attrs = "attrs"; };
  system = name: {
    config.system.build.toplevel = "/nix/store/00000000000000000000000000000000-" + name;
    extendModules = { modules }: {
      extendedWith = map (m: if builtins.isFunction m then (m { inherit lib; }).config else m) modules;
    };
  };
  roles = { dns = 1; hypervisor = 1; web = 1; cache = 1; };
  self = { nixosConfigurations = builtins.mapAttrs (n: _: system n) roles; };
  elenta = import ./lab/elenta.nix { inherit self; };
  eval = name: (elenta.modules.${name} { inherit lib; }).config;
in
"""


def evaluate(folder: Path, expression: str):
    return instantiate(STAND_IN + expression, folder)


def write_nixos_files(lab_dir: Path, target: Path) -> Path:
    for rel, data in nixos_files(load_lab(lab_dir)).items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_bytes(data)
    return target


@pytest.mark.nix
@pytest.mark.skipif(shutil.which("nix-instantiate") is None, reason="needs Debian's nix-bin")
def test_the_module_evaluates_to_the_documented_option_paths(tmp_path):
    folder = write_nixos_files(EXAMPLE_LAB, tmp_path)
    toto = evaluate(folder, 'eval "toto"')
    assert toto["networking"]["interfaces"]["enp2s0"]["ipv4"]["addresses"] == [
        {"address": "127.0.1.2", "prefixLength": 24},
        {"address": "127.0.1.53", "prefixLength": 24},
    ]
    assert toto["networking"]["firewall"]["interfaces"]["enp2s0"] == {
        "allowedTCPPorts": [53],
        "allowedUDPPorts": [53],
    }
    assert toto["services"]["knot"]["enable"] is True
    assert toto["elenta"]["self"]["canon"] == "toto.canon"
    assert toto["elenta"]["discovery"]["services"]["www.example.lab"]["ip"] == "127.0.1.4"
    archimedes = evaluate(folder, 'eval "archimedes"')
    assert archimedes["containers"]["cache"]["path"].endswith("-cache")
    assert archimedes["containers"]["cache"]["autoStart"] is True
    web1 = archimedes["microvm"]["vms"]["web1"]
    assert web1["autostart"] is True
    assert web1["evaluatedConfig"]["extendedWith"][0]["microvm"]["mem"] == 2048
    hosts = evaluate(folder, "builtins.attrNames (elenta.mkHosts { microvmHost = { }; })")
    assert hosts == ["archimedes", "hermes", "ifrit", "nancy", "toto"]


@pytest.mark.nix
@pytest.mark.skipif(shutil.which("nix-instantiate") is None, reason="needs Debian's nix-bin")
def test_strings_from_the_lab_reach_nix_unchanged(example_lab_copy, tmp_path):
    nasty = '${builtins.abort "x"} \'\' \\" \\n ; rm -rf /'
    edit(
        example_lab_copy,
        "constellations/homelab.toml",
        'data = { zone_admin = "hostmaster" }',
        f'data = {{ zone_admin = "hostmaster", note = {json.dumps(nasty)} }}',
    )
    folder = write_nixos_files(example_lab_copy, tmp_path)
    assert evaluate(folder, 'eval "toto"')["elenta"]["self"]["data"]["note"] == nasty


# -- builds: a change to one machine changes that machine's system only ---------------------------


@pytest.mark.nix
@pytest.mark.skipif(shutil.which("nix") is None, reason="needs Debian's nix-bin")
def test_a_vm_memory_change_rebuilds_its_host_only(example_lab_copy):
    machines = ["toto", "nancy", "archimedes", "ifrit"]
    before = build_systems(load_lab(example_lab_copy), machines)
    edit(example_lab_copy, "constellations/homelab.toml", 'memory = "2G"', 'memory = "3G"')
    after = build_systems(load_lab(example_lab_copy), machines)
    changed = {m for m in machines if before[m].path != after[m].path}
    assert changed == {"archimedes"}
    module = json.loads((Path(after["archimedes"].path) / "elenta-module.json").read_text())
    assert module[0]["microvm"]["vms"]["web1"]["evaluatedConfig"]["config"]["system"]["build"]["toplevel"]
    # Each machine is its own system now (hostname, addresses), built from its role.
    assert len({s.path for s in after.values()}) == len(machines)
    assert after["toto"].config == ".#dns"


@pytest.mark.nix
@pytest.mark.skipif(shutil.which("nix") is None, reason="needs Debian's nix-bin")
@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        (
            "cadaster.toml",
            'ip = "127.0.1.3"\n',
            'ip = "127.0.1.3"\naliases.enp3s0_nfs = { ip = "127.0.1.33" }\n',
        ),
        (
            "constellations/homelab.toml",
            'ports = [{ port = 2049, proto = "tcp" }]',
            'ports = [{ port = 2049, proto = "tcp" }, { port = 111, proto = "udp" }]',
        ),
    ],
    ids=["an alias", "a port"],
)
def test_an_alias_or_a_port_rebuilds_its_machine_only(example_lab_copy, file, old, new):
    machines = ["toto", "nancy", "archimedes", "ifrit"]
    before = build_systems(load_lab(example_lab_copy), machines)
    edit(example_lab_copy, file, old, new)
    after = build_systems(load_lab(example_lab_copy), machines)
    assert {m for m in machines if before[m].path != after[m].path} == {"nancy"}


@pytest.mark.nix
@pytest.mark.skipif(shutil.which("nix") is None, reason="needs Debian's nix-bin")
def test_a_machine_with_a_literal_host_config_only_is_built(example_lab_copy):
    edit(
        example_lab_copy,
        "constellations/homelab.toml",
        'hostConfig = ".#firewall"',
        "hostConfig = { services = { openssh = { enable = true } } }",
    )
    lab = load_lab(example_lab_copy)
    assert lab.has_system("ifrit") and lab.host_config("ifrit") is None
    built = build_systems(lab, ["ifrit"])["ifrit"]
    module = json.loads((Path(built.path) / "elenta-module.json").read_text())
    assert module[0]["services"]["openssh"]["enable"] is True
    assert module[0]["networking"]["hostName"] == "ifrit"
    assert built.config == "hostConfig (table)"


@pytest.mark.nix
@pytest.mark.skipif(shutil.which("nix") is None, reason="needs Debian's nix-bin")
def test_a_flake_without_the_module_is_built_per_role_and_a_literal_config_is_refused(example_lab_copy):
    edit(example_lab_copy, "flake.nix", "elentaHosts = elenta.mkHosts", "notAdopted = elenta.mkHosts")
    built = build_systems(load_lab(example_lab_copy), ["toto"])
    assert "elenta-module.json" in {p.name for p in Path(built["toto"].path).iterdir()}
    assert json.loads((Path(built["toto"].path) / "elenta-module.json").read_text()) == []
    edit(
        example_lab_copy,
        "constellations/homelab.toml",
        'hostConfig = ".#firewall"',
        "hostConfig = { services = { openssh = { enable = true } } }",
    )
    with pytest.raises(BuildError, match=r"ifrit: a hostConfig table needs elenta's module"):
        build_systems(load_lab(example_lab_copy), ["ifrit"])


def test_the_plan_carries_the_entry_point_and_one_module_per_nixos_machine():
    plan = build_plan(load_lab(EXAMPLE_LAB))
    table = plan.manifest["subsystems"]["nixos"]
    assert set(table["lab"]) == {"elenta.nix", "discovery.json"}
    assert set(table["machines"]) == {"toto", "nancy", "archimedes", "hermes", "ifrit"}
    assert json.loads(plan.artifact("nixos", "toto", "module.json"))["hostConfig"] == "dns"
