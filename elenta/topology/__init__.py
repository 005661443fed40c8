"""The lab as a picture and as a port map: what is plugged where, on which network and VLAN.

- `ports`: the switch port map (switch, port, VLAN, machine:interface) and the cabling warnings
  (`check` warns about a machine on a switched network that sits on no switch port);
- `graph`: the Graphviz DOT text of the lab (networks and VLANs, switches with their ports,
  machines with their interfaces, addresses and roles), pure; `draw`: DOT -> SVG/PNG with `dot`.
"""
