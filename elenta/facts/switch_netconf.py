"""Facts read from a switch over NETCONF (Junos): configuration, interfaces, MAC table, LLDP.

Each fact is one RPC and a parser of its XML reply; the parsers (`*_of`) are pure and tested
with recorded replies, the readers take an open ncclient session
(`elenta.switch.netconf_session.open_netconf`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from elenta.model.errors import ElentaError
from elenta.switch.junos import config_lines

if TYPE_CHECKING:
    from lxml.etree import _Element


def _named(element: _Element, *names: str) -> list[_Element]:
    """Descendants of `element` whose local name is one of `names` (any namespace)."""
    test = " or ".join(f"local-name()='{n}'" for n in names)
    return list(element.xpath(f".//*[{test}]"))


def _text(element: _Element, *names: str) -> str:
    found = _named(element, *names)
    return (found[0].text or "").strip() if found else ""


def running_text(data: _Element) -> str:
    """The `set` lines of a `get-config` reply's `<data>` (empty configuration: empty text)."""
    configuration = _named(data, "configuration")
    return config_lines(configuration[0]) if configuration else ""


def _rpc(session: Any, xml: str) -> _Element:
    from lxml import etree

    reply = session.dispatch(etree.fromstring(xml))
    return etree.fromstring(reply.xml.encode())


def physical_ports(session: Any) -> set[str] | None:
    """Names of the switch's physical interfaces (`get-interface-information terse`); None if not told."""
    from ncclient.operations import RPCError

    try:
        reply = _rpc(session, "<get-interface-information><terse/></get-interface-information>")
    except RPCError:
        return None
    return ports_of(reply)


def ports_of(reply: _Element) -> set[str]:
    """Physical interface names in a `get-interface-information` reply."""
    return {_text(p, "name") for p in _named(reply, "physical-interface")}


class TableError(ElentaError):
    """The switch does not answer for its MAC table: `net verify` cannot check it."""

    exit_code = 2


def mac_rows(session: Any) -> list[tuple[int, str, str]]:
    """The learned MACs as `(vlan id or 0, mac, port)` (`get-ethernet-switching-table-information`)."""
    from ncclient.operations import RPCError

    try:
        reply = _rpc(session, "<get-ethernet-switching-table-information/>")
    except RPCError as exc:
        raise TableError(f"the switch gives no MAC table over NETCONF ({exc}): nothing verified") from None
    return macs_of(reply)


def macs_of(reply: _Element) -> list[tuple[int, str, str]]:
    """Rows of a MAC table reply, EX (`mac-table-entry`) or ELS (`l2ng-mac-entry`) style."""
    rows = []
    for entry in _named(reply, "mac-table-entry", "l2ng-mac-entry"):
        mac = _text(entry, "mac-address", "l2ng-l2-mac-address").lower()
        port = _text(entry, "mac-interfaces", "l2ng-l2-mac-logical-interface")
        tag = _text(entry, "mac-vlan-tag", "l2ng-l2-vlan-id")
        if mac and port:
            rows.append((int(tag) if tag.isdigit() else 0, mac, re.sub(r"\.\d+$", "", port)))
    return rows


def lldp_rows(session: Any) -> list[tuple[str, str, str]]:
    """LLDP neighbours as `(local port, system name, port id)`; none when LLDP is not answered."""
    from ncclient.operations import RPCError

    try:
        reply = _rpc(session, "<get-lldp-neighbors-information/>")
    except RPCError:
        return []
    return neighbours_of(reply)


def neighbours_of(reply: _Element) -> list[tuple[str, str, str]]:
    """Rows of a `get-lldp-neighbors-information` reply."""
    rows = []
    for entry in _named(reply, "lldp-neighbor-information"):
        port = re.sub(r"\.\d+$", "", _text(entry, "lldp-local-port-id", "lldp-local-interface"))
        rows.append((port, _text(entry, "lldp-remote-system-name"), _text(entry, "lldp-remote-port-id")))
    return rows
