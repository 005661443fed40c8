"""One regression test per class of bad input: `elenta check` and `elenta plan`, run as a user runs
them, exit 2 with a line naming the file, the key path and the fault; no traceback; nothing written.

Each case edits a private copy of the example lab (`example_lab_copy`) the way a person would.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli import run_elenta

CADASTER = "cadaster.toml"
CONSTELLATION = "constellations/homelab.toml"


def replace(file: str, old: str, new: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    """An edit of `file` in a lab folder: its first `old` becomes `new` (saved in `encoding`)."""

    def edit(lab: Path) -> Path:
        path = lab / file
        text = path.read_text()
        assert old in text, f"test fixture drifted: {old!r} not in {file}"
        path.write_bytes(text.replace(old, new, 1).encode(encoding))
        return path

    return edit


def append(file: str, text: str) -> Callable[[Path], Path]:
    """An edit that adds `text` at the end of `file`."""

    def edit(lab: Path) -> Path:
        path = lab / file
        path.write_text(path.read_text() + "\n" + text + "\n")
        return path

    return edit


def write(file: str, content: str | bytes) -> Callable[[Path], Path]:
    """An edit that creates `file` (text or raw bytes)."""

    def edit(lab: Path) -> Path:
        path = lab / file
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return edit


def folder(file: str, link: bool = False) -> Callable[[Path], Path]:
    """An edit that makes `file` a folder (or a link to one)."""

    def edit(lab: Path) -> Path:
        path = lab / file
        if link:
            target = lab.parent / "elsewhere"
            target.mkdir()
            path.symlink_to(target)
        else:
            path.mkdir()
        return path

    return edit


def _laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines)


LAUGHS = _laughs()
LONG_DOMAIN = f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 59}"  # 251 characters: a valid domain
DEEP = 3000

# (edit, key path the error names, words it says)
CASES = [
    # -- loading -----------------------------------------------------------------------------
    pytest.param(
        replace(CADASTER, 'description = "DNS server"', 'description = "DNS s\xe9rver"', "latin-1"),
        "(encoding)",
        "is not UTF-8",
        id="non-utf8-cadaster",
    ),
    pytest.param(
        write("constellations/latin1.toml", b'name = "caf\xe9"\n'),
        "(encoding)",
        "is not UTF-8 text: byte 0xe9 on line 1",
        id="non-utf8-constellation",
    ),
    pytest.param(
        write("constellations/deep.toml", "data = { x = " + "[" * DEEP + "]" * DEEP + " }\n"),
        "(syntax)",
        "nested too deeply",
        id="deep-toml",
    ),
    pytest.param(
        write("constellations/deep.json", '{"data": {"x": ' + "[" * DEEP + "]" * DEEP + "}}"),
        "(syntax)",
        "nested too deeply",
        id="deep-json",
    ),
    pytest.param(
        write("constellations/deep.yaml", "data:\n  x: " + "[" * DEEP + "]" * DEEP + "\n"),
        "(syntax)",
        "nested too deeply",
        id="deep-yaml",
    ),
    pytest.param(
        write("constellations/nested.json", '{"data": {"x": ' + "[" * 60 + "]" * 60 + "}}"),
        "data.x",
        "nested too deeply",
        id="nested-beyond-limit",
    ),
    pytest.param(
        write("constellations/laughs.yaml", "data:\n  " + LAUGHS.replace("\n", "\n  ") + "\n"),
        "data.l5",
        "too much data",
        id="yaml-alias-bomb-constellation-data",
    ),
    pytest.param(
        write(
            "constellations/laughs.yaml",
            "machines:\n  toto:\n    data:\n      " + LAUGHS.replace("\n", "\n      ") + "\n",
        ),
        "machines.toto.data.l5",
        "too much data",
        id="yaml-alias-bomb-machine-data",
    ),
    pytest.param(
        write("constellations/listkey.yaml", "data:\n  [a, b]: 1\n"),
        "(syntax)",
        "a key must be text, not a sequence",
        id="yaml-list-key",
    ),
    pytest.param(
        write("constellations/numkey.yaml", "data:\n  53: dns\n"),
        "(syntax)",
        "key 53 is a number; keys must be text",
        id="yaml-number-key",
    ),
    pytest.param(folder("constellations/web.toml"), "(file)", "is a folder", id="folder-named-toml"),
    pytest.param(
        folder("constellations/web.toml", link=True),
        "(file)",
        "is a folder (a link to a folder)",
        id="link-to-folder-named-toml",
    ),
    pytest.param(
        write("constellations/huge.json", '{"data": {"x": "' + "x" * (5 * 1024 * 1024) + '"}}'),
        "(file)",
        "is larger than 4 MiB",
        id="file-too-large",
    ),
    pytest.param(
        append(CONSTELLATION, "[data]\nratio = nan"),
        "data.ratio",
        "not a finite number",
        id="nan-in-data",
    ),
    pytest.param(
        append(CONSTELLATION, '[data]\n"x\\ny" = 1'),
        "data",
        "a key: 'x\\ny' holds a line break",
        id="line-break-in-a-key",
    ),
    pytest.param(
        replace(CONSTELLATION, 'zone_admin = "hostmaster"', 'zone_admin = "host\\u0000master"'),
        "machines.toto.data.zone_admin",
        "a NUL character",
        id="nul-in-data",
    ),
    # -- types and bounds --------------------------------------------------------------------
    pytest.param(
        replace(CADASTER, 'mac = "52:54:00:00:01:02"', "mac = 525400000102"),
        "machines.toto.interfaces.enp2s0.mac",
        "expected text",
        id="mac-number",
    ),
    pytest.param(
        replace(CADASTER, 'subdomain = "lab"', "subdomain = 5"),
        "networks.lab.subdomain",
        "expected text",
        id="subdomain-number",
    ),
    pytest.param(
        replace(CADASTER, 'tags = ["core"]', "tags = [1]"),
        "machines.toto.tags[0]",
        "expected text",
        id="tag-number",
    ),
    pytest.param(
        replace(CADASTER, 'name = "dns"', "name = 53"),
        "machines.toto.interfaces.enp2s0.aliases.enp2s0_dns.name",
        "expected text",
        id="alias-name-number",
    ),
    pytest.param(
        replace(CADASTER, "cores = 4,", "cores = 100000000000000000000000,"),
        "machines.toto.resources.cores",
        "less than or equal to",
        id="cores-huge",
    ),
    pytest.param(
        replace(CADASTER, 'memory = "16G"', 'memory = "' + "9" * 400 + 'T"'),
        "machines.toto.resources.memory",
        "too large",
        id="memory-huge",
    ),
    pytest.param(
        write(CADASTER, 'domain = "canon"\n'),
        "machines",
        "no machines",
        id="empty-cadaster",
    ),
    pytest.param(
        replace(CADASTER, 'cidr = "127.0.2.0/24"', 'cidr = "127.0.0.0/16"'),
        "networks.home.cidr",
        "overlaps network 'lab'",
        id="overlapping-cidrs",
    ),
    pytest.param(
        append(CADASTER, '[machines.nancy.interfaces."eth_2"]\nnetwork = "lab"\nip = "127.0.1.33"'),
        "machines.nancy.interfaces.eth_2.network",
        "already on network 'lab' through enp3s0: a second interface there is named eth_2.nancy.canon",
        id="second-interface-same-network-unnamed",
    ),
    pytest.param(
        replace(CONSTELLATION, 'hostConfig = ".#dns"', 'hostConfig = ".#dns"\nservices = ["dns"]'),
        "machines.toto.services",
        "free-form data goes under 'data'",
        id="unknown-key-in-placement",
    ),
    pytest.param(
        replace(CADASTER, 'servers = ["127.0.1.53:53"]', 'servers = ["127.0.1.53:dns"]'),
        "dns.servers[0]",
        "the port must be a number",
        id="dns-server-port",
    ),
    pytest.param(
        replace(CADASTER, "shutdown_unused = false", 'shutdown_unused = false\nmanagement_network = "home"'),
        "machines.sw1.switch.management_network",
        "sw1 has no interface on network 'home'",
        id="switch-management-network",
    ),
    # -- what plan refused and check passed ---------------------------------------------------
    pytest.param(
        replace(CONSTELLATION, '[{ port = 80, proto = "tcp" },', '[{ port = 22, proto = "tcp" },'),
        "roles.web.ports[0]",
        "collides with",
        id="colliding-ports",
    ),
    pytest.param(
        replace(CONSTELLATION, 'role = "web"\nhost = "archimedes"', 'role = "web"\nhost = "sw1"'),
        'domains."example.lab".services.www.host',
        "only machines of kind 'nixos' run roles",
        id="service-on-switch",
    ),
    pytest.param(
        write(CONSTELLATION.replace("homelab", "extra"), '[machines.sw1]\nhostConfig = ".#dns"'),
        "machines.sw1.hostConfig",
        "cannot run a NixOS configuration",
        id="hostconfig-on-switch",
    ),
    pytest.param(
        append(CONSTELLATION, '[domains."canon".services.www]\nrole = "web"\nhost = "archimedes"'),
        "domains.canon",
        "is the canon domain",
        id="domain-is-canon-domain",
    ),
    pytest.param(
        replace(
            CADASTER,
            'aliases.enp2s0_dns = { ip = "127.0.1.53", name = "dns" }',
            'aliases.enp2s0_dns = { ip = "127.0.1.53", name = "dns" }\n'
            'aliases.enp2s0_ns = { ip = "127.0.1.54", name = "dns" }',
        ),
        "machines.toto.interfaces.enp2s0.aliases.enp2s0_ns",
        "dns.toto.canon",
        id="alias-name-clash",
    ),
    pytest.param(
        replace(CADASTER, 'domain = "canon"', f'domain = "{"a" * 63}.{"b" * 63}.{"c" * 63}.{"d" * 50}"'),
        "machines.archimedes.interfaces.eno1",
        "longer than 253",
        id="dns-name-too-long",
    ),
    pytest.param(
        append(CONSTELLATION, f'[domains."{LONG_DOMAIN}".services.www]\nrole = "web"\nhost = "archimedes"'),
        f'domains."{LONG_DOMAIN}".services.www',
        "longer than 253",
        id="service-name-too-long",
    ),
    pytest.param(
        replace(CADASTER, 'mac = "52:54:00:00:01:05"\n', ""),
        "machines.hermes.interfaces.eth0.mac",
        "boots from the network",
        id="netboot-without-mac",
    ),
    pytest.param(
        replace(CADASTER, 'platform = "cisco_ios"', 'platform = "zte_zxros"'),
        "machines.sw1.switch.platform",
        "unsupported switch platform 'zte_zxros'",
        id="unknown-switch-platform",
    ),
    pytest.param(
        replace(
            CADASTER,
            "ssh = { port = 2222 }",
            'ssh = { port = 2222, host_key = "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAA" }',
        ),
        "machines.sw1.ssh.host_key",
        "not an OpenSSH ssh-rsa public key",
        id="switch-host-key-of-another-type",
    ),
    # -- strings checked for where they go ----------------------------------------------------
    pytest.param(
        replace(
            CADASTER,
            'interface = "enp2s0"',
            'interface = "enp2s0"\ndescription = "uplink\\ninterface Vlan1\\n shutdown"',
        ),
        'machines.sw1.switch.ports."FastEthernet0/1".description',
        "printable ASCII characters, no line break",
        id="switch-description-newline",
    ),
    pytest.param(
        replace(CADASTER, 'interface = "enp2s0"', 'interface = "enp2s0"\ndescription = "a\\u0000b"'),
        'machines.sw1.switch.ports."FastEthernet0/1".description',
        "a NUL character",
        id="switch-description-nul",
    ),
    pytest.param(
        replace(CADASTER, 'interface = "enp2s0"', f'interface = "enp2s0"\ndescription = "{"x" * 201}"'),
        'machines.sw1.switch.ports."FastEthernet0/1".description',
        "a port description is 1 to 200",
        id="switch-description-too-long",
    ),
    pytest.param(
        replace(CONSTELLATION, '{ path = "/srv/media",', '{ path = "/srv/media\\n/etc",'),
        "roles.nfs.exports[0].path",
        "control character",
        id="exports-path-newline",
    ),
    pytest.param(
        replace(CADASTER, "[dns]\n", '[dns]\nadmin = "host master"\n'),
        "dns.admin",
        "not a valid DNS",
        id="zone-admin-space",
    ),
]


def _lines(output: str) -> list[str]:
    """The output's lines, without the `error: ` a single fault is prefixed with."""
    return [line.removeprefix("error: ") for line in output.splitlines()]


@pytest.mark.parametrize(("edit", "key", "words"), CASES)
def test_check_and_plan_refuse_bad_input_cleanly(
    example_lab_copy: Path, edit: Callable[[Path], Path], key: str, words: str
) -> None:
    edited = edit(example_lab_copy)
    env = {**os.environ, "ELENTA_STATE_DIR": ""}
    env.pop("ELENTA_STATE_DIR")
    for args in (("check", str(example_lab_copy)), ("plan", "--lab", str(example_lab_copy))):
        result = run_elenta(*args, env=env)
        output = result.stdout + result.stderr
        assert "Traceback" not in output, output
        assert result.returncode == 2, output
        expected = f"{edited}: {key}: "
        lines = [line for line in _lines(output) if line.startswith(expected)]
        assert lines, f"no line starting {expected!r} in:\n{output}"
        assert any(words in line for line in lines), f"{words!r} not in:\n{output}"
    assert not (example_lab_copy / ".elenta").exists(), "a refused lab must leave no state behind"


def test_check_reports_every_fault_at_once(example_lab_copy: Path) -> None:
    replace(CADASTER, 'subdomain = "lab"', "subdomain = 5")(example_lab_copy)
    replace(CADASTER, "cores = 4,", "cores = -1,")(example_lab_copy)
    replace(CONSTELLATION, '[{ port = 80, proto = "tcp" },', '[{ port = 22, proto = "tcp" },')(
        example_lab_copy
    )
    result = run_elenta("check", str(example_lab_copy))
    assert result.returncode == 2
    assert "networks.lab.subdomain" in result.stderr
    assert "machines.toto.resources.cores" in result.stderr
    # A cadaster fault stops before the cross-checks (they need a sound cadaster); fixing it shows
    # the next layer, every fault of it at once.
    replace(CADASTER, "subdomain = 5", 'subdomain = "lab"')(example_lab_copy)
    replace(CADASTER, "cores = -1,", "cores = 4,")(example_lab_copy)
    replace(
        CONSTELLATION,
        'services.app]\nrole = "web"\nhost = "archimedes"',
        'services.app]\nrole = "web"\nhost = "wrt"',
    )(example_lab_copy)
    replace(CONSTELLATION, '{ path = "/srv/media",', '{ path = "/srv/media\\n/etc",')(example_lab_copy)
    result = run_elenta("check", str(example_lab_copy))
    assert result.returncode == 2, result.stderr
    assert "roles.web.ports[0]: tcp/22 on 'archimedes'" in result.stderr  # a cross-check
    assert 'domains."example.lab".services.app.host' in result.stderr  # a kind check
    assert "roles.nfs.exports[0].path" in result.stderr  # a render-time check (the exports file)


def test_network_names_need_not_be_dns_labels(example_lab_copy: Path) -> None:
    append(
        CADASTER, '[networks.KANSAS]\ncidr = "127.0.9.0/24"\n[networks.CONDORCET]\ncidr = "127.0.10.0/24"'
    )(example_lab_copy)
    result = run_elenta("check", str(example_lab_copy))
    assert result.returncode == 0, result.stderr
    assert "5 networks" in result.stdout


def test_a_network_name_that_is_no_label_needs_a_subdomain_where_it_names_hosts(
    example_lab_copy: Path,
) -> None:
    cadaster = example_lab_copy / CADASTER
    text = cadaster.read_text().replace("[networks.home]", "[networks.HOME_NET]")
    text = text.replace('subdomain = "home"\n', "").replace('network = "home"', 'network = "HOME_NET"')
    cadaster.write_text(text)
    result = run_elenta("check", str(example_lab_copy))
    assert result.returncode == 2, result.stdout
    assert "networks.HOME_NET" in result.stderr and "subdomain" in result.stderr


def test_json_lab_with_numbers_for_text_is_refused_in_process(tmp_path: Path) -> None:
    from elenta.model.errors import ModelError
    from elenta.model.lab import load_lab

    (tmp_path / "cadaster.json").write_text(
        json.dumps(
            {
                "networks": {"lab": {"cidr": "127.0.1.0/24", "subdomain": 5}},
                "machines": {"a": {"interfaces": {"eth0": {"network": "lab", "ip": "127.0.1.2", "mac": 5}}}},
            }
        )
    )
    with pytest.raises(ModelError) as caught:
        load_lab(tmp_path)
    keys = {f.key for f in caught.value.faults}
    assert keys == {"networks.lab.subdomain", "machines.a.interfaces.eth0.mac"}


def test_a_network_named_in_capitals_names_hosts_in_lower_case(example_lab_copy: Path) -> None:
    from elenta.model.lab import load_lab

    cadaster = example_lab_copy / CADASTER
    text = cadaster.read_text().replace("[networks.home]", "[networks.KANSAS]")
    text = text.replace('subdomain = "home"\n', "").replace('network = "home"', 'network = "KANSAS"')
    cadaster.write_text(text)
    lab = load_lab(example_lab_copy)
    names = {name: str(record.ip) for record in lab.cadaster.addresses() for name in record.names}
    assert names["kansas.ifrit.canon"] == "127.0.2.254"
    assert str(lab.cadaster.address("kansas.ifrit.canon")) == "127.0.2.254"


def test_a_service_without_host_is_placed_and_named_in_dns(example_lab_copy: Path) -> None:
    """Found by the fuzz run: an emptied `host` (elenta places the service) crashed the DNS zone
    of the bare domain, and its CNAME pointed at `any.`."""
    import warnings

    from elenta.compile.plan import build_plan
    from elenta.model.lab import load_lab

    replace(CONSTELLATION, 'role = "web"\nhost = "archimedes"', 'role = "web"\nhost = ""')(example_lab_copy)
    lab = load_lab(example_lab_copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = build_plan(lab)
    placed = lab.placement.where["service:www.example.lab"]
    zone = plan.artifact("dns", "toto", "dns/zones/example.lab.zone").decode().splitlines()
    assert f"www IN CNAME {placed}.canon." in zone
    assert f"@ IN A {lab.cadaster.address(placed)}" in zone


def test_a_second_interface_on_one_network_is_named_by_its_interface(example_lab_copy: Path) -> None:
    from elenta.model.lab import load_lab

    second = '[machines.nancy.interfaces.enp4s0]\nnetwork = "lab"\nip = "127.0.1.33"'
    append(CADASTER, second)(example_lab_copy)
    records = {r.interface: r.names for r in load_lab(example_lab_copy).cadaster.addresses()}
    assert records["enp4s0"] == ("enp4s0.nancy.canon",)  # so it has a PTR too
    assert records["enp3s0"] == ("nancy.canon", "nancy.canon.lan")
