"""Syntax of the names and addresses the model accepts (they reach shell commands and zones)."""

from __future__ import annotations

import ipaddress
import re

from elenta.model.text import check_dns_name_length, require_text

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_MAC = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$")
_FLAKE_REF = re.compile(r"^[A-Za-z0-9._/:+@~-]*#[A-Za-z0-9._\"-]+$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)
_IFACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,30}$")
_NETWORK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
SIZE_MAX_MIB = 1024**4  # one EiB


def check_label(name: str) -> str:
    """Return `name` if it is one DNS label safe for shells and zones, else raise ValueError.

    >>> check_label("toto")
    'toto'
    """
    if not _LABEL.match(require_text(name)):
        raise ValueError(
            f"{name!r} is not a valid DNS label (lower-case letters, digits and '-', "
            "1 to 63 characters, not starting or ending with '-')"
        )
    return name


def check_domain(name: str) -> str:
    """Return `name` if it is a dotted DNS name of valid labels, else raise ValueError.

    >>> check_domain("example.lab")
    'example.lab'
    """
    name = require_text(name).rstrip(".")
    if not name:
        raise ValueError(f"{name!r} is not a valid DNS name")
    check_dns_name_length(name)
    for label in name.split("."):
        try:
            check_label(label)
        except ValueError:
            raise ValueError(
                f"{name!r} is not a valid DNS name: label {label!r} must be lower-case "
                "letters, digits and '-'"
            ) from None
    return name


def normalise_mac(mac: str) -> str:
    """Return the MAC in lower-case colon form, else raise ValueError.

    >>> normalise_mac("52-54-00-AB-CD-EF")
    '52:54:00:ab:cd:ef'
    """
    text = require_text(mac).strip().lower()
    if not _MAC.match(text):
        raise ValueError(f"{mac!r} is not a MAC address (expected six hex pairs like 52:54:00:12:34:56)")
    return text.replace("-", ":")


def check_flake_ref(ref: str) -> str:
    """Return `ref` if it is a flake reference with an attribute (`.#dns`), else raise ValueError.

    >>> check_flake_ref(".#dns")
    '.#dns'
    """
    if not isinstance(ref, str) or not _FLAKE_REF.match(ref):
        raise ValueError(
            f"{ref!r} is not a flake reference with an attribute such as '.#dns' "
            "(letters, digits and ._/:+@~- only)"
        )
    return ref


def flake_attr(ref: str) -> str:
    """The configuration name a flake reference selects.

    >>> flake_attr(".#dns"), flake_attr("path:/lab#nixosConfigurations.nfs")
    ('dns', 'nfs')
    """
    attr = ref.split("#", 1)[1]
    return attr.removeprefix("nixosConfigurations.").split(".")[0].strip('"')


def check_interface_name(name: str) -> str:
    """Return `name` if it is a safe interface or port name (`enp2s0`, `Gi0/1`).

    >>> check_interface_name("enp2s0_dns")
    'enp2s0_dns'
    """
    if not _IFACE.match(require_text(name)):
        raise ValueError(
            f"{name!r} is not a valid interface name (letters, digits and _.:@/-, at most 31 characters)"
        )
    return name


def check_network_name(name: object) -> str:
    """Return `name` if it can name a network (a network with a VLAN id also names the VLAN on the
    switches, which `elenta.switch.check` keeps to 32 characters).

    A network name need not be a DNS label (`KANSAS`, `home_net`); where it would name hosts in
    DNS, the network's `subdomain` does, or its lower-cased name if that is a label.

    >>> check_network_name("KANSAS")
    'KANSAS'
    """
    if not _NETWORK.match(require_text(name)):
        raise ValueError(
            f"{name!r} is not a valid network name (letters, digits, '_', '.' and '-', at most 63 "
            "characters, starting with a letter or digit)"
        )
    return name


def network_label(name: str, subdomain: str | None) -> str | None:
    """The DNS label a network gives its hosts' names: its subdomain, else its lower-cased name.

    >>> network_label("KANSAS", None), network_label("lab", "l"), network_label("home_net", None)
    ('kansas', 'l', None)
    """
    return subdomain or label_of(name)


def label_of(name: str) -> str | None:
    """`name` lower-cased, if that is a DNS label: `label_of("KANSAS") == "kansas"`, else None.

    >>> label_of("enp4s0"), label_of("Gi0/1")
    ('enp4s0', None)
    """
    lowered = name.lower()
    return lowered if _LABEL.match(lowered) else None


def parse_size_mib(value: int | str) -> int:
    """Parse a size (`"16G"`, `"512M"`, `2048` meaning MiB) into MiB.

    >>> parse_size_mib("16G"), parse_size_mib(512), parse_size_mib("1T")
    (16384, 512, 1048576)
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value!r} is not a size")
        mib = value
    else:
        match = _SIZE.match(str(value) if isinstance(value, float) else require_text(value))
        if not match:
            raise ValueError(f"{value!r} is not a size such as '16G' or '512M'")
        number = float(match.group(1))
        unit = (match.group(2) or "M").upper()[0]
        factor = {"B": 1 / (1024 * 1024), "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[unit]
        if number * factor > SIZE_MAX_MIB:
            raise ValueError(f"{value!r} is too large (at most {SIZE_MAX_MIB} MiB, one EiB)")
        mib = int(number * factor)
    if mib > SIZE_MAX_MIB:
        raise ValueError(f"{value!r} is too large (at most {SIZE_MAX_MIB} MiB, one EiB)")
    return mib


def parse_dns_server(text: object) -> tuple[str, int]:
    """Split a DNS server (`"127.0.1.53:5353"`, `"[::1]:53"`, `"127.0.1.53"`) into IP and port.

    >>> parse_dns_server("127.0.0.1:5353"), parse_dns_server("127.0.1.53"), parse_dns_server("[::1]:54")
    (('127.0.0.1', 5353), ('127.0.1.53', 53), ('::1', 54))
    """
    value = require_text(text)
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else ("" if not rest else "x")
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a DNS server: an IP address, optionally with a port (127.0.1.53:53)"
        ) from None
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ValueError(f"{value!r} is not a DNS server: the port must be a number from 1 to 65535")
    return str(address), int(port or 53)


def check_dns_server(text: object) -> str:
    """Return `text` if it names a DNS server (see `parse_dns_server`), else raise ValueError."""
    parse_dns_server(text)
    return str(text)
