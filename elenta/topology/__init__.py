"""The lab as a picture: what is plugged where, on which network and VLAN.

- `graph`: the Graphviz DOT text of the lab (networks and VLANs, switches with their ports,
  machines with their interfaces, addresses and roles), pure; the switches' ports come from the
  switch subsystem's `switch_ports` and `switched_networks` facts (none without it);
- `draw`: DOT -> SVG/PNG with `dot`.
"""
