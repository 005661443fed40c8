"""Plain-text tables for people: one function per view, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elenta.model.lab import Lab


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Align rows under headers: `table(["a", "b"], [[1, 2]])`.

    >>> print(table(["host", "ok"], [["toto.canon", "yes"]]))
    host        ok
    toto.canon  yes
    """
    cells = [[str(h) for h in headers]] + [[str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def machines_table(lab: Lab) -> str:
    """One line per device: canon name, kind, addresses, MAC and roles."""
    rows = []
    for short, machine in lab.cadaster.machines.items():
        addresses = ", ".join(
            f"{i.ip}" + (f" ({', '.join(str(a.ip) for a in i.aliases.values())})" if i.aliases else "")
            for i in machine.interfaces.values()
        )
        primary = machine.primary_interface()
        mac = primary[1].mac if primary and primary[1].mac else "-"
        rows.append([lab.canon(short), machine.kind, addresses, mac, ", ".join(lab.roles_of(short)) or "-"])
    return table(["machine", "kind", "addresses", "mac", "roles"], rows)
