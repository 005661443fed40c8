"""SOA serials, record-level diffs, the 30% safety rule and named-checkzone refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from elenta.dns.check import ZoneCheckError, check_zone_texts, checkzone_command
from elenta.dns.diff import UnsafeChangeError, check_safety, diff_zone, format_diffs
from elenta.dns.render import Origin, Record, Soa, Zone, lab_zone_texts, render_zone
from elenta.dns.serial import next_serial, serial_date, serial_of, stamp, with_serial
from elenta.model.lab import load_lab

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab"
DAY = dt.date(2026, 11, 26)


def zone_with(*records: tuple[str, str, str]) -> str:
    origin = Origin("cadaster.toml", "machines")
    zone = Zone("canon", 3600, Soa("ns.canon.", "hostmaster.canon."))
    zone.records = [Record("canon", "NS", "ns.canon.", origin), Record("ns.canon", "A", "127.0.1.53", origin)]
    zone.records += [Record(n, t, v, origin) for n, t, v in records]
    return render_zone(zone)


def test_next_serial_is_the_larger_of_the_date_and_previous_plus_one():
    assert next_serial(None, DAY) == 2026112600
    assert next_serial(2026112600, DAY) == 2026112601
    assert next_serial(2025010105, DAY) == 2026112600
    assert next_serial(2026112799, DAY) == 2026112800
    assert next_serial(None, None) == 1  # reproducible: no date
    assert next_serial(41, None) == 42
    with pytest.raises(ValueError, match="overflows"):
        next_serial(2**32 - 1, None)


def test_stamp_bumps_only_when_content_changed():
    text = zone_with(("toto.canon", "A", "127.0.1.2"))
    first = stamp(text, None, DAY)
    assert (first.serial, first.changed) == (2026112600, True)
    assert serial_of(first.text) == 2026112600
    again = stamp(text, first.text, DAY)
    assert (again.serial, again.changed, again.text) == (2026112600, False, first.text)
    later = stamp(text, first.text, dt.date(2026, 12, 1))  # a later day alone is no change
    assert later.changed is False and later.serial == 2026112600
    moved = stamp(zone_with(("toto.canon", "A", "127.0.1.9")), first.text, DAY)
    assert (moved.serial, moved.changed) == (2026112601, True)


def test_reproducible_mode_ignores_the_clock_but_honours_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert serial_date(reproducible=True) is None
    assert serial_date() == dt.datetime.now(dt.UTC).date()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert serial_date(reproducible=True) == dt.date(2023, 11, 14)


def test_serial_of_a_foreign_zone_file():
    text = "$ORIGIN canon.\n$TTL 60\n@ IN SOA ns hm 77 1 1 1 1\n@ IN NS ns\nns IN A 127.0.0.1\n"
    assert serial_of(text) == 77
    with pytest.raises(ValueError):
        with_serial(text, 78)


def test_record_level_diff():
    old = zone_with(("toto.canon", "A", "127.0.1.2"), ("hermes.canon", "A", "127.0.1.5"))
    new = zone_with(
        ("toto.canon", "A", "127.0.1.2"),
        ("hermes.canon", "A", "127.0.1.9"),
        ("www.canon", "CNAME", "toto.canon."),
    )
    diff = diff_zone("canon", old, with_serial(new, 5))
    assert diff.lines() == ["- hermes A 127.0.1.5", "+ hermes A 127.0.1.9", "+ www CNAME toto.canon."]
    assert (diff.created, diff.updated, diff.deleted, diff.existing) == (1, 1, 0, 4)
    assert format_diffs([diff]).splitlines()[0] == "zone canon: 1 new, 1 changed, 0 removed"
    assert diff_zone("canon", old, with_serial(old, 9)).empty  # the serial alone is no record change
    assert format_diffs([diff_zone("canon", old, old)]) == "no record changes"


def test_safety_refuses_over_30_percent_unless_forced():
    names = [f"m{i}.canon" for i in range(12)]
    old = zone_with(*[(n, "A", f"127.0.1.{i + 10}") for i, n in enumerate(names)])  # 14 record sets
    four = zone_with(*[(n, "A", f"127.0.1.{i + (50 if i < 4 else 10)}") for i, n in enumerate(names)])
    five = zone_with(*[(n, "A", f"127.0.1.{i + (50 if i < 5 else 10)}") for i, n in enumerate(names)])
    check_safety([diff_zone("canon", old, four)])  # 4/14 = 29%
    with pytest.raises(UnsafeChangeError) as caught:
        check_safety([diff_zone("canon", old, five)])  # 5/14 = 36%
    assert "zone canon: would delete or modify 5 of 14 record sets (36% > 30%)" in str(caught.value)
    assert caught.value.exit_code == 3
    check_safety([diff_zone("canon", old, five)], force=True)
    small = zone_with(("a.canon", "A", "127.0.1.1"))
    check_safety([diff_zone("canon", small, zone_with(("a.canon", "A", "127.0.1.2")))])  # < 10 sets


def test_checkzone_always_runs_with_local_integrity_checks():
    command = checkzone_command("canon", "/tmp/canon.zone")
    assert command[:3] == ["named-checkzone", "-i", "local"]
    assert command[3:9] == ["-k", "fail", "-M", "fail", "-S", "fail"]


def test_named_checkzone_refuses_a_cname_beside_data():
    texts = lab_zone_texts(load_lab(EXAMPLE))
    check_zone_texts(texts)
    texts["canon"] += "toto IN CNAME nancy.canon.\n"
    with pytest.raises(ZoneCheckError) as caught:
        check_zone_texts(texts)
    message = str(caught.value)
    assert message.startswith("zone canon: named-checkzone refused it:")
    assert "CNAME and other data" in message
    assert "example.lab" not in message


def test_named_checkzone_refuses_a_bad_hostname():
    text = zone_with(("bad_name.canon", "A", "127.0.1.7"))
    with pytest.raises(ZoneCheckError, match="bad owner name"):
        check_zone_texts({"canon": text})
