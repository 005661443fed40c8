"""Dell Networking N-series (DNOS 6, PowerConnect 8100 heritage): the `dell_os6` platform.

Its CLI is IOS-like, with three differences this module absorbs:

* the configuration is flat: a section's lines are not indented and end with `exit`
  (`dnos6_indented` turns it into hier-config's indented form, both what the switch shows and
  what the template renders; pushes close each section with `exit`);
* interfaces are `tengigabitethernet 1/0/1` (short `Te1/0/1`), and a port at its defaults is
  absent from `show running-config` (so a listed port missing there is not "unknown", and a
  section missing from a backup means "at its defaults": a rollback empties it);
* a setting is removed without its value (`no switchport access vlan`).

Save is `copy running-config startup-config` (answered `y`); a refusal is `% Invalid input`,
`VLAN ID not found.`, `An invalid interface has been used…` or an `ERROR:` line. DNOS 6 has no
self-revert timer (no `reload in`, no commit confirmed): an apply is pushed, read back and
confirmed before it is saved, and rolled back unsaved on any refusal or mismatch. There is no
per-port BPDU guard (DNOS 6 has the global `spanning-tree bpdu-protection`) nor voice VLAN.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import TYPE_CHECKING

from elenta.switch.platform import HardwareModel, SwitchDriver

if TYPE_CHECKING:
    from elenta.model.cadaster import SwitchPort

# Top-level lines that open a section closed by `exit`.
_OPENS = re.compile(
    r"^(interface|vlan|line|router|ipv6 router|ip dhcp pool|class-map|policy-map|mail-server|stack)\b"
)
_ALLOWED = re.compile(r"^switchport (trunk|general) allowed vlan (?P<add>add )?(?P<list>[\d,-]+)$")
_QUOTED = re.compile(r"""^(?P<head>description|name) (?P<q>["'])(?P<text>.*)(?P=q)$""")
MAX_DESCRIPTION = 64  # DNOS 6's limit


def dnos6_indented(text: str) -> str:
    """DNOS 6's flat configuration as indented sections, names and lists in one spelling.

    >>> dnos6_indented("configure\\ninterface Te1/0/1\\ndescription 'x'\\nexit\\nexit\\n")
    'interface tengigabitethernet 1/0/1\\n description "x"\\n'

    Already indented text (a backup written by another tool) is taken as it is.
    """
    from elenta.switch.render import vlan_ranges

    out: list[str] = []
    inside = indented = False
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("!"):
            continue
        if raw[:1].isspace() and inside:  # indented already
            indented = True
        elif indented and not _OPENS.match(line):  # the end of an indented section
            inside = indented = False
        if raw[:1].isspace() and inside:
            pass
        elif line == "exit":
            inside = False
            continue
        elif line == "configure" and not inside:
            continue
        elif _OPENS.match(line):
            inside, indented = True, False
            if line.startswith("interface "):
                line = "interface " + DRIVER.canonical(line[len("interface ") :])
            out.append(line)
            continue
        if not inside:
            out.append(line)
            continue
        if (quoted := _QUOTED.match(line)) is not None:
            text_ = quoted["text"]
            line = f'description "{text_}"' if quoted["head"] == "description" else f"name {text_}"
        elif (allowed := _ALLOWED.match(line)) is not None and not allowed["add"]:
            with suppress(ValueError):  # not a list of VLANs: left as it is
                vlans = [
                    n
                    for part in allowed["list"].split(",")
                    for n in range(int(part.split("-")[0]), int(part.split("-")[-1]) + 1)
                ]
                line = f"switchport {allowed[1]} allowed vlan {vlan_ranges(vlans)}"
        out.append(f" {line}")
    return "".join(f"{line}\n" for line in out)


def _port_faults(port: SwitchPort) -> list[tuple[tuple[str, ...], str]]:
    faults: list[tuple[tuple[str, ...], str]] = []
    if port.bpduguard:
        faults.append((("bpduguard",), "DNOS 6 has no per-port BPDU guard (its BPDU protection is global)"))
    text = port.description
    if text is not None and (len(text) > MAX_DESCRIPTION or '"' in text or "'" in text):
        faults.append(
            (
                ("description",),
                f"a DNOS 6 port description is {MAX_DESCRIPTION} characters at most, no quotes",
            )
        )
    return faults


DRIVER = SwitchDriver(
    platform="dell_os6",
    netmiko_device_type="dell_os6",
    hier_config_base="cisco_ios.driver:HConfigDriverCiscoIOS",  # the closest: VLAN lists, names
    error_pattern=r"^\s*%\s*(Invalid|Incomplete|Ambiguous|Error).*$|^VLAN\s+\d+\s+ERROR:.*$"
    r"|^(VLAN ID not found|An invalid interface has been used|Could not configure|Interface not in"
    r"|These VLANs do not exist|Command not found|Invalid input|Value is out of range|Port is not"
    r"|Name must be).*$",
    save_command="copy running-config startup-config",
    save_question=r"\(y/n\)\s*$",
    show_running="show running-config",
    show_macs="show mac address-table",
    physical_port=re.compile(
        r"^interface (gigabitethernet|tengigabitethernet|twentyfivegigabitethernet|fortygigabitethernet"
        r"|hundredgigabitethernet) \d+/\d+/\d+$"
    ),
    port_section="interface {name}",
    vlan_section="vlan {id}",
    port_channel="port-channel {id}",
    managed_port_lines=(
        "description ",
        "switchport access vlan ",
        "switchport mode ",
        "switchport trunk native vlan ",
        "switchport trunk allowed vlan ",
        "spanning-tree portfast",
        "channel-group ",
        "shutdown",
    ),
    names={
        "gigabitethernet": ("gi", "gig", "ge"),
        "tengigabitethernet": ("te", "ten", "tengig"),
        "twentyfivegigabitethernet": ("tw", "twe"),
        "fortygigabitethernet": ("fo", "forty"),
        "hundredgigabitethernet": ("hu", "hundred"),
        "port-channel": ("po", "portchannel"),
        "vlan": ("vl",),
    },
    models={
        "dell_n2048": HardwareModel(("gigabitethernet 1/0/1-48", "tengigabitethernet 1/0/1-2")),
        "dell_n4032": HardwareModel(("tengigabitethernet 1/0/1-24", "fortygigabitethernet 1/1/1-2")),
    },
    name_separator=" ",
    config_preprocessor=dnos6_indented,
    section_exit="exit",
    config_prompt=")#",
    lists_default_ports=False,
    bare_negations=(
        "description",
        "switchport access vlan",
        "switchport mode",
        "switchport trunk native vlan",
        "switchport trunk allowed vlan",
        "channel-group",
    ),
    port_faults=_port_faults,
)
