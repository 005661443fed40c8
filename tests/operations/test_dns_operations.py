"""The DNS operation and facts, pyinfra fixture style: facts in, commands out."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from pyinfra.api import OperationError
from pyinfra.context import ctx_host

from elenta.dns.knot import knot_conf
from elenta.dns.render import lab_zone_texts
from elenta.dns.serial import serial_of, stamp
from elenta.facts.dns import FileText, KnotRunning, ZoneFiles
from elenta.model.lab import load_lab
from elenta.operations import dns
from tests.operations.harness import FakeHost, run_operation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab"
D = "/srv/dns"


def dns_host(zones: dict[str, str], conf: str | None, running: bool) -> FakeHost:
    """A DNS host holding `zones` and `conf` under D, its Knot running or not."""
    facts = {
        "dns.ZoneFiles": {f"directory={D}/zones": zones},
        "dns.FileText": {f"path={D}/knot.conf": conf},
        "dns.KnotRunning": {f"socket={D}/run/knot.sock": running},
    }
    return FakeHost(facts, "toto.canon")


def run(host: FakeHost, **kwargs: Any) -> list[Any]:
    return run_operation(dns.zones, host, **kwargs)


def is_verify(command: Any, at: str = "127.0.0.1:5353") -> bool:
    return command[:2] == ["function", "_verify_or_roll_back"] and command[2][0] == at


@pytest.fixture(scope="module")
def planned() -> dict[str, str]:
    return lab_zone_texts(load_lab(EXAMPLE))


@pytest.fixture
def conf(planned) -> str:
    return knot_conf(list(planned), ["127.0.0.1@5353"], D)


def served(texts: dict[str, str]) -> dict[str, str]:
    """What the host holds after a reproducible first install of `texts`."""
    return {z: stamp(t, None, None).text for z, t in texts.items()}


def kwargs(texts: dict[str, str], conf: str, **extra: Any) -> dict[str, Any]:
    return {"zone_texts": texts, "conf_text": conf, "directory": D, "verify_at": "127.0.0.1:5353", **extra}


def test_first_install(planned, conf, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    commands = run(dns_host({}, None, False), **kwargs(planned, conf, reproducible=True))
    assert commands[0] == f"mkdir -p {D}/zones {D}/run {D}/db"
    uploads = [c[2] for c in commands if c[0] == "upload"]
    assert uploads == [f"{D}/zones/{z}.zone.new" for z in planned] + [f"{D}/knot.conf.new"]
    assert f"knotc -c {D}/knot.conf.new conf-check" in commands
    assert dns.swap_command(f"{D}/zones/canon.zone") in commands
    assert dns.swap_command(f"{D}/knot.conf") in commands
    assert commands[-2] == dns.reload_command(dns.layout(D))
    assert is_verify(commands[-1])
    # every check and swap comes before the reload: nothing is served half-checked
    assert (
        max(i for i, c in enumerate(commands) if "conf-check" in str(c) or "mv -f" in str(c))
        < len(commands) - 2
    )


def test_up_to_date_host_gets_nothing(planned, conf):
    host = dns_host(served(planned), conf, True)
    assert run(host, **kwargs(planned, conf)) == []
    assert host.noop_description == "DNS zones and server config are up to date"


def test_stopped_server_is_started(planned, conf):
    commands = run(dns_host(served(planned), conf, False), **kwargs(planned, conf))
    assert [c for c in commands if c[0] == "upload"] == []
    assert dns.reload_command(dns.layout(D)) in commands


def test_one_changed_zone_is_uploaded_with_a_bumped_serial(planned, conf, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    on_host = served(planned)
    changed = dict(planned)
    changed["canon"] = planned["canon"].replace("hermes IN A 127.0.1.5", "hermes IN A 127.0.1.9")
    commands = run(dns_host(on_host, conf, True), **kwargs(changed, conf))
    uploads = [c for c in commands if c[0] == "upload"]
    assert [u[2] for u in uploads] == [f"{D}/zones/canon.zone.new"]
    text = uploads[0][1]
    assert serial_of(text) == 2023111400 and "hermes IN A 127.0.1.9" in text


def test_stale_zone_file_is_removed(planned, conf):
    on_host = served(planned)
    on_host["old.lab"] = on_host["example.lab"].replace("example.lab", "old.lab")
    commands = run(dns_host(on_host, conf, True), **kwargs(planned, conf))
    assert commands[-2] == f"rm -f {D}/zones/old.lab.zone"
    assert is_verify(commands[-1])


def test_over_30_percent_is_refused_unless_forced(planned, conf):
    on_host = served(planned)
    renumbered = dict(planned)
    renumbered["canon"] = planned["canon"].replace("IN A 127.0.1.", "IN A 127.0.2.")
    with pytest.raises(OperationError, match=r"zone canon: would delete or modify \d+ of \d+ record sets"):
        run(dns_host(on_host, conf, True), **kwargs(renumbered, conf))
    commands = run(dns_host(on_host, conf, True), **kwargs(renumbered, conf, force=True))
    assert [c[2] for c in commands if c[0] == "upload"] == [f"{D}/zones/canon.zone.new"]


def test_a_zone_named_checkzone_refuses_yields_no_command(planned, conf):
    broken = dict(planned)
    broken["canon"] += "toto IN CNAME nancy.canon.\n"
    host = dns_host({}, None, False)
    with ctx_host.use(host):
        generator = dns.zones._inner(**kwargs(broken, conf))
        with pytest.raises(OperationError, match="zone canon: named-checkzone refused it"):
            next(generator)


def test_facts_parse_command_output():
    zone_text = "$ORIGIN canon.\n@ IN NS ns\n"
    line = f"canon {base64.b64encode(zone_text.encode()).decode()}"
    assert ZoneFiles().process([line]) == {"canon": zone_text}
    assert ZoneFiles.default() == {}
    assert "base64 -w0" in ZoneFiles().command(directory="/srv/dns/zones")
    assert FileText().process(["absent"]) is None
    assert FileText().process([f"present {base64.b64encode(b'x: 1').decode()}"]) == "x: 1"
    assert KnotRunning().process(["running"]) is True
    assert KnotRunning().process(["stopped"]) is False
    assert "knotc -s /d/run/knot.sock status" in KnotRunning().command(socket="/d/run/knot.sock")
