"""Benchmark: rendering DHCP from the cadaster, and what checking it with the servers' parsers costs.

    python bench/dhcp.py            # 50 500 2000 machines
    python bench/dhcp.py 100 1000

For each size, a lab with that many machines on 198.18.0.0/16 (the benchmarking range of RFC 2544,
data only: nothing is contacted) is loaded; elenta renders Kea's and dnsmasq's configuration from
it, and checks each with the server's own parser (`kea-dhcp4 -t` in a private network namespace
holding a stand-in interface, `dnsmasq --test`). Prints the mean of three runs and the ratio of
the check to the rendering: the price of "checked before any host is touched".
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elenta.dhcp.dnsmasq import dnsmasq_text
from elenta.dhcp.kea import config_text, kea4_config
from elenta.dhcp.scopes import dhcp_services
from elenta.dhcp.validate import check_config
from elenta.model.lab import Lab, load_lab

RUNS = 3


def make_lab(folder: Path, machines: int) -> Path:
    lines = [
        'domain = "canon"',
        "[networks.lab]",
        'cidr = "198.18.0.0/16"',
        'gateway = "gw"',
        'dhcp = { range = ["198.18.200.1", "198.18.250.254"] }',
        '[machines.gw.interfaces.lan0]\nmac = "52:54:00:ff:ff:01"\nnetwork = "lab"\nip = "198.18.0.1"',
    ]
    for i in range(machines):
        mac = f"52:54:00:00:{i // 256:02x}:{i % 256:02x}"
        ip = f"198.18.{1 + i // 250}.{1 + i % 250}"
        lines.append(f'[machines.m{i}.interfaces.eth0]\nmac = "{mac}"\nnetwork = "lab"\nip = "{ip}"')
    (folder / "constellations").mkdir(parents=True)
    (folder / "cadaster.toml").write_text("\n".join(lines) + "\n")
    (folder / "constellations" / "c.toml").write_text(
        '[machines.gw]\nhostConfig = ".#router"\n[roles.router]\ndhcp = { server = "kea" }\n'
    )
    return folder


def mean(action: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    for _ in range(RUNS):
        action(*args)
    return (time.perf_counter() - started) / RUNS


def render_kea(lab: Lab) -> str:
    return config_text(kea4_config(dhcp_services(lab)[0]))


def render_dnsmasq(lab: Lab) -> str:
    return dnsmasq_text(dhcp_services(lab)[0])


def main(sizes: list[int]) -> None:
    print(f"{'machines':>8}  {'render kea':>10}  {'kea -t':>8}  {'ratio':>6}  ", end="")
    print(f"{'render dnsmasq':>14}  {'--test':>8}  {'ratio':>6}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            lab = load_lab(make_lab(Path(folder) / "lab", size))
            kea_render = mean(render_kea, lab)
            kea_check = mean(check_config, "kea", {"kea-dhcp4.conf": render_kea(lab)}, ["lan0"])
            dm_render = mean(render_dnsmasq, lab)
            dm_check = mean(check_config, "dnsmasq", {"dnsmasq.conf": render_dnsmasq(lab)})
        print(
            f"{size:>8}  {kea_render:>9.3f}s  {kea_check:>7.3f}s  {kea_check / kea_render:>5.1f}x  "
            f"{dm_render:>13.3f}s  {dm_check:>7.3f}s  {dm_check / dm_render:>5.1f}x"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 500, 2000])
