"""The DNS role against a real Knot server on 127.0.0.1:<free port>, deployed through `elenta dns apply`.

Each test runs `elenta dns apply --local` (pyinfra's @local connector, the same operation and
facts as over SSH), then asks the server itself with dnspython (`dns.query`, explicit loopback
server), never the system resolver.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import dns.zone
import pytest

from elenta.dns.diff import rrsets
from elenta.dns.push import apply_command
from elenta.lookup import lookup_address
from elenta.model.lab import load_lab

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab"
KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
EPOCH = "1764115200"  # 2025-11-26: serials are YYYYMMDDnn of this day, whatever the clock says

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(KNOTD).exists(), reason="Knot (knotd) is not installed"),
    pytest.mark.skipif(shutil.which("named-checkzone") is None, reason="named-checkzone is not installed"),
]


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


@dataclass
class Knot:
    directory: Path
    port: int

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ask(self, name: str, rtype: str) -> frozenset[str]:
        """The data the server answers for (name, type); empty for NXDOMAIN/NODATA."""
        query = dns.message.make_query(name, rtype)
        response = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=3)
        wanted = dns.rdatatype.from_text(rtype)
        return frozenset(r.to_text() for rrset in response.answer if rrset.rdtype == wanted for r in rrset)

    def serial(self, zone: str) -> int:
        (value,) = self.ask(zone, "SOA")
        return int(value.split()[2])

    def zone_files(self) -> dict[str, str]:
        return {p.name: p.read_text() for p in sorted((self.directory / "zones").glob("*.zone"))}


@pytest.fixture
def knot(tmp_path: Path) -> Iterator[Knot]:
    server = Knot(tmp_path / "srv", free_port())
    yield server
    pid_file = server.directory / "run" / "knot.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().split()[0])
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
        except ProcessLookupError:
            pass


@pytest.fixture
def lab_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)
    return Path(
        shutil.copytree(EXAMPLE, tmp_path / "lab", ignore=shutil.ignore_patterns(".elenta", "result*"))
    )


def elenta(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from elenta.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def apply(lab: Path, knot: Knot, *extra: str) -> subprocess.CompletedProcess[str]:
    """`elenta dns apply --local` through the command line (plan report, then pyinfra in a child)."""
    return elenta(
        "dns", "apply", "--local", "--lab", str(lab), "--dir", str(knot.directory),
        "--listen", f"127.0.0.1@{knot.port}", *extra,
    )  # fmt: skip


def pyinfra(lab: Path, knot: Knot, force: bool = False, **data: str) -> subprocess.CompletedProcess[str]:
    """The pyinfra run alone (no plan report first): what `elenta dns apply` starts, and what the
    lab's `deploy.py` does for the DNS role. Extra `data` become `--data key=value`."""
    command, env = apply_command(
        load_lab(lab), force=force, local=True, directory=str(knot.directory), listen=f"127.0.0.1@{knot.port}"
    )
    for key, value in data.items():
        command += ["--data", f"{key}={value}"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def planned(lab: Path) -> dict[str, str]:
    """The zone texts last verified on toto (kept by the operation under the lab's state dir)."""
    folder = lab / ".elenta" / "dns" / "toto"
    return {p.name[: -len(".zone")]: p.read_text() for p in folder.glob("*.zone")}


def answers(knot: Knot, keys: set[tuple[str, str]]) -> dict[tuple[str, str], frozenset[str]]:
    return {key: knot.ask(*key) for key in sorted(keys)}


def planned_keys(texts: dict[str, str]) -> dict[tuple[str, str], frozenset[str]]:
    out = {}
    for zone, text in texts.items():
        for (name, rtype), values in rrsets(text, zone).items():
            out[(zone if name == "@" else f"{name}.{zone}", rtype)] = values
    return out


def set_ip(lab: Path, old: str, new: str) -> None:
    cadaster = lab / "cadaster.toml"
    text = cadaster.read_text()
    assert f'ip = "{old}"' in text
    cadaster.write_text(text.replace(f'ip = "{old}"', f'ip = "{new}"'))


def test_deploy_change_one_ip_redeploy_and_look_up(lab_copy: Path, knot: Knot):
    cadaster = lab_copy / "cadaster.toml"
    cadaster.write_text(cadaster.read_text().replace('"127.0.1.53:53"', f'"127.0.0.1:{knot.port}"'))
    first = apply(lab_copy, knot)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "+ toto A 127.0.1.2" in first.stdout  # the record diff is shown before applying
    assert "DNS verified: 7 zones answer as planned" in first.stdout + first.stderr
    plan = planned_keys(planned(lab_copy))
    assert ("toto.canon", "A") in plan and ("www.example.lab", "CNAME") in plan
    before = answers(knot, set(plan))
    assert before == plan  # every planned record is served, exactly
    assert knot.ask("toto.canon.lan", "A") == {"127.0.1.2"}
    assert knot.ask("2.1.0.127.in-addr.arpa", "PTR") == {"toto.canon."}
    serials = {zone: knot.serial(zone) for zone in planned(lab_copy)}
    assert set(serials.values()) == {2025112600}

    set_ip(lab_copy, "127.0.1.5", "127.0.1.9")  # hermes moves
    second = pyinfra(lab_copy, knot)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "- hermes A 127.0.1.5" in second.stderr and "+ hermes A 127.0.1.9" in second.stderr
    new_plan = planned_keys(planned(lab_copy))
    after = answers(knot, set(plan) | set(new_plan))
    changed = {key for key in after if after[key] != before.get(key, frozenset())}
    assert changed == {
        ("hermes.canon", "A"),
        ("hermes.canon.lan", "A"),
        ("5.1.0.127.in-addr.arpa", "PTR"),
        ("9.1.0.127.in-addr.arpa", "PTR"),
    }
    assert after[("hermes.canon", "A")] == {"127.0.1.9"}
    assert after[("5.1.0.127.in-addr.arpa", "PTR")] == frozenset()
    assert after[("9.1.0.127.in-addr.arpa", "PTR")] == {"hermes.canon."}
    bumped = {zone for zone in serials if knot.serial(zone) != serials[zone]}
    assert bumped == {"canon", "canon.lan", "1.0.127.in-addr.arpa"}
    assert all(knot.serial(zone) == serials[zone] + 1 for zone in bumped)

    files = knot.zone_files()
    third = pyinfra(lab_copy, knot)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "no record changes" in third.stderr  # pyinfra logs to stderr
    assert "[@local] No changes" in third.stderr
    assert {zone: knot.serial(zone) for zone in serials} == {
        zone: serials[zone] + (zone in bumped) for zone in serials
    }
    assert knot.zone_files() == files

    # `elenta lookup` asks the deployed server (the cadaster's [dns] servers), not the file.
    set_ip(lab_copy, "127.0.1.2", "127.0.1.22")
    looked_up = elenta("lookup", "toto.canon", "--lab", str(lab_copy))
    assert looked_up.returncode == 0, looked_up.stderr
    assert looked_up.stdout.strip() == "127.0.1.2"
    assert lookup_address(load_lab(lab_copy), "lab.ifrit.canon") == "127.0.1.254"
    assert lookup_address(load_lab(lab_copy), "toto.canon", no_dns=True) == "127.0.1.22"


CLASHES = {
    "cname_clash": (
        '[domains.canon.services.toto]\nrole = "web"\nhost = "nancy"\n',
        [
            "clash.toml: domains.canon.services.toto: service name 'toto.canon' is already a cadaster name",
            "cadaster.toml: machines.toto.interfaces.enp2s0",
        ],
    ),
    "name_claimed_twice": (
        '[domains."example.lab".services.www]\nrole = "web"\nhost = "nancy"\n',
        [
            'clash.toml: domains."example.lab".services.www: name www.example.lab is also claimed by',
            'homelab.toml: domains."example.lab".services.www',
        ],
    ),
}


def test_invalid_zones_never_reach_the_server(lab_copy: Path, knot: Knot):
    clash = lab_copy / "constellations" / "clash.toml"
    text, expected = CLASHES["cname_clash"]
    clash.write_text(text)
    refused = apply(lab_copy, knot)  # a fresh server: nothing at all may be installed
    assert refused.returncode == 2, refused.stdout + refused.stderr
    for fragment in expected:
        assert fragment in refused.stderr
    assert not knot.directory.exists()

    clash.unlink()
    good = pyinfra(lab_copy, knot)
    assert good.returncode == 0, good.stdout + good.stderr
    files = knot.zone_files()
    text, expected = CLASHES["name_claimed_twice"]
    clash.write_text(text)
    refused = pyinfra(lab_copy, knot)  # the deploy path alone refuses too, naming both entries
    assert refused.returncode != 0
    for fragment in expected:
        assert fragment in refused.stdout + refused.stderr
    assert knot.zone_files() == files
    assert knot.serial("canon") == 2025112600
    assert knot.ask("www.example.lab", "CNAME") == {"archimedes.canon."}


def test_safety_threshold_and_rollback_of_a_zone_failing_verification(lab_copy: Path, knot: Knot):
    assert pyinfra(lab_copy, knot).returncode == 0
    files = knot.zone_files()
    for old, new in [
        ("127.0.1.2", "127.0.1.12"),
        ("127.0.1.3", "127.0.1.13"),
        ("127.0.1.4", "127.0.1.14"),
        ("127.0.1.5", "127.0.1.15"),
        ("127.0.1.254", "127.0.1.154"),
        ("127.0.1.250", "127.0.1.150"),
    ]:
        set_ip(lab_copy, old, new)
    refused = pyinfra(lab_copy, knot)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "zone canon: would delete or modify" in refused.stdout + refused.stderr
    assert "rerun with --force" in refused.stdout + refused.stderr
    assert knot.zone_files() == files
    forced = pyinfra(lab_copy, knot, force=True)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert knot.ask("toto.canon", "A") == {"127.0.1.12"}

    files = knot.zone_files()
    serial = knot.serial("canon")
    set_ip(lab_copy, "127.0.1.15", "127.0.1.9")
    # Verification asks a port where nothing answers: the new zones cannot be confirmed.
    failed = pyinfra(lab_copy, knot, elenta_dns_verify=f"127.0.0.1:{free_port()}", elenta_dns_verify_wait="1")
    assert failed.returncode != 0
    assert "DNS verification failed, previous zone files restored" in failed.stdout + failed.stderr
    assert knot.zone_files() == files
    assert not list((knot.directory / "zones").glob("*.prev"))
    assert knot.ask("hermes.canon", "A") == {"127.0.1.15"}
    assert knot.serial("canon") == serial
