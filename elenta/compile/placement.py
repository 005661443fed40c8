"""Automatic placement: services and guests without a host go to a NixOS machine with room for them.

A domain service with `host = "any"` (or no host), or a constellation-level VM or container
(`[vms.web2] host = "any"`), is placed by elenta:

- only on machines deployed over SSH with a NixOS configuration, carrying every `tags` it asks
  for, and, with `spread = true`, not beside another service of the same role (guests: of the same
  configuration);
- only where the cores, memory and disk it needs are left: the machine's cadaster `resources`
  minus its fixed guests and services and what was placed before (a resource a machine does not
  declare cannot be promised);
- stable: what the previous plan placed stays where it is while it still fits there (the
  previous plan is the memory: `manifest.json` `placement`); the rest, largest first, goes where
  the most room is left afterwards (ties: the machine name), so the result depends on the inputs
  and the memory only, never on their order;
- explained: `place(...).explain` names, per item, every machine considered and why it was
  refused; an item that fits nowhere is an error naming it and by how much it misses.

`place(machines, items, memory)` is the pure core (property-tested); `lab_placement(lab)` runs it
on a lab with the previous plan as memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from elenta.model.errors import Fault, ModelError

if TYPE_CHECKING:
    from elenta.model.lab import Lab

DIMENSIONS = ("cores", "memory", "disk")
ANY = "any"


class PlacementError(ModelError):
    """Something cannot be placed anywhere; each fault names the item and by how much it misses."""


@dataclass(frozen=True)
class Needs:
    """Cores, memory (MiB) and disk (MiB): what an item needs or what a machine has."""

    cores: int = 0
    memory: int = 0
    disk: int = 0

    def get(self, dimension: str) -> int:
        return int(getattr(self, dimension))

    def plus(self, other: Needs) -> Needs:
        return Needs(*(self.get(d) + other.get(d) for d in DIMENSIONS))


@dataclass(frozen=True)
class Item:
    """One thing to place: `Item("service", "www.example.lab", group="web", needs=Needs(1, 512))`.

    `group` is what `spread` keeps apart (a service's role, a guest's configuration).
    """

    kind: str
    name: str
    group: str | None = None
    needs: Needs = Needs()
    tags: tuple[str, ...] = ()
    spread: bool = False
    file: str = ""
    key: str = ""

    @property
    def id(self) -> str:
        """`"service:www.example.lab"`, `"vm:web2"`: the item's name in a plan's `placement`."""
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Machine:
    """A machine items may go to: what it has, what it runs already, its tags and groups."""

    name: str
    capacity: Needs
    used: Needs = Needs()
    tags: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass
class Placed:
    """The result: item id -> machine, and per item the reasoning (`explain`)."""

    where: dict[str, str] = field(default_factory=dict)
    explain: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, Fault] = field(default_factory=dict)

    @property
    def faults(self) -> list[Fault]:
        """One fault per item that fits nowhere, naming it and what each machine lacks."""
        return list(self.failed.values())

    def raise_if_infeasible(self) -> None:
        """Raise PlacementError naming every item that fits nowhere."""
        if self.faults:
            raise PlacementError(self.faults)


def show_size(mib: int) -> str:
    """`show_size(2048) == "2G"`, `show_size(1536) == "1.5G"`, `show_size(512) == "512M"`."""
    if mib >= 1024 * 1024 and mib % (1024 * 1024) == 0:
        return f"{mib // (1024 * 1024)}T"
    if mib >= 1024:
        gib = mib / 1024
        return f"{gib:g}G" if gib == round(gib, 2) else f"{gib:.2f}G"
    return f"{mib}M"


def _show(dimension: str, amount: int) -> str:
    return (
        f"{amount} core{'s' if amount != 1 else ''}"
        if dimension == "cores"
        else f"{show_size(amount)} {dimension}"
    )


def show_needs(needs: Needs) -> str:
    """`show_needs(Needs(2, 2048)) == "2 cores, 2G memory"`; nothing needed: "nothing"."""
    parts = [_show(d, needs.get(d)) for d in DIMENSIONS if needs.get(d)]
    return ", ".join(parts) or "nothing"


@dataclass
class _State:
    """A machine while items are placed: capacity and free room as plain tuples/lists (fast)."""

    machine: Machine
    capacity: tuple[int, int, int]
    free: list[int]
    inverse: tuple[float, float, float]  # 1/capacity, 0 for a dimension not declared
    tags: frozenset[str]
    groups: dict[str, str]  # group -> an item already there (for the explanation)
    spread: dict[str, str] = field(default_factory=dict)  # group -> a spread item there

    @classmethod
    def of(cls, machine: Machine) -> _State:
        capacity = (machine.capacity.cores, machine.capacity.memory, machine.capacity.disk)
        used = (machine.used.cores, machine.used.memory, machine.used.disk)
        return cls(
            machine,
            capacity,
            [c - u for c, u in zip(capacity, used, strict=True)],
            tuple(1 / c if c else 0.0 for c in capacity),  # type: ignore[arg-type]
            frozenset(machine.tags),
            dict.fromkeys(machine.groups, "a fixed service"),
        )


def _vector(item: Item) -> tuple[int, int, int]:
    return (item.needs.cores, item.needs.memory, item.needs.disk)


def _fits(item: Item, need: tuple[int, int, int], state: _State) -> bool:
    """The fast test behind every decision; `_refusal` says why when it is False."""
    if item.tags and not state.tags.issuperset(item.tags):
        return False
    group = item.group
    if group is not None and ((item.spread and group in state.groups) or group in state.spread):
        return False
    free, capacity = state.free, state.capacity
    cores, memory, disk = need
    if cores and (not capacity[0] or cores > free[0]):
        return False
    if memory and (not capacity[1] or memory > free[1]):
        return False
    return not disk or bool(capacity[2] and disk <= free[2])


def _refusal(item: Item, state: _State) -> str:
    """Why `item` cannot go on this machine now (only asked when `_fits` said no)."""
    missing = [t for t in item.tags if t not in state.tags]
    if missing:
        return f"not tagged {', '.join(missing)}"
    if item.spread and item.group is not None and item.group in state.groups:
        return f"already runs {state.groups[item.group]} ({item.group}): spread"
    if item.group is not None and item.group in state.spread:
        return f"runs {state.spread[item.group]}, which is spread from other {item.group}"
    short: list[str] = []
    for d, dimension in enumerate(DIMENSIONS):
        need = item.needs.get(dimension)
        if not need:
            continue
        if not state.capacity[d]:
            short.append(f"declares no {dimension}")
            continue
        free = max(state.free[d], 0)
        if need > free:
            short.append(f"{_show(dimension, free)} free, short by {_show(dimension, need - free)}")
    return "; ".join(short)


def _room_after(need: tuple[int, int, int], state: _State) -> float:
    """How much room the machine keeps after taking the item (sum of free fractions, declared dims)."""
    free, inverse = state.free, state.inverse
    return (
        (free[0] - need[0]) * inverse[0] + (free[1] - need[1]) * inverse[1] + (free[2] - need[2]) * inverse[2]
    )


def _largest_first(item: Item) -> tuple:
    return (-item.needs.memory, -item.needs.cores, -item.needs.disk, item.id)


def place(
    machines: Iterable[Machine],
    items: Iterable[Item],
    memory: Mapping[str, str] | None = None,
    *,
    explain: bool = False,
) -> Placed:
    """Place every item (see the module docstring): `place([Machine("a", Needs(4, 8192))], [item])`.

    `.where` maps item ids to machine names; `.faults` names what fits nowhere (the others are
    still placed, so one run reports every fault); with `explain`, `.explain` has, per item,
    every machine considered and its verdict.
    """
    states = {m.name: _State.of(m) for m in sorted(machines, key=lambda m: m.name)}
    order = list(states.values())
    memory = memory or {}
    result = Placed()
    ordered = sorted(items, key=lambda i: i.id)
    if len({i.id for i in ordered}) != len(ordered):
        raise ValueError("two items share one id")
    kept: set[str] = set()
    for item in ordered:
        state = states.get(memory.get(item.id, ""))
        if state is not None and _fits(item, _vector(item), state):
            _take(item, state, result)
            result.explain[item.id] = [f"{state.machine.name}: kept from the previous plan (it still fits)"]
            kept.add(item.id)
    for item in sorted((i for i in ordered if i.id not in kept), key=_largest_first):
        need = _vector(item)
        best: _State | None = None
        best_room = 0.0
        for state in order:
            if _fits(item, need, state):
                room = _room_after(need, state)
                if best is None or room > best_room:  # the first (by name) among equals
                    best, best_room = state, room
        if best is None or explain:
            lines = _explain(item, need, order, best, memory)
            result.explain[item.id] = lines
        if best is None:
            shown = lines[:5] + (
                [f"{len(lines) - 5} more refused (elenta place --explain)"] if len(lines) > 5 else []
            )
            reasons = "; ".join(shown) or "no NixOS machine to place it on"
            message = f"{item.kind} {item.name} needs {show_needs(item.needs)}: fits nowhere ({reasons})"
            result.failed[item.id] = Fault(item.file, item.key, message)
            continue
        if not explain:
            result.explain[item.id] = [f"{best.machine.name}: chosen: most room left after it"]
        _take(item, best, result)
    result.where = dict(sorted(result.where.items()))
    return result


def _explain(
    item: Item,
    need: tuple[int, int, int],
    order: list[_State],
    best: _State | None,
    memory: Mapping[str, str],
) -> list[str]:
    """Every machine considered for `item` and its verdict (the chosen one first)."""
    lines: list[str] = []
    if best is not None:
        lines.append(f"{best.machine.name}: chosen: most room left after it")
    if item.id in memory:
        lines.append(f"{memory[item.id]}: held it in the previous plan; it no longer fits there")
    for state in order:
        if state is best:
            continue
        if _fits(item, need, state):
            room, most = _room_after(need, state), _room_after(need, best) if best else 0.0
            lines.append(f"{state.machine.name}: fits, less room left ({room:.2f} < {most:.2f})")
        else:
            lines.append(f"{state.machine.name}: refused: {_refusal(item, state)}")
    return lines


def _take(item: Item, state: _State, result: Placed) -> None:
    need = _vector(item)
    for d in (0, 1, 2):
        state.free[d] -= need[d]
    if item.group is not None:
        state.groups.setdefault(item.group, item.name)
        if item.spread:
            state.spread.setdefault(item.group, item.name)
    result.where[item.id] = state.machine.name


def previous_placement(state_dir: Path) -> dict[str, str]:
    """The placement of the plan applied last (else compiled last) in a state folder, or `{}`."""
    from elenta.compile.history import History

    plans = state_dir / "plans"
    candidates: list[Path] = []
    try:
        current = History(state_dir).current(None)
    except Exception:  # a damaged history must not stop a plan from being compiled
        current = None
    if current:
        candidates.append(plans / current.removeprefix("sha256:"))
    candidates.append(plans / "latest")
    for folder in candidates:
        manifest = folder / "manifest.json"
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            continue
        placement = data.get("placement") if isinstance(data, dict) else None
        if isinstance(placement, dict):
            return {str(k): str(v) for k, v in placement.items()}
        return {}
    return {}


def lab_items(lab: Lab) -> tuple[list[Machine], list[Item]]:
    """The machines placement may use and the items it places, from a lab's inputs.

    Machines: those deployed over SSH with a NixOS configuration (`lab.deployable()`), their
    cadaster resources, and what their fixed guests and fixed services already use.
    """
    from elenta.model.names import flake_attr

    used: dict[str, Needs] = {}
    groups: dict[str, list[str]] = {}
    items: list[Item] = []

    def add(machine: str, needs: Needs, group: str | None) -> None:
        used[machine] = used.get(machine, Needs()).plus(needs)
        if group is not None:
            groups.setdefault(machine, []).append(group)

    for loaded in lab.constellations:
        for key, placement in loaded.model.machines.items():
            short = lab.machine_name(key)
            role = placement.role()
            if role:
                groups.setdefault(short, []).append(role)
            for guest in [*placement.vms.values(), *placement.containers.values()]:
                add(short, Needs(guest.cores, guest.memory, guest.disk), None)
        for domain_name, domain in loaded.model.domains.items():
            for name, service in domain.services.items():
                needs = Needs(service.cores, service.memory, service.disk)
                if service.host in ("", ANY):
                    items.append(
                        Item(
                            "service",
                            f"{name}.{domain_name}",
                            service.role,
                            needs,
                            tuple(service.tags),
                            service.spread,
                            loaded.file,
                            f"domains.{domain_name}.services.{name}",
                        )
                    )
                else:
                    add(lab.machine_name(service.host), needs, service.role)
        for kind, table in (("vm", loaded.model.vms), ("container", loaded.model.containers)):
            for name, guest in table.items():
                needs = Needs(guest.cores, guest.memory, guest.disk)
                group = f"guest {flake_attr(guest.config)}" if isinstance(guest.config, str) else None
                if guest.host in ("", ANY):
                    key = f"{kind}s.{name}"
                    items.append(
                        Item(kind, name, group, needs, tuple(guest.tags), guest.spread, loaded.file, key)
                    )
                else:
                    add(lab.machine_name(guest.host), needs, group)
    machines = []
    for short in lab.deployable():
        spec = lab.cadaster.machines[short]
        capacity = Needs(spec.resources.cores, spec.resources.memory, spec.resources.disk)
        tags = tuple(
            dict.fromkeys([*spec.tags, *(t for hp in lab.placements_given(short) for t in hp.placement.tags)])
        )
        machines.append(
            Machine(short, capacity, used.get(short, Needs()), tags, tuple(groups.get(short, [])))
        )
    return machines, items


def lab_placement(lab: Lab, *, explain: bool = False) -> Placed:
    """Place a lab's unplaced services and guests, the previous plan as memory: `lab_placement(lab).where`."""
    machines, items = lab_items(lab)
    if not items:
        return Placed()
    memory = lab.placement_memory if lab.placement_memory is not None else previous_placement(lab.state_dir)
    return place(machines, items, memory, explain=explain)
