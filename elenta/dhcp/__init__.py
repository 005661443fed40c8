"""DHCP from the cadaster: reservations, ranges and options for Kea and dnsmasq.

- `scopes`: which server serves which networks, and what (reservations, router, DNS, search,
  ranges, iPXE options) — from the cadaster and the constellations' DHCP roles;
- `kea`, `dnsmasq`, `render`: the servers' configuration files (pure);
- `validate`: the servers' own parsers, run before any host is touched;
- `render.lease_files`: where each server keeps its leases (the `dhcp_lease_files` fact,
  read by `elenta doctor`);
- `artifacts`: the plan's DHCP part; `apply`: `elenta dhcp plan|apply` below the task.
"""
