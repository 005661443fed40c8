"""Automatic placement: properties of the pure core (hypothesis), and placement in a lab."""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elenta.compile.placement import DIMENSIONS, Item, Machine, Needs, PlacementError, place
from elenta.compile.plan import build_plan
from elenta.compile.store import PlanStore
from elenta.model.errors import ModelError
from elenta.model.lab import load_lab
from tests.unit.test_nixos_module import edit

# -- the pure core --------------------------------------------------------------------------------

needs = st.builds(
    Needs, st.integers(0, 4), st.sampled_from([0, 256, 512, 1024, 2048]), st.sampled_from([0, 1024])
)
machine_st = st.builds(
    Machine,
    name=st.sampled_from([f"m{i}" for i in range(8)]),
    capacity=st.builds(
        Needs, st.integers(0, 16), st.sampled_from([0, 2048, 8192]), st.sampled_from([0, 4096])
    ),
    used=needs,
    tags=st.lists(st.sampled_from(["a", "b"]), max_size=2, unique=True).map(tuple),
    groups=st.lists(st.sampled_from(["web", "db"]), max_size=1).map(tuple),
)
item_st = st.builds(
    Item,
    kind=st.just("service"),
    name=st.sampled_from([f"s{i}.x" for i in range(20)]),
    group=st.sampled_from([None, "web", "db"]),
    needs=needs,
    tags=st.lists(st.sampled_from(["a", "b"]), max_size=1).map(tuple),
    spread=st.booleans(),
)
machines_st = st.lists(machine_st, max_size=6, unique_by=lambda m: m.name)
items_st = st.lists(item_st, max_size=12, unique_by=lambda i: i.id)


@settings(max_examples=200, deadline=None)
@given(machines_st, items_st, st.randoms(use_true_random=False))
def test_placement_does_not_depend_on_input_order(machines, items, rnd):
    first = place(machines, items)
    shuffled_m, shuffled_i = list(machines), list(items)
    rnd.shuffle(shuffled_m)
    rnd.shuffle(shuffled_i)
    second = place(shuffled_m, shuffled_i)
    assert first.where == second.where
    assert first.faults == second.faults


@settings(max_examples=200, deadline=None)
@given(machines_st, items_st)
def test_a_placement_never_exceeds_a_machines_resources(machines, items):
    placed = place(machines, items)
    by_name = {m.name: m for m in machines}
    for machine in machines:
        mine = [i for i in items if placed.where.get(i.id) == machine.name]
        for dimension in DIMENSIONS:
            need = sum(i.needs.get(dimension) for i in mine)
            if need:
                capacity = by_name[machine.name].capacity.get(dimension)
                assert capacity, f"{dimension} placed on {machine.name}, which declares none"
                assert machine.used.get(dimension) + need <= capacity
        for item in mine:
            assert set(item.tags) <= set(machine.tags)
        # A spread item shares its machine with nothing else of its group.
        spread_groups = [i.group for i in mine if i.spread and i.group]
        for group in spread_groups:
            assert group not in machine.groups
            assert sum(1 for i in mine if i.group == group) == 1
    assert set(placed.where) | set(placed.failed) == {i.id for i in items}


@settings(max_examples=200, deadline=None)
@given(machines_st, items_st, item_st)
def test_adding_an_unrelated_service_moves_nothing_already_placed(machines, items, new):
    if new.id in {i.id for i in items}:
        return
    before = place(machines, items)
    after = place(machines, [*items, new], before.where)
    for item_id, machine in before.where.items():
        assert after.where[item_id] == machine


def test_infeasible_placement_names_the_item_and_the_shortfall():
    machines = [Machine("a", Needs(4, 4096)), Machine("b", Needs(2, 8192), tags=("gpu",))]
    items = [Item("service", "big.x", "db", Needs(1, 16384), file="c.toml", key="domains.x.services.big")]
    placed = place(machines, items, explain=True)
    (fault,) = placed.faults
    assert fault.file == "c.toml" and fault.key == "domains.x.services.big"
    assert "service big.x needs 1 core, 16G memory: fits nowhere" in fault.message
    assert "a: refused: 4G memory free, short by 12G memory" in fault.message
    assert "b: refused: 8G memory free, short by 8G memory" in fault.message
    with pytest.raises(PlacementError):
        placed.raise_if_infeasible()


def test_explain_names_every_machine_considered():
    machines = [
        Machine("a", Needs(4, 4096)),
        Machine("b", Needs(8, 8192)),
        Machine("c", Needs(8, 8192), tags=("x",)),
    ]
    items = [
        Item("service", "w.x", "web", Needs(1, 1024), tags=("x",)),
        Item("service", "v.x", "web", Needs(1, 1024)),
    ]
    placed = place(machines, items, explain=True)
    assert placed.where == {"service:v.x": "b", "service:w.x": "c"}
    assert placed.explain["service:w.x"][0] == "c: chosen: most room left after it"
    assert "a: refused: not tagged x" in placed.explain["service:w.x"]
    assert any(line.startswith("a: fits, less room left") for line in placed.explain["service:v.x"])
    spread = place(machines, [Item("service", f"r{i}.x", "db", Needs(1), spread=True) for i in range(4)])
    assert sorted(spread.where.values()) == ["a", "b", "c"] and len(spread.faults) == 1
    assert "spread" in spread.faults[0].message


def test_ties_go_to_the_first_machine_by_name():
    machines = [Machine(n, Needs(4, 4096)) for n in ("zeta", "alpha", "mid")]
    assert place(machines, [Item("service", "s.x", needs=Needs(1))]).where == {"service:s.x": "alpha"}
    random.shuffle(machines)
    assert place(machines, [Item("service", "s.x", needs=Needs(1))]).where == {"service:s.x": "alpha"}


# -- in a lab --------------------------------------------------------------------------------------

PLACED = """
[domains."example.lab".services.api]
role = "api"
memory = "4G"
cores = 2
tags = ["compute"]
[domains."example.lab".services.api2]
role = "api"
host = "any"
memory = "2G"
spread = true
[vms.web2]
config = ".#web"
cores = 2
memory = "2G"
disk = "10G"
tags = ["compute"]
"""


@pytest.fixture
def placed_lab(example_lab_copy: Path) -> Path:
    path = example_lab_copy / "constellations" / "homelab.toml"
    path.write_text(path.read_text() + PLACED)
    return example_lab_copy


def test_a_lab_places_services_and_guests_and_the_plan_records_it(placed_lab: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lab = load_lab(placed_lab)
        plan = build_plan(lab)
    where = plan.manifest["placement"]
    # archimedes (8 cores, 32G, 3G taken by web1 and cache) is the only `compute` machine with a
    # NixOS configuration deployed over SSH (hermes is netbooted).
    assert where["service:api.example.lab"] == "archimedes" and where["vm:web2"] == "archimedes"
    assert where["service:api2.example.lab"] != "archimedes"  # spread from api
    assert "web2" in plan.manifest["machines"]["archimedes"]["vms"]
    discovery = json.loads(plan.artifact("hostdata", None, "discovery.json"))
    assert discovery["services"]["api.example.lab"]["host"] == "archimedes"
    module = json.loads(plan.artifact("nixos", "archimedes", "module.json"))
    assert module["guests"]["vms"]["web2"]["resources"]["microvm"]["mem"] == 2048


def test_the_previous_plan_keeps_placements_stable(placed_lab: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = build_plan(load_lab(placed_lab))
        PlanStore(load_lab(placed_lab).state_dir).save(first)
        # A new, bigger machine would now win api2; the memory keeps it where it is.
        edit(
            placed_lab,
            "cadaster.toml",
            'resources = { cores = 2, memory = "4G", disk = "64G" }',
            'resources = { cores = 64, memory = "512G", disk = "64T" }',
        )
        second = build_plan(load_lab(placed_lab))
    assert second.manifest["placement"] == first.manifest["placement"]


def test_a_service_that_fits_nowhere_is_an_error_naming_it(placed_lab: Path):
    edit(placed_lab, "constellations/homelab.toml", 'memory = "4G"\ncores = 2', 'memory = "40G"\ncores = 2')
    with pytest.raises(ModelError) as err:
        load_lab(placed_lab).services  # noqa: B018
    message = str(err.value)
    assert "domains.example.lab.services.api" in message
    assert "needs 2 cores, 40G memory: fits nowhere" in message
    assert "archimedes: refused: 29G memory free, short by 11G memory" in message


def test_a_replayed_plan_keeps_its_own_placement(placed_lab: Path):
    from elenta.compile.replay import replay_lab

    lab = load_lab(placed_lab, placement_memory={"service:api2.example.lab": "nancy"})
    assert lab.placement.where["service:api2.example.lab"] == "nancy"  # the memory wins while it fits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = build_plan(lab)
        replayed = replay_lab(load_lab(placed_lab), plan)
        assert build_plan(replayed).hash == plan.hash
    assert replayed.placement.where == plan.manifest["placement"]


def test_elenta_place_explains_and_exits_2_on_what_fits_nowhere(placed_lab: Path):
    from tests.cli import run_elenta

    shown = run_elenta("place", "--explain", "--lab", str(placed_lab))
    assert shown.returncode == 0, shown.stderr
    assert "service:api.example.lab -> archimedes.canon" in shown.stdout
    assert "  toto: refused: not tagged compute" in shown.stdout
    assert "  archimedes: refused: already runs api.example.lab (api): spread" in shown.stdout
    edit(placed_lab, "constellations/homelab.toml", 'memory = "4G"\ncores = 2', 'memory = "40G"\ncores = 2')
    failed = run_elenta("place", "--explain", "--lab", str(placed_lab))
    assert failed.returncode == 2
    assert "error: " in failed.stdout and "short by 11G memory" in failed.stdout
    checked = run_elenta("check", str(placed_lab))
    assert checked.returncode == 2 and "domains.example.lab.services.api" in checked.stderr
