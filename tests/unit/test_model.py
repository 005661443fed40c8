"""The model: the example lab loads, names resolve, and every class of bad input is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elenta.model.errors import ModelError
from elenta.model.lab import load_lab
from elenta.nix import nix_available
from tests.conftest import EXAMPLE_LAB, REPO

SMALL = REPO / "tests" / "data" / "small"


def test_example_lab_loads_with_roles_and_names() -> None:
    lab = load_lab(EXAMPLE_LAB)
    assert lab.roles_of("toto") == ["dns"]
    assert list(lab.deployable()) == ["toto", "nancy", "archimedes", "ifrit"]
    cadaster = lab.cadaster
    assert str(cadaster.address("toto.canon")) == "127.0.1.2"
    assert str(cadaster.address("toto.canon.lan")) == "127.0.1.2"
    assert str(cadaster.address("lab.ifrit.canon")) == "127.0.1.254"
    assert str(cadaster.address("home.ifrit.canon")) == "127.0.2.254"
    assert str(cadaster.address("archimedes.canon.wifi")) == "127.0.3.4"
    assert cadaster.mac("archimedes.canon.wifi") == "52:54:00:00:03:04"
    assert str(cadaster.address("dns.toto.canon")) == "127.0.1.53"
    assert cadaster.mac("dns.toto.canon") == "52:54:00:00:01:02"
    names = {n: str(a.ip) for a in cadaster.addresses() for n in a.names}
    assert names["dns.toto.canon"] == "127.0.1.53"
    assert names["ifrit.canon.lan"] == "127.0.1.254"


def test_unknown_name_suggests_close_matches() -> None:
    lab = load_lab(EXAMPLE_LAB)
    with pytest.raises(KeyError, match=r"did you mean toto\.canon"):
        lab.cadaster.resolve("totto.canon")


def _edit(lab_dir: Path, file: str, old: str, new: str) -> Path:
    path = lab_dir / file
    text = path.read_text()
    assert old in text, f"test fixture drifted: {old!r} not in {file}"
    path.write_text(text.replace(old, new, 1))
    return path


CADASTER = "cadaster.toml"
CONSTELLATION = "constellations/homelab.toml"

# (file edited, old text, new text, key the error must name, words the error must say)
BAD_INPUTS = [
    pytest.param(
        CADASTER,
        'mac = "52:54:00:00:01:02"',
        'mac = "52:54:00:00:01:0g"',
        "machines.toto.interfaces.enp2s0.mac",
        "is not a MAC address",
        id="typo-mac",
    ),
    pytest.param(
        CADASTER,
        'ip = "127.0.1.3"',
        'ip = "127.0.1.2"',
        "machines.nancy.interfaces.enp3s0.ip",
        "already given to machines.toto",
        id="duplicate-ip",
    ),
    pytest.param(
        CADASTER,
        'mac = "52:54:00:00:01:03"',
        'mac = "52:54:00:00:01:02"',
        "machines.nancy.interfaces.enp3s0.mac",
        "already given to machines.toto",
        id="duplicate-mac",
    ),
    pytest.param(
        CADASTER,
        'ip = "127.0.1.4"',
        'ip = "127.0.9.4"',
        "machines.archimedes.interfaces.eno1.ip",
        "outside network 'lab'",
        id="ip-outside-network",
    ),
    pytest.param(
        CADASTER,
        'network = "lab"\nip = "127.0.1.3"',
        'network = "labb"\nip = "127.0.1.3"',
        "machines.nancy.interfaces.enp3s0.network",
        "unknown network 'labb'",
        id="unknown-network",
    ),
    pytest.param(
        CADASTER,
        'cidr = "127.0.2.0/24"',
        'cidr = "127.0.2.0/33"',
        "networks.home.cidr",
        "is not a CIDR",
        id="malformed-cidr",
    ),
    pytest.param(
        CADASTER,
        "[machines.modem]",
        '[machines."modem;rm"]',
        'machines."modem;rm"',
        "not a valid DNS label",
        id="shell-metachar-canon",
    ),
    pytest.param(
        CADASTER,
        "[machines.modem]",
        "[machines.Modem_1]",
        "machines.Modem_1",
        "not a valid DNS label",
        id="invalid-dns-name",
    ),
    pytest.param(
        CADASTER,
        'machine = "nancy"',
        'machine = "nancyy"',
        'machines.sw1.switch.ports."FastEthernet0/2".machine',
        "no machine named 'nancyy'",
        id="dangling-switch-port",
    ),
    pytest.param(
        CADASTER,
        'kind = "modem"',
        'kind = "toaster"',
        "machines.modem.kind",
        "Input should be",
        id="unknown-kind",
    ),
    pytest.param(
        CADASTER,
        'description = "cable modem"',
        'descrption = "cable modem"',
        "machines.modem.descrption",
        "unknown key",
        id="misspelt-key",
    ),
    pytest.param(
        CADASTER, 'domain = "canon"', 'domain = "canon', "(syntax)", "invalid TOML", id="syntax-error"
    ),
    pytest.param(
        CONSTELLATION,
        "[machines.nancy]",
        "[machines.nancyy]",
        "machines.nancyy",
        "no machine named 'nancyy'",
        id="dangling-machine",
    ),
    pytest.param(
        CONSTELLATION,
        'host = "archimedes"',
        'host = "archimede.canon"',
        'domains."example.lab".services.www.host',
        "no machine named 'archimede.canon'",
        id="dangling-service-host",
    ),
    pytest.param(
        CONSTELLATION,
        'hostConfig = ".#nfs"',
        'hostConfig = ".#nfs; reboot"',
        "machines.nancy.hostConfig",
        "not a flake reference",
        id="unsafe-flake-ref",
    ),
    pytest.param(
        CONSTELLATION,
        'redirect_bare_to = "www"',
        'redirect_bare_to = "wwww"',
        'domains."example.lab".redirect_bare_to',
        "not a service",
        id="dangling-redirect",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "key", "words"), BAD_INPUTS)
def test_bad_input_names_file_key_and_fault(
    example_lab_copy: Path, file: str, old: str, new: str, key: str, words: str
) -> None:
    edited = _edit(example_lab_copy, file, old, new)
    with pytest.raises(ModelError) as caught:
        load_lab(example_lab_copy)
    faults = caught.value.faults
    assert len(faults) == 1, str(caught.value)
    assert faults[0].file == str(edited)
    assert faults[0].key == key
    assert words in faults[0].message
    assert str(caught.value) == f"{edited}: {key}: {faults[0].message}"


def test_yaml_and_json_refuse_a_key_given_twice(tmp_path: Path) -> None:
    (tmp_path / "cadaster.yaml").write_text("machines:\n  toto: {}\n  toto: {kind: router}\n")
    with pytest.raises(ModelError, match=r"cadaster\.yaml: toto: given twice \(line 3\)"):
        load_lab(tmp_path)
    (tmp_path / "cadaster.yaml").unlink()
    (tmp_path / "cadaster.json").write_text('{"machines": {"toto": {}, "toto": {}}}')
    with pytest.raises(ModelError, match=r"cadaster\.json: toto: given twice"):
        load_lab(tmp_path)


def test_yaml_and_json_twins_load_to_the_same_model(tmp_path: Path) -> None:
    import json
    import tomllib

    import yaml

    data = tomllib.loads((SMALL / "cadaster.toml").read_text())
    for suffix, text in ((".json", json.dumps(data)), (".yaml", yaml.safe_dump(data))):
        folder = tmp_path / suffix[1:]
        folder.mkdir()
        (folder / f"cadaster{suffix}").write_text(text)
        assert load_lab(folder).cadaster == load_lab(SMALL / "cadaster.toml").cadaster


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs Debian's nix-bin (.ci/run installs it)")
def test_nix_cadaster_matches_its_toml_twin(tmp_path: Path) -> None:
    from_toml = load_lab(SMALL / "cadaster.toml").cadaster
    from_nix = load_lab(SMALL / "cadaster.nix").cadaster
    assert from_nix == from_toml


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs Debian's nix-bin (.ci/run installs it)")
def test_nix_evaluation_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "cadaster.nix"
    shutil.copy(SMALL / "cadaster.nix", bad)
    bad.write_text(bad.read_text().replace('domain = "canon";', "domain = canon;"))
    with pytest.raises(ModelError, match=r"cadaster\.nix: \(nix\): .*undefined variable 'canon'"):
        load_lab(bad)
