"""The example lab as a pyinfra inventory: `pyinfra inventories/lab.py debug-inventory`.

The lab folder is `$ELENTA_LAB` (default `examples/lab`); addresses come from the lab's DNS server
unless `ELENTA_NO_DNS=1`; `ELENTA_SELECT` (JSON `{"canons": [], "roles": [], "tags": []}`) narrows
the hosts. Every group of `elenta.inventory.inventory_groups` (all, role_*, tag_*, kind_*) becomes
a module attribute.
"""

from pathlib import Path

from elenta.inventory import inventory_from_env

globals().update(inventory_from_env(Path(__file__).resolve().parent.parent / "examples" / "lab"))
