"""Record-level zone diffs (`+ www A 127.0.1.10`) and the octoDNS-style safety threshold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import dns.name
import dns.zone

from elenta.exitcodes import REFUSED
from elenta.model.errors import ElentaError

# Like octoDNS: refuse to delete or modify more than this share of a zone's existing record sets,
# once the zone has at least MIN_EXISTING of them (tiny zones change wholesale legitimately).
THRESHOLD = 0.30
MIN_EXISTING = 10

RRsets = dict[tuple[str, str], frozenset[str]]


class UnsafeChangeError(ElentaError):
    """A change would delete or modify too much of a zone; rerun with `--force` if intended."""

    exit_code = REFUSED


def rrsets(text: str, zone: str) -> RRsets:
    """Record sets of a zone text, SOA left out, names relative: `rrsets(text, "canon")[("toto", "A")]`."""
    origin = dns.name.from_text(zone)
    parsed = dns.zone.from_text(text, origin=origin, relativize=True, check_origin=False)
    out: dict[tuple[str, str], set[str]] = {}
    for name, _ttl, rdata in parsed.iterate_rdatas():
        rtype = dns.rdatatype.to_text(rdata.rdtype)
        if rtype == "SOA":
            continue
        out.setdefault((name.to_text(), rtype), set()).add(rdata.to_text(origin=origin, relativize=False))
    return {k: frozenset(v) for k, v in out.items()}


def _name_key(name: str) -> tuple:
    labels = [] if name == "@" else reversed(name.split("."))
    return tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in labels)


@dataclass
class ZoneDiff:
    """What a new zone text changes against the served one."""

    zone: str
    added: list[tuple[str, str, str]] = field(default_factory=list)
    removed: list[tuple[str, str, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deleted: int = 0
    existing: int = 0

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed

    def lines(self) -> list[str]:
        """`["- hermes A 127.0.1.5", "+ hermes A 127.0.1.9"]`, per name then removals first."""
        changes = [("-", *r) for r in self.removed] + [("+", *a) for a in self.added]
        changes.sort(key=lambda c: (_name_key(c[1]), c[2], c[0] != "-", c[3]))
        return [f"{op} {name} {rtype} {value}" for op, name, rtype, value in changes]

    @property
    def churn(self) -> float:
        """Share of existing record sets deleted or modified."""
        return (self.updated + self.deleted) / self.existing if self.existing else 0.0


def diff_zone(zone: str, old_text: str | None, new_text: str) -> ZoneDiff:
    """Compare two zone texts record by record: `diff_zone("canon", served, planned).lines()`."""
    old = rrsets(old_text, zone) if old_text else {}
    new = rrsets(new_text, zone)
    diff = ZoneDiff(zone, existing=len(old))
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, frozenset()), new.get(key, frozenset())
        if before == after:
            continue
        if not before:
            diff.created += 1
        elif not after:
            diff.deleted += 1
        else:
            diff.updated += 1
        diff.added += [(*key, v) for v in sorted(after - before)]
        diff.removed += [(*key, v) for v in sorted(before - after)]
    return diff


def format_diffs(diffs: Iterable[ZoneDiff]) -> str:
    """A readable record-level diff of several zones, or a line saying nothing changes."""
    out = []
    for diff in diffs:
        if diff.empty:
            continue
        out.append(f"zone {diff.zone}: {diff.created} new, {diff.updated} changed, {diff.deleted} removed")
        out += [f"  {line}" for line in diff.lines()]
    return "\n".join(out) if out else "no record changes"


def check_safety(diffs: Iterable[ZoneDiff], force: bool = False) -> None:
    """Refuse a change deleting or modifying over 30% of a zone's record sets, unless `force`.

    `check_safety([diff_zone(z, old, new)])` raises UnsafeChangeError naming each such zone.
    """
    if force:
        return
    refused = [
        f"zone {d.zone}: would delete or modify {d.updated + d.deleted} of {d.existing} record sets "
        f"({d.churn:.0%} > {THRESHOLD:.0%})"
        for d in diffs
        if d.existing >= MIN_EXISTING and d.churn > THRESHOLD
    ]
    if refused:
        raise UnsafeChangeError(
            "\n".join([*refused, "refusing to apply; rerun with --force if this is intended"])
        )
