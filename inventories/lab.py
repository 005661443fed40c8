"""The example lab as a pyinfra inventory: `pyinfra inventories/lab.py --debug-inventory`.

The lab folder is `$ELENTA_LAB` (default `examples/lab`); addresses come from the lab's DNS server
unless `ELENTA_NO_DNS=1`; `ELENTA_SELECT` (JSON `{"canons": [], "roles": [], "tags": []}`) narrows
the hosts. Every group of `elenta.inventory.inventory_groups` becomes a module attribute.
"""

import json
import os
from pathlib import Path

from elenta.inventory import inventory_groups
from elenta.model.lab import load_lab

_repo = Path(__file__).resolve().parent.parent
_lab = load_lab(Path(os.environ.get("ELENTA_LAB") or _repo / "examples" / "lab"))
_groups = inventory_groups(
    _lab,
    no_dns=os.environ.get("ELENTA_NO_DNS", "") not in ("", "0"),
    select=json.loads(os.environ.get("ELENTA_SELECT") or "null"),
)
globals().update(_groups)
