"""`elenta doctor`: the live network compared with the cadaster, one finding per line.

`findings` is pure (observations in, findings out); `leases` reads Kea's and dnsmasq's lease
files; `arp` probes addresses with raw ARP requests; `collect` gathers the observations (lease
files, where the DHCP subsystem's `dhcp_lease_files` fact says, neighbour tables, ARP answers,
interfaces read over SSH, DNS answers).
"""
