"""Benchmark: compile + checks for generated labs of 100, 1,000 and 5,000 machines.

    python bench/compile.py            # 100 1000 5000
    python bench/compile.py 200 2000   # other sizes

Each lab has one constellation placing every machine (a third of them hypervisors with a VM and
a container), two roles with ports, exports and mounts, and one domain service per ten machines;
a second constellation shares part of the cadaster. Prints, per size, the time to load (pydantic
validation), to compile and check (the target: 1,000 machines in under 1 s, growing linearly),
to assemble the plan with the hostdata artifacts, and to run every registered artifact builder;
the time per machine and its ratio to the smallest size show whether growth is linear.

Then automatic placement: 100 and 1,000 services declared without a host (each asking for cores
and memory, a third with a tag, a tenth spread from their role) placed on 200 machines, with the
previous placement as memory and without; the target is 1,000 services in under 1 s.
"""

from __future__ import annotations

import ipaddress
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elenta.compile.artifacts import registered_builders
from elenta.compile.checks import check_lab
from elenta.compile.placement import lab_items, place
from elenta.compile.plan import assemble_plan
from elenta.hostdata.render import hostdata_artifacts
from elenta.model.cadaster import Cadaster, check_cadaster
from elenta.model.constellation import Constellation
from elenta.model.lab import Lab, LoadedConstellation, check_references


def generate(n: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A cadaster and two constellations for `n` machines (plain data, as loaded from files)."""
    net = ipaddress.ip_network("127.16.0.0/12")  # room for 2^19 machines and as many aliases
    networks = {"lab": {"cidr": str(net), "vlan": 100}}
    machines: dict[str, Any] = {}
    for i in range(n):
        iface: dict[str, Any] = {
            "mac": f"52:54:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}",
            "network": "lab",
            "ip": str(net[i + 1]),
        }
        if i % 5 == 0:
            iface["aliases"] = {"eth0_svc": {"ip": str(net[(1 << 19) + i])}}
        machines[f"m{i}"] = {
            "resources": {"cores": 16, "memory": "64G", "disk": "2T"},
            "interfaces": {"eth0": iface},
        }
    placements: dict[str, Any] = {}
    for i in range(n):
        p: dict[str, Any] = {
            "hostConfig": ".#hypervisor" if i % 3 == 0 else ".#worker",
            "data": {"rack": i % 40},
        }
        if i % 3 == 0:
            p["vms"] = {f"vm{i}": {"config": ".#web", "cores": 4, "memory": "8G", "disk": "100G"}}
            p["containers"] = {f"ct{i}": {"config": ".#cache", "cores": 1, "memory": "1G"}}
        placements[f"m{i}"] = p
    roles = {
        "hypervisor": {"ports": [{"port": 22}, {"port": 16509}], "mounts": ["/var/lib/libvirt"]},
        "worker": {
            "ports": [{"port": 22}, {"port": 9100}],
            "exports": [{"path": "/srv/scratch", "clients": ["lab"]}],
        },
        "web": {"ports": [{"port": 80}, {"port": 443}]},
    }
    services = {f"s{i}": {"role": "web", "host": f"m{i}"} for i in range(0, n, 10)}
    first = {
        "name": "main",
        "machines": placements,
        "roles": roles,
        "domains": {"bench.lab": {"services": services}},
    }
    second = {
        "name": "extra",
        "machines": {f"m{i}": {"data": {"team": "b"}, "tags": ["extra"]} for i in range(0, n, 7)},
        "roles": roles,
    }
    return {"domain": "canon", "networks": networks, "machines": machines}, first, second


def load(n: int) -> Lab:
    cadaster_data, first, second = generate(n)
    cadaster = Cadaster.model_validate(cadaster_data)
    check_cadaster(cadaster, "bench/cadaster.toml")
    constellations = [
        LoadedConstellation(Constellation.model_validate(first), "bench/main.toml"),
        LoadedConstellation(Constellation.model_validate(second), "bench/extra.toml"),
    ]
    lab = Lab(Path("bench"), cadaster, "bench/cadaster.toml", constellations)
    check_references(lab)
    return lab


def measure(n: int) -> dict[str, float]:
    t0 = time.perf_counter()
    lab = load(n)
    t1 = time.perf_counter()
    machines = check_lab(lab)
    t2 = time.perf_counter()
    entries = {name: e.config for name, e in machines.items()}
    plan = assemble_plan(entries, hostdata_artifacts(lab), None)
    t3 = time.perf_counter()
    failed = []
    count = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, builder in registered_builders().items():
            try:
                count += sum(1 for _ in builder(lab))
            except Exception as exc:  # another subsystem's builder on a generated lab
                failed.append(f"{name}: {type(exc).__name__}")
    t4 = time.perf_counter()
    assert len(plan.manifest["machines"]) == n
    return {
        "load": t1 - t0,
        "compile": t2 - t1,
        "plan": t3 - t2,
        "builders": t4 - t3,
        "artifacts": count,
        "failed": ", ".join(failed),
    }


def placement_lab(machines: int, services: int) -> Lab:
    """A lab of `machines` machines and `services` services without a host."""
    cadaster_data, first, _ = generate(machines)
    for i, spec in enumerate(cadaster_data["machines"].values()):
        spec["tags"] = ["ssd"] if i % 2 else []
    first["domains"]["bench.lab"]["services"] = {
        f"p{i}": {
            "role": f"r{i % 50}",
            "cores": 1 + i % 3,
            "memory": f"{1 + i % 4}G",
            **({"tags": ["ssd"]} if i % 3 == 0 else {}),
            **({"spread": True} if i % 10 == 0 else {}),
        }
        for i in range(services)
    }
    cadaster = Cadaster.model_validate(cadaster_data)
    check_cadaster(cadaster, "bench/cadaster.toml")
    constellation = LoadedConstellation(Constellation.model_validate(first), "bench/main.toml")
    lab = Lab(Path("bench"), cadaster, "bench/cadaster.toml", [constellation])
    check_references(lab)
    return lab


def measure_placement(machines: int, services: int) -> dict[str, float]:
    lab = placement_lab(machines, services)
    t0 = time.perf_counter()
    nodes, items = lab_items(lab)
    first = place(nodes, items)
    t1 = time.perf_counter()
    again = place(nodes, items, first.where)
    t2 = time.perf_counter()
    explained = place(nodes, items, explain=True)
    t3 = time.perf_counter()
    assert not first.faults and again.where == first.where == explained.where
    return {"fresh": t1 - t0, "memory": t2 - t1, "explain": t3 - t2}


def main(sizes: list[int]) -> None:
    print(
        f"{'machines':>9} {'load s':>8} {'compile+checks s':>17} {'µs/machine':>11} {'ratio':>6} "
        f"{'plan+hostdata s':>16} {'all builders s':>15}"
    )
    base = None
    for n in sizes:
        r = measure(n)
        per = r["compile"] / n * 1e6
        base = base or per
        print(
            f"{n:>9} {r['load']:>8.3f} {r['compile']:>17.3f} {per:>11.1f} {per / base:>6.2f} "
            f"{r['plan']:>16.3f} {r['builders']:>15.3f}"
            + (f"  (builders failing: {r['failed']})" if r["failed"] else "")
        )


def main_placement() -> None:
    heads = f"{'place s':>8} {'with memory s':>14} {'explain s':>10} {'of 1 s':>7}"
    print(f"\n{'machines':>9} {'services':>9} {heads}")
    for services in (100, 1000):
        r = measure_placement(200, services)
        print(
            f"{200:>9} {services:>9} {r['fresh']:>8.3f} {r['memory']:>14.3f} {r['explain']:>10.3f} "
            f"{r['fresh'] / 1.0:>7.2f}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])
    main_placement()
