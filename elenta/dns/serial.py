"""SOA serials: max(YYYYMMDD00, previous + 1), bumped only when the zone's content changed.

Rendered zones carry the serial alone on the line ending `; serial`; `stamp` rewrites it. Reproducible
mode leaves the date out (serial = previous + 1, or 1), unless `SOURCE_DATE_EPOCH` gives the date.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

SERIAL_LINE = re.compile(r"^(\s+)(\d+)( ; serial)$", re.MULTILINE)
MAX_SERIAL = 2**32 - 1


@dataclass(frozen=True)
class Stamped:
    """A zone text with its serial: `Stamped(text, 2026112601, changed=True)`."""

    text: str
    serial: int
    changed: bool


def serial_of(text: str) -> int | None:
    """The SOA serial of a zone text (elenta's layout, else parsed by dnspython), or None."""
    match = SERIAL_LINE.search(text)
    if match:
        return int(match.group(2))
    try:
        import dns.zone

        zone = dns.zone.from_text(text, origin=None, relativize=False, check_origin=False)
        soa = zone.get_soa()
        return int(soa.serial)
    except Exception:
        return None


def without_serial(text: str) -> str:
    """The text with the serial blanked, for comparing content: `without_serial(a) == without_serial(b)`."""
    return SERIAL_LINE.sub(r"\1SERIAL\3", text, count=1)


def with_serial(text: str, serial: int) -> str:
    """The text with its serial set: `with_serial(render_zone(z), 2026112600)`."""
    if not SERIAL_LINE.search(text):
        raise ValueError("zone text has no '<n> ; serial' line (not rendered by elenta.dns.render)")
    return SERIAL_LINE.sub(rf"\g<1>{serial}\g<3>", text, count=1)


def serial_date(reproducible: bool = False) -> dt.date | None:
    """The date serials start from: `SOURCE_DATE_EPOCH`'s if set, None if reproducible, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    if reproducible:
        return None
    return dt.datetime.now(dt.UTC).date()


def next_serial(previous: int | None, day: dt.date | None) -> int:
    """max(YYYYMMDD00, previous + 1): `next_serial(2026112600, date(2026, 11, 26)) == 2026112601`.

    Without a date (reproducible mode) the base is 1.
    """
    base = int(day.strftime("%Y%m%d")) * 100 if day else 1
    candidate = base if previous is None else max(base, previous + 1)
    if candidate > MAX_SERIAL:
        raise ValueError(f"SOA serial {candidate} overflows 32 bits (previous {previous})")
    return candidate


def stamp(text: str, previous_text: str | None, day: dt.date | None) -> Stamped:
    """Give a rendered zone its serial, keeping the previous one when nothing else changed.

    `stamp(new, old, serial_date())` -> `Stamped(text, serial, changed)`.
    """
    previous = serial_of(previous_text) if previous_text else None
    if previous_text and previous is not None and without_serial(previous_text) == without_serial(text):
        return Stamped(with_serial(text, previous), previous, False)
    serial = next_serial(previous, day)
    return Stamped(with_serial(text, serial), serial, True)
