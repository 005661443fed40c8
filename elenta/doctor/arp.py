"""ARP probes from this machine: who answers for an address on a link (Linux AF_PACKET, root).

`probe(["192.0.2.10"], "eth0", timeout=1.0)` -> `{"192.0.2.10": ["52:54:00:aa:00:10"]}`: every
MAC that answered, so that two machines holding one address show up as two MACs. Requests are
broadcast on `interface` only, asking from the interface's own address (or 0.0.0.0, a probe in
the RFC 5227 sense, when it has none), and the function waits `timeout` seconds for replies.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
import subprocess
import time

ETH_P_ARP = 0x0806
SIOCGIFHWADDR = 0x8927
SIOCGIFADDR = 0x8915


def _ioctl(sock: socket.socket, request: int, interface: str) -> bytes:
    return fcntl.ioctl(sock.fileno(), request, struct.pack("256s", interface.encode()[:15]))


def interface_addresses(interface: str) -> tuple[bytes, bytes]:
    """(MAC, IPv4 address) of a local interface; the address is 0.0.0.0 when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        mac = _ioctl(sock, SIOCGIFHWADDR, interface)[18:24]
        try:
            ip = _ioctl(sock, SIOCGIFADDR, interface)[20:24]
        except OSError:
            ip = bytes(4)
    return mac, ip


def _request(src_mac: bytes, src_ip: bytes, target: bytes) -> bytes:
    ether = b"\xff" * 6 + src_mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src_mac + src_ip + bytes(6) + target
    return ether + arp


def probe(
    addresses: list[str], interface: str, timeout: float = 1.0, repeat: int = 2
) -> dict[str, list[str]]:
    """Every MAC answering an ARP request for each address (an address nobody answers maps to [])."""
    targets = {ipaddress.IPv4Address(a).packed: a for a in addresses}
    answers: dict[str, set[str]] = {a: set() for a in addresses}
    src_mac, src_ip = interface_addresses(interface)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as sock:
        sock.bind((interface, 0))
        sock.settimeout(0.05)
        for _ in range(repeat):
            for packed in targets:
                sock.send(_request(src_mac, src_ip, packed))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frame = sock.recv(128)
            except TimeoutError:
                continue
            if len(frame) < 42 or frame[12:14] != b"\x08\x06" or frame[20:22] != b"\x00\x02":
                continue  # not an ARP reply
            sender_mac, sender_ip = frame[22:28], frame[28:32]
            if sender_ip in targets:
                answers[targets[sender_ip]].add(":".join(f"{b:02x}" for b in sender_mac))
    return {a: sorted(m) for a, m in answers.items()}


def link_networks(interface: str) -> list[ipaddress.IPv4Network]:
    """The IPv4 networks of a local interface (an ARP probe reaches addresses inside them)."""
    out = subprocess.run(
        ["ip", "-o", "-4", "addr", "show", "dev", interface], capture_output=True, text=True, check=False
    )
    networks = []
    for line in out.stdout.splitlines():
        words = line.split()
        if "inet" in words:
            networks.append(ipaddress.IPv4Interface(words[words.index("inet") + 1]).network)
    return networks
