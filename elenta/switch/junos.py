"""Junos configuration as `set` lines: read from NETCONF XML, compared inside elenta's scope, sent as XML.

A Junos switch is driven over NETCONF, but everything a user reads (plans, backups, the
rendered `switches/<name>.cfg`) is the configuration as `show configuration | display set`
prints it, one leaf per line:

    set vlans lab vlan-id 10
    set interfaces ge-0/0/1 unit 0 family ethernet-switching interface-mode access
    set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members 10

`config_lines(xml)` turns a `<configuration>` into those lines, `plan_change(running, desired,
driver, scope)` gives the `set`/`delete` lines inside elenta's scope (the same `Scope` and the
same section names, `vlan 10` and `interface ge-0/0/1`, as the CLI platforms), and
`edit_config(lines)` the `<config>` element one `edit-config` carries. Inside a port, only the
kinds of lines the cadaster can say are compared (`SwitchDriver.managed_port_lines`); a mode
change replaces the port's `family ethernet-switching` at once (delete then set, one commit).
Pure: lxml is imported when XML is read or written.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.etree import _Element

    from elenta.switch.diff import Scope, SwitchChange
    from elenta.switch.drivers import SwitchDriver

Words = tuple[str, ...]

# Leaves holding one value: a new `set` replaces the old one, a `delete` names no value.
SINGLE = {"description", "vlan-id", "port-mode", "interface-mode", "native-vlan-id", "802.3ad", "lacp"}
VALUED = {"description", "vlan-id", "port-mode", "interface-mode", "native-vlan-id", "members"}
SWITCHING = ("unit", "0", "family", "ethernet-switching")
_PLAIN = re.compile(r"^[A-Za-z0-9_.:/@+,=-]+$")
_TAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")  # a word that can be an XML element


def quote(word: str) -> str:
    """A word as Junos prints it: `quote("toto:enp2s0") == "toto:enp2s0"`, `quote("a b") == '"a b"'`."""
    if _PLAIN.match(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def line_text(verb: str, words: Words) -> str:
    """`line_text("set", ("vlans", "lab", "vlan-id", "10")) == "set vlans lab vlan-id 10"`."""
    return " ".join((verb, *(quote(w) for w in words)))


def parse_lines(text: str) -> list[tuple[str, Words]]:
    """`(verb, words)` of each `set`/`delete` line of a text; other lines are skipped."""
    out = []
    for line in text.splitlines():
        if line.startswith(("set ", "delete ")):
            verb, *words = shlex.split(line)
            out.append((verb, tuple(words)))
    return out


def config_words(text: str) -> set[Words]:
    """The leaves a configuration text sets, containers implied by a longer line dropped."""
    return _leaves(words for verb, words in parse_lines(text) if verb == "set")


def _leaves(lines: Iterable[Words]) -> set[Words]:
    found = set(lines)
    prefixes = {line[:n] for line in found for n in range(1, len(line))}
    return {line for line in found if line not in prefixes}


# -- XML ------------------------------------------------------------------------------------------


def _local(element: _Element) -> str:
    """An element's tag without namespace; "" for comments, and for Junos's own annotations
    (`<junos:comment>`…), which are not configuration."""
    tag = element.tag
    if not isinstance(tag, str) or "xml.juniper.net/junos/" in tag:
        return ""
    return tag.rsplit("}", 1)[-1]


def config_lines(configuration: _Element) -> str:
    """The `set` lines of a `<configuration>` element, in its order (the backup's text).

    An element with a `<name>` is a list entry: `<interfaces><interface><name>ge-0/0/1` reads
    `interfaces ge-0/0/1` (the entry's tag is dropped under its plural), `<unit><name>0` reads
    `unit 0`, `<user><name>admin` reads `user admin`.
    """
    lines: list[Words] = []

    def walk(element: _Element, prefix: Words, parent: str) -> None:
        tag = _local(element)
        children = [c for c in element if _local(c)]
        key = next((c for c in children if _local(c) == "name"), None)
        if key is not None and tag != "name":
            name = (key.text or "").strip()
            prefix = (*prefix, name) if parent == f"{tag}s" else (*prefix, tag, name)
            children = [c for c in children if c is not key]
        elif tag == "ieee-802.3ad":
            prefix = (*prefix, "802.3ad")
        elif tag != "bundle":
            prefix = (*prefix, tag)
        if not children:
            text = (element.text or "").strip()
            lines.append((*prefix, text) if text else prefix)
            return
        for child in children:
            walk(child, prefix, tag)

    for child in configuration:
        if _local(child):
            walk(child, (), "configuration")
    kept = _leaves(lines)
    ordered = [line for line in dict.fromkeys(lines) if line in kept]
    return "".join(line_text("set", words) + "\n" for words in ordered)


def _steps(words: Words) -> list[tuple[str, str | None, str | None]]:
    """The XML path of a set line: (tag, list key, leaf text) per element."""
    steps: list[tuple[str, str | None, str | None]] = []
    i = 0
    while i < len(words):
        word, more = words[i], i + 1 < len(words)
        if word in ("interfaces", "vlans") and more:
            steps += [(word, None, None), (word[:-1], words[i + 1], None)]
            i += 2
        elif word in ("unit", "interface") and more:
            steps.append((word, words[i + 1], None))
            i += 2
        elif word == "802.3ad":
            steps.append(("ieee-802.3ad", None, None))
            if more:
                steps.append(("bundle", None, words[i + 1]))
            i += 2
        elif more and (word in VALUED or (i + 2 == len(words) and not _TAG.match(words[i + 1]))):
            steps.append((word, None, words[i + 1]))  # a leaf and its value (`mtu 9000`)
            i += 2
        else:
            steps.append((word, None, None))
            i += 1
    return steps


def edit_config(lines: Iterable[str]) -> _Element:
    """The `<config>` of one `edit-config` carrying `set`/`delete` lines (deletes first).

    A `delete` of a container followed by `set` lines inside it is one `operation="replace"`.
    """
    from lxml import etree

    parsed = parse_lines("\n".join(lines))
    sets = [w for verb, w in parsed if verb == "set"]
    deletes = [w for verb, w in parsed if verb == "delete"]
    config = etree.Element("config")
    root = etree.SubElement(config, "configuration")

    def at(words: Words) -> _Element:
        node = root
        for tag, key, text in _steps(words):
            found = None
            for child in node:
                if child.tag != tag:
                    continue
                if key is not None and child.findtext("name") != key:
                    continue
                if text is not None and tag == "members" and child.text != text:
                    continue
                if text is not None and tag != "members":
                    continue
                found = child
                break
            if found is None:
                found = etree.SubElement(node, tag)
                if key is not None:
                    etree.SubElement(found, "name").text = key
                if text is not None:
                    found.text = text
            node = found
        return node

    for words in deletes:
        replaced = any(s[: len(words)] == words and len(s) > len(words) for s in sets)
        at(words).set("operation", "replace" if replaced else "delete")
    for words in sets:
        at(words)
    return config


# -- scope and change -----------------------------------------------------------------------------


def _vlan_ids(words: set[Words]) -> dict[str, int]:
    return {w[1]: int(w[3]) for w in words if len(w) == 4 and w[0] == "vlans" and w[2] == "vlan-id"}


def section_of(words: Words, vlan_ids: dict[str, int], driver: SwitchDriver) -> str | None:
    """The scope section a line belongs to (`interface ge-0/0/1`, `vlan 10`), or None."""
    if words[:1] == ("interfaces",) and len(words) > 1:
        return driver.port_section.format(name=words[1])
    if words[:3] == ("protocols", "rstp", "interface") and len(words) > 3:
        return driver.port_section.format(name=re.sub(r"\.0$", "", words[3]))
    if words[:1] == ("vlans",) and len(words) > 1 and words[1] in vlan_ids:
        return driver.vlan_section.format(id=vlan_ids[words[1]])
    return None


def _head(words: Words) -> int:
    """How many words name the section (`interfaces X`: 2, `protocols rstp interface X`: 4)."""
    return 4 if words[:1] == ("protocols",) else 2


def _managed(words: Words, driver: SwitchDriver) -> bool:
    rest = " ".join(words[_head(words) :])
    kinds = driver.managed_vlan_lines if words[0] == "vlans" else (*driver.managed_port_lines, "edge")
    return rest.startswith(kinds)


def _key(words: Words) -> Words:
    return words[:-1] if len(words) >= 2 and words[-2] in SINGLE else words


def _section_lines(
    running: set[Words], target: set[Words], everything: set[Words]
) -> list[tuple[str, Words]]:
    """The set/delete lines taking one section's managed leaves from `running` to `target`."""
    deletes: list[Words] = []
    sets: list[Words] = []
    for prefix in sorted({w[:2] for w in running if w[0] in ("interfaces", "vlans")}):
        mine = {w for w in everything if w[:2] == prefix}
        if not any(w[:2] == prefix for w in target) and (prefix[0] == "vlans" or mine <= running):
            deletes.append(prefix)  # a VLAN, or a port holding only what elenta manages: deleted whole
            running = {w for w in running if w[:2] != prefix}
        else:
            unit = (*prefix, *SWITCHING[:2])
            switching = (*prefix, *SWITCHING)
            had = {w for w in running if w[: len(unit)] == unit}
            wants = {w for w in target if w[: len(unit)] == unit}
            if had and not wants:
                deletes.append(unit)
                running -= had
            elif had and wants and _mode(had) != _mode(wants):
                deletes.append(switching)
                sets += sorted(w for w in wants if w[: len(switching)] == switching)
                running -= {w for w in had if w[: len(switching)] == switching}
                target = target - set(sets)
    target_keys = {_key(w) for w in target}
    for words in sorted(running - target):
        if _key(words) not in target_keys:
            deletes.append(_key(words))
    sets += sorted(target - running)
    return [("delete", w) for w in deletes] + [("set", w) for w in sets]


def _mode(lines: set[Words]) -> str | None:
    return next((w[-1] for w in lines if len(w) >= 2 and w[-2] in ("port-mode", "interface-mode")), None)


def _natural(text: str) -> list[str | int]:
    """Sort key putting `ge-0/0/2` before `ge-0/0/12`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def change_lines(
    running_text: str,
    target_text: str,
    driver: SwitchDriver,
    sections: Iterable[str],
    shutdown_ports: Iterable[str] = (),
    only_managed_target: bool = True,
) -> tuple[tuple[str, ...], frozenset[str]]:
    """The lines taking `sections` of `running_text` to `target_text`, and the sections touched.

    `shutdown_ports`: owned port sections absent from the target that are disabled, not reset.
    """
    running_all = config_words(running_text)
    target_all = config_words(target_text)
    ids = _vlan_ids(running_all) | _vlan_ids(target_all)
    wanted = set(sections)
    disabled = set(shutdown_ports)
    by_section: dict[str, tuple[set[Words], set[Words]]] = {}
    for section in disabled & wanted:
        by_section.setdefault(section, (set(), set()))
    for words in running_all:
        section = section_of(words, ids, driver)
        if section in wanted and _managed(words, driver):
            by_section.setdefault(section, (set(), set()))[0].add(words)
    for words in target_all:
        section = section_of(words, ids, driver)
        if section in wanted and (_managed(words, driver) or not only_managed_target):
            by_section.setdefault(section, (set(), set()))[1].add(words)
    out: list[tuple[str, Words]] = []
    touched = set()
    for section in sorted(by_section, key=_natural):
        running, target = by_section[section]
        port = driver.port_of_section(section)
        if section in disabled and port and driver.is_physical_port(section) and not target:
            target = {("interfaces", port, "disable")}
        lines = _section_lines(running, target, running_all)
        if lines:
            touched.add(section)
            out += lines
    ordered = [w for w in out if w[0] == "delete"] + [w for w in out if w[0] == "set"]
    return tuple(line_text(verb, words) for verb, words in ordered), frozenset(touched)


def plan_change(
    running_text: str,
    desired_text: str,
    driver: SwitchDriver,
    scope: Scope | None = None,
    shutdown_unused: bool = False,
) -> SwitchChange:
    """The `set`/`delete` lines taking the owned part of `running_text` to `desired_text`, and back.

    `plan_change(running, render_switch(state), JUNIPER_JUNOS, scope).remediation`
    """
    from elenta.switch.diff import Scope, SwitchChange

    desired = config_words(desired_text)
    ids = _vlan_ids(desired)
    own = {s for w in desired if (s := section_of(w, ids, driver))}
    scope = scope or Scope(frozenset(ids.values()), frozenset())
    sections = scope.sections(driver) | own
    unused = scope.sections(driver) - own if shutdown_unused else set()
    remediation, touched = change_lines(running_text, desired_text, driver, sections, unused, False)
    rollback, _ = change_lines(_applied(running_text, remediation), running_text, driver, touched)
    return SwitchChange(remediation, rollback, (), touched)


def _applied(running_text: str, lines: Iterable[str]) -> str:
    """The configuration text once `lines` are committed (for the rollback of a plan)."""
    words = config_words(running_text)
    for verb, path in parse_lines("\n".join(lines)):
        if verb == "delete":
            words = {w for w in words if w[: len(path)] != path}
        else:
            words = {w for w in words if _key(w) != _key(path) or w == path} | {path}
    return "".join(line_text("set", w) + "\n" for w in sorted(_leaves(words)))


def restore_lines(
    current_text: str, backup_text: str, driver: SwitchDriver, sections: Iterable[str]
) -> tuple[str, ...]:
    """Lines bringing `sections` of `current_text` back to what `backup_text` has there."""
    return change_lines(current_text, backup_text, driver, sections)[0]


def vlans_of(text: str) -> set[int]:
    """The VLAN ids a configuration text declares: `vlans_of("set vlans lab vlan-id 10") == {10}`."""
    return set(_vlan_ids(config_words(text)).values())
