"""The lab: the example lab's NixOS machines as real SSH hosts on loopback, each isolated.

`hosts = lab_up(lab)` starts one `sshd` per deployable machine on its cadaster address (a free
port), inside its own mount namespace with private `/nix`, `/run`, `/tmp`, `/boot` and overlays
over `/etc`, `/var`, `/srv`; `lab_down(lab)` stops them. Keys, ports and known_hosts live in
`<state>/lab/` (`lab_state(lab)`), which the inventory reads.
"""

from elenta.lab.hosts import LabError, LabHost, lab_down, lab_status, lab_unavailable, lab_up
from elenta.lab.state import LabState, lab_state

__all__ = [
    "LabError",
    "LabHost",
    "LabState",
    "lab_down",
    "lab_state",
    "lab_status",
    "lab_unavailable",
    "lab_up",
]
