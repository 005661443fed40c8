"""Merging like NixOS mkMerge: order independence, list order by source, conflicts naming both."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elenta.compile.merge import Contribution, MergeConflict, Source, merge, merge_collect

KEYS = st.sampled_from(["a", "b", "c", "services", "nixos"])
LEAVES = st.one_of(st.integers(-3, 3), st.booleans(), st.sampled_from(["x", "y", ".#dns"]), st.none())
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)
TABLES = st.dictionaries(KEYS, VALUES, max_size=4)


def _contributions(tables: list[dict]) -> list[Contribution]:
    return [Contribution(Source(f"c{i}.toml", ("machines", "toto")), table) for i, table in enumerate(tables)]


@settings(max_examples=150, deadline=None)
@given(st.lists(TABLES, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_result_and_conflicts_do_not_depend_on_input_order(tables, rnd):
    contributions = _contributions(tables)
    shuffled = list(contributions)
    rnd.shuffle(shuffled)
    assert merge_collect(shuffled) == merge_collect(contributions)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(LEAVES, max_size=3), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_lists_concatenate_in_the_order_of_their_sources(lists, rnd):
    contributions = [
        Contribution(Source(f"c{i}.toml", ("machines", "toto")), {"l": value})
        for i, value in enumerate(lists)
    ]
    rnd.shuffle(contributions)
    merged = merge(contributions)
    assert merged == {"l": [x for value in lists for x in value]}


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(KEYS, LEAVES, min_size=1, max_size=3),
    st.integers(0, 2),
    st.randoms(use_true_random=False),
)
def test_a_conflict_is_reported_naming_both_sources_whichever_order(table, extra, rnd):
    key = sorted(table)[0]
    other = dict(table, **{key: "a different value" if table[key] != "a different value" else 0})
    contributions = _contributions([table, other] + [{"unrelated": i} for i in range(extra)])
    rnd.shuffle(contributions)
    with pytest.raises(MergeConflict) as err:
        merge(contributions)
    faults = [f for f in err.value.faults if f.key == f"machines.toto.{key}"]
    assert len(faults) == 1
    text = str(faults[0])
    assert "c0.toml" in text and "c1.toml" in text
    assert f"machines.toto.{key}" in text


@settings(max_examples=100, deadline=None)
@given(st.lists(TABLES, min_size=1, max_size=3))
def test_merging_never_changes_its_inputs(tables):
    import copy

    before = copy.deepcopy(tables)
    merge_collect(_contributions(tables))
    assert tables == before


def test_attribute_sets_merge_recursively_and_equal_leaves_agree():
    a = Contribution(Source("a.toml", ("machines", "toto")), {"nixos": {"x": {"enable": True}}, "l": [1]})
    b = Contribution(Source("b.toml", ("machines", "toto")), {"nixos": {"x": {"enable": True, "port": 2}}})
    c = Contribution(Source("c.toml", ("machines", "toto")), {"nixos": {"y": 1}, "l": [2, 3]})
    assert merge([c, b, a]) == {"nixos": {"x": {"enable": True, "port": 2}, "y": 1}, "l": [1, 2, 3]}


def test_a_conflict_names_file_key_path_and_the_other_side():
    a = Contribution(Source("a.toml", ("domains", "d", "services", "www"), "constellation a"), {"p": 1})
    b = Contribution(Source("b.toml", ("machines", "toto"), "constellation b"), {"p": 2})
    with pytest.raises(MergeConflict) as err:
        merge([b, a])
    (fault,) = err.value.faults
    assert fault.file == "b.toml" and fault.key == "machines.toto.p"
    assert "a.toml: domains.d.services.www.p" in fault.message
    assert "constellation a" in fault.message


def test_a_table_against_a_leaf_or_list_is_a_conflict():
    a = Contribution(Source("a.toml"), {"k": {"x": 1}})
    b = Contribution(Source("b.toml"), {"k": [1]})
    c = Contribution(Source("c.toml"), {"k": 1})
    _, faults = merge_collect([a, b, c])
    assert len(faults) == 2
    assert all("a.toml: k" in f.message for f in faults)


def test_true_and_one_do_not_agree():
    _, faults = merge_collect([Contribution(Source("a"), {"k": True}), Contribution(Source("b"), {"k": 1})])
    assert faults
