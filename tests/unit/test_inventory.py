"""The pyinfra inventory built from the example lab: hosts, data, groups, selection, addresses."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.rrset
import pytest

from elenta.inventory import Selection, SelectionError, inventory_groups, select_machines
from elenta.lab.state import HostRecord, lab_state
from elenta.model.lab import load_lab
from elenta.pipeline.ssh import SshTarget

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "lab"


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ELENTA_STATE_DIR", str(tmp_path / "state"))
    return load_lab(EXAMPLE)


def test_one_host_per_ssh_machine_named_by_canon_name(lab) -> None:
    groups = inventory_groups(lab, no_dns=True)
    names = [name for name, _ in groups["all"]]
    assert names == ["toto.canon", "nancy.canon", "archimedes.canon", "ifrit.canon"]
    # The switch, router, modem and the netbooted hermes are not SSH hosts.
    assert not {"sw1.canon", "wrt.canon", "modem.canon", "hermes.canon"} & set(names)


def test_lab_hosts_are_reached_hermetically_and_carry_the_model(lab) -> None:
    state = lab_state(lab)
    state.save({"toto": HostRecord("toto", "127.0.1.2", 2201, 1, "mnt:[0]")})
    data = dict(inventory_groups(lab, no_dns=True)["all"])["toto.canon"]
    assert data["ssh_hostname"] == "127.0.1.2"
    assert data["ssh_port"] == 2201
    assert data["ssh_user"] == "root"
    assert data["ssh_strict_host_key_checking"] == "yes"
    assert Path(data["ssh_config_file"]).read_text() == ""
    assert data["ssh_known_hosts_file"].startswith(str(lab.state_dir))
    assert data["ssh_key"].startswith(str(lab.state_dir))
    target = SshTarget.from_data(data, "toto.canon")
    assert target.identity_files == (str(state.key),) and not target.agent and not target.sudo
    assert data["elenta_machine"] == "toto"
    assert data["elenta_roles"] == ["dns"]
    assert data["elenta_subsystems"] == ["nixos", "dns"]
    assert data["elenta_mac"] == "52:54:00:00:01:02"
    assert data["elenta_data"] == {"zone_admin": "hostmaster"}
    assert data["elenta_lab"] == str(EXAMPLE.resolve())
    assert "homelab" in data["elenta_constellations"]
    json.dumps(data)  # pyinfra's debug-inventory prints it


def _own_lab(tmp_path: Path, ssh_config: str, pin: str = "") -> Path:
    lab_dir = tmp_path / "lab"
    shutil.copytree(EXAMPLE, lab_dir, ignore=shutil.ignore_patterns(".elenta"))
    (lab_dir / "elenta.toml").write_text('[ssh]\nconfig = "ssh_config"\n')
    (lab_dir / "ssh_config").write_text(ssh_config)
    if pin:
        cadaster = lab_dir / "cadaster.toml"
        text = cadaster.read_text().replace(
            'description = "NFS server"', f'description = "NFS server"\n{pin}'
        )
        cadaster.write_text(text)
    return lab_dir


USER_CONFIG = """Host 127.0.1.3
  User deploy
  Port 2222
  ProxyJump jump@127.0.0.9:2200
  IdentityFile ~/.ssh/id_deploy
  UserKnownHostsFile /srv/known_hosts
"""


def test_other_machines_are_reached_as_the_users_ssh_config_says(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)
    lab_dir = _own_lab(tmp_path, USER_CONFIG)
    data = dict(inventory_groups(load_lab(lab_dir), no_dns=True)["all"])["nancy.canon"]
    target = SshTarget.from_data(data, "nancy.canon")
    assert (target.hostname, target.port, target.user) == ("127.0.1.3", 2222, "deploy")
    assert target.sudo and data["_sudo"] is True  # a non-root user goes through sudo, pyinfra too
    assert target.known_hosts[0] == "/srv/known_hosts" and not target.pinned  # then the global ones
    assert target.identity_files[0].endswith("/.ssh/id_deploy") and target.agent
    assert "-W '[127.0.1.3]:2222'" in target.proxy_command and "-p 2200" in target.proxy_command
    assert target.proxy_command.split()[-1] == "127.0.0.9"
    # OpenSSH processes get the same config and destination; pyinfra the resolved result.
    assert ["-F", str(lab_dir / "ssh_config")] == target.options()[:2]
    assert target.destination == "deploy@127.0.1.3"
    pyinfra_conf = Path(data["ssh_config_file"]).read_text()
    assert "Host elenta-jump-0\n  HostName 127.0.0.9\n  Port 2200\n  User jump" in pyinfra_conf
    assert "ProxyJump elenta-jump-0" in pyinfra_conf and "UserKnownHostsFile /srv/known_hosts" in pyinfra_conf


def test_the_cadaster_pins_win_over_the_ssh_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFq7nN0kQ4wS0VdPm0n1B5fQbd2dM7GQ9yYpW3c4kQ2c"
    pin = f'ssh = {{ user = "root", port = 2022, host_key = "{key}", proxy_jump = "b@127.0.0.8" }}'
    lab_dir = _own_lab(tmp_path, USER_CONFIG, pin)
    data = dict(inventory_groups(load_lab(lab_dir), no_dns=True)["all"])["nancy.canon"]
    target = SshTarget.from_data(data, "nancy.canon")
    assert (target.port, target.user, target.sudo) == (2022, "root", False)
    assert target.pinned and f"[127.0.1.3]:2022 {key}" in Path(target.known_hosts[0]).read_text()
    assert "-l b" in target.proxy_command and target.proxy_command.endswith("127.0.0.8")
    assert f"UserKnownHostsFile={target.known_hosts[0]}" in target.options()


def test_a_missing_identity_file_is_named_before_any_connection(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)
    lab_dir = _own_lab(tmp_path, "", 'ssh = { identity_file = "keys/missing" }')
    with pytest.raises(
        SelectionError, match=r"machines\.nancy\.ssh\.identity_file: .*keys/missing does not exist"
    ):
        inventory_groups(load_lab(lab_dir), no_dns=True)


def test_groups_per_role_tag_and_kind(lab) -> None:
    groups = inventory_groups(lab, no_dns=True)
    members = {name: [h for h, _ in hosts] for name, hosts in groups.items()}
    assert members["role_dns"] == ["toto.canon"]
    assert members["role_nfs"] == ["nancy.canon"]
    assert members["role_web"] == ["archimedes.canon"]
    assert members["tag_core"] == ["toto.canon", "nancy.canon", "ifrit.canon"]
    assert members["kind_nixos"] == members["all"]
    assert dict(groups["all"])["nancy.canon"]["elenta_subsystems"] == ["nixos", "nfs"]


def test_selection_is_a_union_in_cadaster_order(lab) -> None:
    chosen = select_machines(lab, Selection(canons=("ifrit.canon",), roles=("dns",), tags=("storage",)))
    assert chosen == ["toto", "nancy", "ifrit"]
    assert select_machines(lab, {"roles": ["nfs"]}) == ["nancy"]
    assert select_machines(lab, None) == ["toto", "nancy", "archimedes", "ifrit"]
    groups = inventory_groups(lab, no_dns=True, select=Selection(roles=("dns",)))
    assert [h for h, _ in groups["all"]] == ["toto.canon"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (Selection(canons=("totto.canon",)), "did you mean toto.canon"),
        (Selection(canons=("sw1.canon",)), "not deployed over SSH"),
        (Selection(canons=("hermes.canon",)), "netbooted"),
        (Selection(roles=("mail",)), "no SSH-deployed machine of the lab carries role 'mail'"),
        (Selection(tags=("gpu",)), "tagged 'gpu'"),
    ],
)
def test_bad_selection_is_named(lab, selection: Selection, message: str) -> None:
    with pytest.raises(SelectionError, match=message) as info:
        select_machines(lab, selection)
    assert info.value.exit_code == 2


def test_running_lab_host_port_comes_from_the_lab_state(lab) -> None:
    state = lab_state(lab)
    state.save({"toto": HostRecord("toto", "127.0.1.2", 40222, 1, "mnt:[1]")})
    data = dict(inventory_groups(lab, no_dns=True)["all"])
    assert data["toto.canon"]["ssh_port"] == 40222
    assert data["nancy.canon"]["ssh_port"] == 22


@pytest.fixture
def dns_server() -> Iterator[tuple[str, dict[str, str]]]:
    """A tiny authoritative DNS answerer on 127.0.0.1:<free port> (A records from a dict)."""
    answers = {"toto.canon.": "127.0.9.2", "nancy.canon.": "127.0.9.3"}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            name = query.question[0].name.to_text()
            if name in answers:
                response.answer.append(dns.rrset.from_text(name, 60, "IN", "A", answers[name]))
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}", answers
    stop.set()
    thread.join()
    sock.close()


def test_addresses_come_from_the_labs_dns_server_unless_no_dns(
    tmp_path: Path, monkeypatch, dns_server
) -> None:
    server, answers = dns_server
    lab_dir = tmp_path / "lab"
    shutil.copytree(EXAMPLE, lab_dir, ignore=shutil.ignore_patterns(".elenta"))
    cadaster = lab_dir / "cadaster.toml"
    cadaster.write_text(
        cadaster.read_text().replace('servers = ["127.0.1.53:53"]', f'servers = ["{server}"]')
    )
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)
    lab = load_lab(lab_dir)
    select = Selection(canons=("toto.canon", "nancy.canon"))
    via_dns = dict(inventory_groups(lab, select=select)["all"])
    assert via_dns["toto.canon"]["ssh_hostname"] == answers["toto.canon."]
    assert via_dns["nancy.canon"]["ssh_hostname"] == answers["nancy.canon."]
    from_cadaster = dict(inventory_groups(lab, no_dns=True, select=select)["all"])
    assert from_cadaster["toto.canon"]["ssh_hostname"] == "127.0.1.2"


def test_pyinfra_sees_the_inventory_file(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin:" + str(Path(sys.executable).parent),
        "ELENTA_NO_DNS": "1",
        "ELENTA_STATE_DIR": str(tmp_path / "state"),
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pyinfra", "inventories/lab.py", "debug-inventory"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    out = proc.stdout + proc.stderr
    assert "[toto.canon]" in out
    assert "role_dns" in out and "tag_core" in out
    assert '"elenta_roles"' in out
