"""fake-switches' Juniper models, completed into a Junos switch elenta can manage over NETCONF.

fake-switches 1.5 serves Junos as a NETCONF subsystem over SSH with a candidate datastore
(`get-config`, `edit-config`, `lock`/`unlock`, `discard-changes`, `commit`, and
`get-interface-information terse`). Its `juniper_generic` core speaks the EX "port-mode"
dialect, `juniper_qfx_copper_generic` the ELS "interface-mode" one. As shipped, it advertises
confirmed commits but ignores `<confirmed/>`, finds ports by a loose prefix match (`ae1` for
`ae10`…), forgets `lacp active` on an aggregate whenever another of its leaves is edited, and
knows no MAC table. This module keeps its datastores and adds, for the lab:

* `commit confirmed`: `<commit><confirmed/><confirm-timeout>S</confirm-timeout></commit>` is
  reverted to the configuration before it unless another `<commit/>` comes within S seconds
  (`--minute-seconds` scales them: S/60 lab minutes);
* exact port names, and `lacp active` kept until it is deleted;
* `get-ethernet-switching-table-information` and `get-lldp-neighbors-information` answering
  what `--mac` and `--lldp` give;
* a session that ends holding the candidate's lock releases it, its uncommitted changes dropped;
* faults: `--reject REGEX` refuses an `edit-config` whose XML matches (nothing applied, as a
  Junos syntax error), `--cut REGEX` drops the session after the `commit` of such an edit (the
  change cut the management path).

`juniper_core(model, ports, behaviour)` is used by `switch_emulator.py` for the `juniper_*` models.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

# elenta model -> (fake-switches core module, class): EX (port-mode) and ELS (interface-mode).
CORES = {
    "juniper_ex2200_24t": ("fake_switches.juniper.juniper_core", "JuniperSwitchCore"),
    "juniper_ex2300_24t": (
        "fake_switches.juniper_qfx_copper.juniper_qfx_copper_core",
        "JuniperQfxCopperSwitchCore",
    ),
}
PORTS = {
    "juniper_ex2200_24t": [f"ge-0/0/{n}" for n in range(24)] + [f"ge-0/1/{n}" for n in range(4)],
    "juniper_ex2300_24t": [f"ge-0/0/{n}" for n in range(24)] + [f"xe-0/1/{n}" for n in range(4)],
}


def juniper_configuration(ip: str, name: str, password: str, port_names: list[str]) -> Any:
    """A fake-switches configuration whose ports are found by their exact name (`ge-0/0/1.0` too)."""
    from fake_switches.switch_configuration import Port, SwitchConfiguration

    class Exact(SwitchConfiguration):  # type: ignore[misc]
        def get_port_by_partial_name(self, name: str) -> Any:
            wanted = re.sub(r"\.0$", "", name.strip())
            return next((p for p in self.ports if p.name == wanted), None)

    return Exact(ip, name=name, privileged_passwords=[password], ports=[Port(n) for n in port_names])


def juniper_core(model: str, behaviour: Any) -> type:
    """The fake-switches Junos core of `model`, completed (see the module doc)."""
    from importlib import import_module

    from fake_switches.juniper.juniper_netconf_datastore import NS_JUNOS
    from fake_switches.netconf import NetconfError, Response, dict_2_etree
    from fake_switches.netconf.capabilities import Base1_0, Capability
    from fake_switches.netconf.netconf_protocol import NetconfProtocol
    from fake_switches.switch_configuration import AggregatedPort
    from lxml import etree
    from twisted.internet import reactor

    module, name = CORES[model]
    base = getattr(import_module(module), name)
    reject = re.compile(behaviour.reject) if behaviour.reject else None
    cut = re.compile(behaviour.cut) if behaviour.cut else None
    state: dict[str, Any] = {"timer": None, "cut": False}

    def snapshot(conf: Any) -> tuple[list[Any], list[Any]]:
        return deepcopy((conf.vlans, conf.ports), {id(conf): conf})

    class Base(Base1_0):  # type: ignore[misc]
        """Base NETCONF with confirmed commits and the injected faults."""

        def lock(self, request: Any) -> Any:
            reply = super().lock(request)
            state["owner"] = self
            return reply

        def unlock(self, request: Any) -> Any:
            state["owner"] = None
            return super().unlock(request)

        def edit_config(self, request: Any) -> Any:
            text = etree.tostring(request).decode()
            if reject is not None and reject.search(text):
                raise NetconfError("syntax error", err_type="protocol", tag="operation-failed")
            state["cut"] = state["cut"] or bool(cut is not None and cut.search(text))
            return super().edit_config(request)

        def commit(self, request: Any = None, *args: Any, **kwargs: Any) -> Any:
            conf = self.datastore.original_configuration
            confirmed = request is not None and request.find("confirmed") is not None
            before = snapshot(conf)
            timer = state["timer"]
            if timer is not None and timer.active():
                timer.cancel()  # any commit confirms the pending one
            state["timer"] = None
            self.datastore.commit_candidate()
            fresh(self.datastore)
            if confirmed:
                seconds = float(request.findtext("confirm-timeout") or 600)
                delay = seconds / 60 * behaviour.minute
                state["timer"] = reactor.callLater(delay, revert, self.datastore, before)  # type: ignore[attr-defined]
            dropped, state["cut"] = state["cut"], False
            return Response(etree.Element("ok"), require_disconnect=dropped)

    def fresh(datastore: Any) -> None:
        """The candidate as the running configuration again, its lock kept."""
        locked = getattr(datastore.configurations["candidate"], "locked", False)
        datastore.reset()
        datastore.configurations["candidate"].locked = locked

    def revert(datastore: Any, before: tuple[list[Any], list[Any]]) -> None:
        """The confirmed commit was not confirmed in time: the configuration before it, again."""
        conf = datastore.original_configuration
        conf.vlans[:], conf.ports[:] = before
        fresh(datastore)
        state["timer"] = None
        print(f"{conf.name}: commit not confirmed, rolled back", flush=True)

    def mac_table(_: Any) -> Any:
        entries = [
            {
                "mac-table-entry": [
                    {"mac-address": mac.lower()},
                    {"mac-type": "Learn"},
                    {"mac-interfaces-list": {"mac-interfaces": f"{port}.0"}},
                ]
            }
            for port, mac in behaviour.macs
        ]
        return Response(
            dict_2_etree({"ethernet-switching-table-information": {"ethernet-switching-table": entries}})
        )

    def lldp_neighbours(_: Any) -> Any:
        rows = []
        for port, neighbour in behaviour.lldp:
            device, _, port_id = neighbour.partition(":")
            rows.append(
                {
                    "lldp-neighbor-information": [
                        {"lldp-local-port-id": port},
                        {"lldp-remote-port-id": port_id},
                        {"lldp-remote-system-name": device},
                    ]
                }
            )
        return Response(dict_2_etree({"lldp-neighbors-information": rows}))

    class Tables(Capability):  # type: ignore[misc]
        """The operational RPCs a homelab's `net verify` asks for."""

        def get_url(self) -> str:
            return "http://xml.juniper.net/elenta-lab/tables/1.0"

        get_ethernet_switching_table_information = staticmethod(mac_table)
        get_lldp_neighbors_information = staticmethod(lldp_neighbours)

    class Protocol(NetconfProtocol):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.capabilities[0] = Base(self.datastore)

        def connectionLost(self, reason: Any = None) -> None:
            """As Junos: a session that ends holding the lock loses it, its uncommitted changes too."""
            if state.get("owner") is self.capabilities[0]:
                state["owner"] = None
                self.datastore.reset()

    datastore_class = _datastore_class(base)

    class Lacp(datastore_class):  # type: ignore[misc, valid-type]
        """`lacp active` kept on an aggregate until deleted (fake-switches drops it on any edit)."""

        def apply_interface_data(self, interface_node: Any, port: Any) -> None:
            keep = getattr(port, "lacp_active", None)
            super().apply_interface_data(interface_node, port)
            if isinstance(port, AggregatedPort) and interface_node.find("aggregated-ether-options") is None:
                port.lacp_active = keep

    class Core(base):  # type: ignore[misc, valid-type]
        def __init__(self, switch_configuration: Any) -> None:
            super(base, self).__init__(switch_configuration, datastore_class=Lacp)

        def get_netconf_protocol(self) -> Any:
            self.last_connection_id += 1
            return Protocol(
                datastore=self.datastore,
                capabilities=[*self.capabilities(), Tables],
                additionnal_namespaces={"junos": NS_JUNOS},
            )

    return Core


def _datastore_class(core: type) -> type:
    """The datastore class a fake-switches Junos core builds (read from its module)."""
    if core.__name__ == "JuniperQfxCopperSwitchCore":
        from fake_switches.juniper_qfx_copper.juniper_qfx_copper_netconf_datastore import (
            JuniperQfxCopperNetconfDatastore,
        )

        return JuniperQfxCopperNetconfDatastore
    from fake_switches.juniper.juniper_netconf_datastore import JuniperNetconfDatastore

    return JuniperNetconfDatastore
