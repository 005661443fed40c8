"""`elenta doctor`: the live network compared with the cadaster, one finding per line.

`findings` is pure (observations in, findings out); `arp` probes addresses with raw ARP
requests; `collect` gathers the observations (lease files, neighbour tables, ARP answers,
interfaces read over SSH, DNS answers).
"""
