"""What the completed Cisco and Arista emulators share: extra port lines and MAC notation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def keep_extra(port: Any, line: str, negated: bool) -> None:
    """Store a port line the emulator does not model (`spanning-tree portfast`), or drop it (`no …`).

    One line per kind (its first two words): `spanning-tree bpduguard enable` replaces
    `spanning-tree bpduguard disable`.
    """
    extras = port.vendor_specific.setdefault("extra", [])
    kind = " ".join(line.split()[:2])
    extras[:] = [e for e in extras if " ".join(e.split()[:2]) != kind]
    if not negated:
        extras.append(line)


def dotted_mac(mac: str) -> str:
    """A MAC as switches print it: `dotted_mac("52:54:00:00:01:02") == "5254.0000.0102"`."""
    digits = mac.replace(":", "").replace("-", "").lower()
    return ".".join(digits[i : i + 4] for i in (0, 4, 8))


def negation(line: str) -> tuple[str, bool]:
    """A typed configuration line without its `no`, and whether it had one.

    `negation("no  storm-control  broadcast") == ("storm-control broadcast", True)`
    """
    text = " ".join(line.split())
    return (text[3:], True) if text.startswith("no ") else (text, False)


@contextmanager
def saved_state(conf: Any, saved: Callable[[Any], tuple[list[Any], list[Any]]]) -> Iterator[None]:
    """The saved configuration in place of the running one, for `show startup-config`."""
    now = (conf.vlans[:], conf.ports[:])
    conf.vlans[:], conf.ports[:] = saved(conf)
    try:
        yield
    finally:
        conf.vlans[:], conf.ports[:] = now


def mac_rows(conf: Any, macs: dict[str, str]) -> list[tuple[int, str, str]]:
    """(VLAN, dotted MAC, port as given) per `--mac PORT=MAC`; the VLAN is the port's access VLAN."""
    rows = []
    for port_name, mac in sorted(macs.items()):
        port = conf.get_port_by_partial_name(port_name)
        rows.append(((port.access_vlan if port is not None else None) or 1, dotted_mac(mac), port_name))
    return rows


class Faults:
    """The `--reject`, `--ignore` and `--cut` faults of a CLI session, for configuration lines.

    `Faults(behaviour, ConfigCommandProcessor, ("% Invalid input",)).receive(session, line, receive)`
    """

    def __init__(self, behaviour: Any, config_class: type, refusal: tuple[str, ...]) -> None:
        self.reject = re.compile(behaviour.reject) if behaviour.reject else None
        self.ignore = re.compile(behaviour.ignore) if behaviour.ignore else None
        self.cut = re.compile(behaviour.cut) if behaviour.cut else None
        self.config_class = config_class
        self.refusal = refusal  # what the switch answers a line it refuses

    def receive(self, session: Any, line: str, receive: Callable[[str], bool]) -> bool:
        """One typed line: refused, ignored or cut when it matches in configuration mode."""
        processor = session.command_processor
        configuring = False
        while processor.sub_processor is not None:
            processor = processor.sub_processor
            configuring = configuring or isinstance(processor, self.config_class)
        if self.ignore is not None and configuring and self.ignore.search(line):
            processor.show_prompt()  # accepted without a word, and not applied
            return True
        if self.reject is not None and configuring and self.reject.search(line):
            for reply in self.refusal:
                processor.write_line(reply)
            processor.show_prompt()
            return True
        still = receive(line)
        if self.cut is not None and configuring and self.cut.search(line):
            return False  # the change cut the session it came on
        return still
