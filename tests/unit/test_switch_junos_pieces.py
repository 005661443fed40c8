"""The Junos platform's pure half: set lines from XML, the scoped change, the edit-config XML, facts."""

from __future__ import annotations

from lxml import etree

from elenta.facts.switch_netconf import macs_of, neighbours_of, ports_of, running_text
from elenta.switch import junos
from elenta.switch.backups import scrub
from elenta.switch.diff import Scope, plan_change, restore_lines
from elenta.switch.drivers import driver_for
from elenta.switch.render import PortSpec, SwitchState, VlanSpec, render_switch

JUNOS = driver_for("juniper_junos")
ES = "unit 0 family ethernet-switching"

RUNNING_XML = """<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>
<configuration xmlns="http://xml.juniper.net/xnm/1.1/xnm">
  <interfaces>
    <interface><name>ge-0/0/1</name><description>toto: old desk</description><mtu>9000</mtu>
      <unit><name>0</name><family><ethernet-switching>
        <interface-mode>access</interface-mode><vlan><members>10</members></vlan>
      </ethernet-switching></family></unit></interface>
    <interface><name>ge-0/0/9</name><ether-options><ieee-802.3ad><bundle>ae1</bundle></ieee-802.3ad>
      </ether-options></interface>
    <interface><name>ae1</name><aggregated-ether-options><lacp><active/></lacp></aggregated-ether-options>
    </interface>
  </interfaces>
  <protocols><rstp><interface><name>ge-0/0/1</name><edge/></interface></rstp></protocols>
  <system xmlns:junos="http://xml.juniper.net/junos/*/junos"><junos:comment>/* by hand */</junos:comment>
    <login><user><name>admin</name><uid>2000</uid><authentication>
      <encrypted-password>$6$secret</encrypted-password></authentication></user></login></system>
  <vlans><vlan><name>lab</name><vlan-id>10</vlan-id></vlan>
         <vlan><name>mgmt-by-hand</name><vlan-id>99</vlan-id></vlan></vlans>
</configuration></data></rpc-reply>"""


def running() -> str:
    return running_text(etree.fromstring(RUNNING_XML.encode()))


def test_configuration_xml_reads_as_junos_set_lines() -> None:
    assert running().splitlines() == [
        'set interfaces ge-0/0/1 description "toto: old desk"',
        "set interfaces ge-0/0/1 mtu 9000",
        f"set interfaces ge-0/0/1 {ES} interface-mode access",
        f"set interfaces ge-0/0/1 {ES} vlan members 10",
        "set interfaces ge-0/0/9 ether-options 802.3ad ae1",
        "set interfaces ae1 aggregated-ether-options lacp active",
        "set protocols rstp interface ge-0/0/1 edge",
        "set system login user admin uid 2000",
        'set system login user admin authentication encrypted-password "$6$secret"',
        "set vlans lab vlan-id 10",
        "set vlans mgmt-by-hand vlan-id 99",
    ]
    assert junos.parse_lines('set interfaces x description "a \\"b\\""') == [
        ("set", ("interfaces", "x", "description", 'a "b"'))
    ]
    assert junos.quote('a "b"') == '"a \\"b\\""' and junos.vlans_of(running()) == {10, 99}
    assert "set system login user admin authentication encrypted-password <secret removed>" in scrub(
        running()
    )


def test_a_change_stays_in_scope_and_replaces_the_switching_on_a_mode_change() -> None:
    desired = (
        "set vlans lab vlan-id 10\nset vlans wifi vlan-id 30\n"
        f"set interfaces ge-0/0/1 description toto:enp2s0\n"
        f"set interfaces ge-0/0/1 {ES} interface-mode trunk\n"
        f"set interfaces ge-0/0/1 {ES} vlan members 10\nset interfaces ge-0/0/1 {ES} vlan members 30\n"
    )
    scope = Scope(frozenset({10, 30}), frozenset({"ge-0/0/1", "ge-0/0/9", "ae1"}))
    change = plan_change(running(), desired, JUNOS, scope)
    assert change.remediation == (
        "delete interfaces ae1",
        f"delete interfaces ge-0/0/1 {ES}",
        "delete protocols rstp interface ge-0/0/1 edge",
        "delete interfaces ge-0/0/9",
        f"set interfaces ge-0/0/1 {ES} interface-mode trunk",
        f"set interfaces ge-0/0/1 {ES} vlan members 10",
        f"set interfaces ge-0/0/1 {ES} vlan members 30",
        "set interfaces ge-0/0/1 description toto:enp2s0",
        "set vlans wifi vlan-id 30",
    )
    # mtu (not managed) and the VLAN 99 made by hand are never in a change, nor in its rollback.
    assert not any("mtu" in line or "mgmt-by-hand" in line for line in change.remediation + change.rollback)
    assert change.sections == frozenset(
        {"interface ge-0/0/1", "interface ge-0/0/9", "interface ae1", "vlan 30"}
    )
    # The rollback brings every touched section back.
    after = junos._applied(running(), change.remediation)
    assert restore_lines(after, running(), JUNOS, change.sections) == change.rollback
    assert plan_change(after, desired, JUNOS, scope).empty
    # Delete-then-set of one container is one `replace` in the edit-config.
    xml = etree.tostring(junos.edit_config(change.remediation)).decode()
    assert '<ethernet-switching operation="replace"><interface-mode>trunk</interface-mode>' in xml
    assert '<interface operation="delete"><name>ge-0/0/9</name></interface>' in xml
    assert '<edge operation="delete"/>' in xml


def test_shutdown_unused_and_a_moved_access_vlan() -> None:
    desired = "set vlans lab vlan-id 10\nset vlans home vlan-id 20\n"
    desired += f"set interfaces ge-0/0/1 {ES} interface-mode access\n"
    desired += f"set interfaces ge-0/0/1 {ES} vlan members 20\n"
    scope = Scope(frozenset({10, 20}), frozenset({"ge-0/0/1", "ge-0/0/2"}))
    change = plan_change(running(), desired, JUNOS, scope, shutdown_unused=True)
    assert f"delete interfaces ge-0/0/1 {ES} vlan members 10" in change.remediation
    assert f"set interfaces ge-0/0/1 {ES} vlan members 20" in change.remediation
    assert "set interfaces ge-0/0/2 disable" in change.remediation
    assert "delete interfaces ge-0/0/1 description" in change.remediation


def test_templates_speak_the_model_dialect() -> None:
    ports = (
        PortSpec("ae7", "nancy:bond", "access", access_vlan=10),
        PortSpec("ge-0/0/1", 'a "quoted" desk', "access", access_vlan=10, portfast=True),
        PortSpec("ge-0/0/2", None, "trunk", allowed_vlans=(10, 30), native_vlan=10),
        PortSpec("ge-0/0/3", "nancy:enp3s0", "access", access_vlan=10, channel=7, shutdown=True),
    )
    state = SwitchState("sw1", "juniper_junos", (VlanSpec(10, "lab"),), ports[1:], channels=ports[:1])
    els = render_switch(state)
    assert "set interfaces ge-0/0/2 native-vlan-id 10" in els
    assert f"set interfaces ge-0/0/1 {ES} interface-mode access" in els
    assert 'set interfaces ge-0/0/1 description "a \\"quoted\\" desk"' in els
    assert "set protocols rstp interface ge-0/0/1 edge" in els
    assert "set interfaces ge-0/0/3 ether-options 802.3ad ae7\nset interfaces ge-0/0/3 disable" not in els
    assert "set interfaces ge-0/0/3 disable" in els and f"ge-0/0/3 {ES}" not in els
    assert "set interfaces ae7 aggregated-ether-options lacp active" in els
    ex = render_switch(SwitchState(**{**state.__dict__, "dialect": "ex"}))
    assert f"set interfaces ge-0/0/2 {ES} native-vlan-id 10" in ex
    assert f"set interfaces ge-0/0/1 {ES} port-mode access" in ex
    assert "set protocols rstp interface ge-0/0/1.0 edge" in ex


def test_junos_facts_and_secrets() -> None:
    ex = etree.fromstring(
        b"<r><ethernet-switching-table-information><ethernet-switching-table><mac-table-entry>"
        b"<mac-vlan>lab</mac-vlan><mac-address>52:54:00:00:01:02</mac-address>"
        b"<mac-interfaces-list><mac-interfaces>ge-0/0/1.0</mac-interfaces></mac-interfaces-list>"
        b"</mac-table-entry></ethernet-switching-table></ethernet-switching-table-information></r>"
    )
    els = etree.fromstring(
        b"<r><l2ng-l2ald-rtb-macdb><l2ng-l2ald-mac-entry-vlan><l2ng-mac-entry><l2ng-l2-vlan-id>10"
        b"</l2ng-l2-vlan-id><l2ng-l2-mac-address>52:54:00:00:01:03</l2ng-l2-mac-address>"
        b"<l2ng-l2-mac-logical-interface>ae7.0</l2ng-l2-mac-logical-interface></l2ng-mac-entry>"
        b"</l2ng-l2ald-mac-entry-vlan></l2ng-l2ald-rtb-macdb></r>"
    )
    assert macs_of(ex) == [(0, "52:54:00:00:01:02", "ge-0/0/1")]
    assert macs_of(els) == [(10, "52:54:00:00:01:03", "ae7")]
    lldp = etree.fromstring(
        b"<r><lldp-neighbor-information><lldp-local-port-id>ge-0/0/4</lldp-local-port-id>"
        b"<lldp-remote-port-id>eno1</lldp-remote-port-id><lldp-remote-system-name>archimedes"
        b"</lldp-remote-system-name></lldp-neighbor-information></r>"
    )
    assert neighbours_of(lldp) == [("ge-0/0/4", "archimedes", "eno1")]
    terse = etree.fromstring(b"<r><physical-interface><name>\nge-0/0/0\n</name></physical-interface></r>")
    assert ports_of(terse) == {"ge-0/0/0"}
    assert scrub("set snmp community public authorization read-only\n") == (
        "set snmp community <secret removed> authorization read-only\n"
    )
    assert scrub("set vlans community vlan-id 5\n") == "set vlans community vlan-id 5\n"


def test_a_port_name_that_is_no_interface_name_is_refused() -> None:
    from elenta.model.cadaster import Switch
    from elenta.switch.check import switch_table_faults

    ports = {"ge-0/0/1 disable": {}, "ge-0/0/2": {}}
    faults = switch_table_faults(Switch(platform="juniper_junos", ports=ports))  # type: ignore[arg-type]
    assert faults == [
        (
            ("ports", "ge-0/0/1 disable"),
            "'ge-0/0/1 disable' is not an interface name (letters, digits, '/', '.', ':', '-')",
        )
    ]
