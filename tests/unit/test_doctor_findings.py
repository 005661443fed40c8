"""`elenta doctor`'s pure parts: lease files, `ip -j` output, and findings from observations."""

from __future__ import annotations

import json

from elenta.doctor.collect import parse_ip_addr, parse_ip_neigh
from elenta.doctor.findings import LiveInterface, Neighbour, Observed, find_problems
from elenta.doctor.leases import Lease, parse_leases
from elenta.model.lab import load_lab
from tests.conftest import EXAMPLE_LAB

HEADER = (
    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
)
KEA = (
    HEADER
    + """
127.0.1.100,52:54:00:00:09:99,,3600,2000,1,0,0,a,0,
127.0.1.101,52:54:00:00:09:98,,3600,5000,1,0,0,b.,0,
127.0.1.100,52:54:00:00:09:99,,3600,6000,1,0,0,a,0,
127.0.1.102,52:54:00:00:09:97,,3600,6000,1,0,0,c,2,
"""
)


def test_kea_leases_last_line_wins_expired_and_reclaimed_dropped() -> None:
    assert parse_leases(KEA, now=4000) == [
        Lease("127.0.1.100", "52:54:00:00:09:99", "a", 6000),
        Lease("127.0.1.101", "52:54:00:00:09:98", "b", 5000),
    ]
    assert [lease.ip for lease in parse_leases(KEA, now=5500)] == ["127.0.1.100"]


def test_dnsmasq_leases() -> None:
    text = (
        "6000 52:54:00:00:09:99 127.0.1.100 * 01:52:54:00:00:09:99\n"
        "duid 00:01\n"
        "1000 52:54:00:00:09:98 127.0.1.9 x *\n"
    )
    assert parse_leases(text, now=2000) == [Lease("127.0.1.100", "52:54:00:00:09:99", "", 6000)]


def test_ip_json_parsers() -> None:
    neigh = json.dumps(
        [
            {"dst": "127.0.1.9", "dev": "eth0", "lladdr": "52:54:00:00:09:99", "state": ["REACHABLE"]},
            {"dst": "127.0.1.8", "dev": "eth0", "state": ["FAILED"]},
            {"dst": "fe80::1", "dev": "eth0", "lladdr": "52:54:00:00:09:98", "state": ["STALE"]},
        ]
    )
    assert parse_ip_neigh(neigh, "here") == [Neighbour("127.0.1.9", "52:54:00:00:09:99", "here")]
    addr = json.dumps(
        [
            {"ifname": "lo", "address": "00:00:00:00:00:00", "addr_info": [{"local": "127.0.0.1"}]},
            {"ifname": "enp2s0", "address": "52:54:00:00:01:02", "addr_info": [{"local": "127.0.1.2"}]},
        ]
    )
    assert parse_ip_addr(addr)[1] == LiveInterface("enp2s0", "52:54:00:00:01:02", ("127.0.1.2",))


def test_findings_from_observations() -> None:
    lab = load_lab(EXAMPLE_LAB)
    observed = Observed(
        leases=[
            (Lease("127.0.1.3", "52:54:00:00:09:99"), "ifrit"),  # nancy's address, another MAC
            (Lease("127.0.1.150", "52:54:00:00:01:02"), "ifrit"),  # toto's MAC, a range address
        ],
        neighbours=[Neighbour("127.0.1.151", "52:54:00:00:09:98", "this machine")],
        probes={"127.0.1.2": ["52:54:00:00:01:02"]},  # one answer, the right MAC: nothing
        interfaces={"toto": [LiveInterface("enp2s0", "52:54:00:00:01:02", ("127.0.1.2",))]},
        dns={"toto.canon": ("127.0.1.53:53", ["127.0.1.2"]), "nancy.canon": ("127.0.1.53:53", [])},
    )
    lines = [str(f) for f in find_problems(lab, observed)]
    assert lines == [
        "dns-mismatch: nancy.canon: 127.0.1.53:53 answers nothing, the cadaster says 127.0.1.3; deploy the "
        "zones (`elenta dns apply`, or `elenta deploy --only dns`); if they are deployed, look for another "
        "server answering for the zone",
        # toto's alias address is missing on the live interface
        "interface-mismatch: toto:enp2s0: the machine lacks 127.0.1.53 (it has: 127.0.1.2); renew its DHCP "
        "lease or fix its network configuration (and deploy it)",
        "lease-mismatch: toto:enp2s0: ifrit leases 127.0.1.150 to 52:54:00:00:01:02, the cadaster gives it "
        "127.0.1.2; deploy the reservations (`elenta dhcp apply`), then renew the lease on the machine",
        "stale-lease: 127.0.1.3: ifrit leases it to 52:54:00:00:09:99, but the cadaster gives it to "
        "nancy:enp3s0 (52:54:00:00:01:03); delete that lease on the DHCP server and renew on "
        "52:54:00:00:09:99; until then nancy.canon and 52:54:00:00:09:99 may both answer for 127.0.1.3",
        "unknown-device: 52:54:00:00:09:98: seen at 127.0.1.151 in the neighbour table of this machine, and "
        "the cadaster has no such MAC; add the device to the cadaster (machines.<name>.interfaces.<if>.mac), "
        "or keep it off the network",
    ]


def test_clean_observations_give_nothing() -> None:
    lab = load_lab(EXAMPLE_LAB)
    observed = Observed(
        leases=[(Lease("127.0.1.2", "52:54:00:00:01:02"), "ifrit")],
        probes={"127.0.1.3": ["52:54:00:00:01:03"]},
        interfaces={"nancy": [LiveInterface("enp3s0", "52:54:00:00:01:03", ("127.0.1.3",))]},
        dns={"lab.ifrit.canon": ("s", ["127.0.1.254"])},
    )
    assert find_problems(lab, observed) == []


def test_aaaa_answers_are_compared_for_dual_stack_names(example_lab_copy) -> None:
    from tests.unit.test_dual_stack import TOTO6, dual_stack

    lab = load_lab(dual_stack(example_lab_copy))
    observed = Observed(
        dns={
            "toto.canon": ("s", ["127.0.1.2"]),
            "toto.canon AAAA": ("s", ["2001:db8:1::9"]),
            "ifrit.canon AAAA": ("s", ["2001:0db8:0001:0000:0000:0000:0000:00fe"]),  # same, written long
        }
    )
    (finding,) = find_problems(lab, observed)
    assert (finding.kind, finding.subject) == ("dns-mismatch", "toto.canon AAAA")
    assert finding.message == f"s answers 2001:db8:1::9, the cadaster says {TOTO6}"
