"""Plain-text tables for people: one function per view, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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


def machines_rows(lab: Lab) -> list[dict[str, Any]]:
    """One record per device (what `elenta machines --json` prints): canon name, kind, interfaces,
    MAC, roles, tags."""
    rows = []
    for short, machine in lab.cadaster.machines.items():
        primary = machine.primary_interface()
        interfaces = {
            name: {
                "ip": str(i.ip) if i.ip else None,
                "mac": i.mac,
                "network": i.network,
                "aliases": {a: str(alias.ip) for a, alias in i.aliases.items()},
            }
            for name, i in machine.interfaces.items()
        }
        rows.append(
            {
                "machine": lab.canon(short),
                "name": short,
                "kind": machine.kind,
                "interfaces": interfaces,
                "mac": primary[1].mac if primary and primary[1].mac else None,
                "roles": lab.roles_of(short),
                "tags": list(machine.tags),
            }
        )
    return rows


def machines_table(lab: Lab) -> str:
    """One line per device: canon name, kind, addresses, MAC and roles."""
    rows = []
    for row in machines_rows(lab):
        addresses = ", ".join(
            f"{i['ip']}" + (f" ({', '.join(i['aliases'].values())})" if i["aliases"] else "")
            for i in row["interfaces"].values()
        )
        rows.append(
            [row["machine"], row["kind"], addresses, row["mac"] or "-", ", ".join(row["roles"]) or "-"]
        )
    return table(["machine", "kind", "addresses", "mac", "roles"], rows)
