"""`--on`: hosts named the colmena way, as one comma list of canon names, `@role`, `#tag`, globs.

`expand_on(lab, ["@dns,nancy.canon", "arch*"])` -> `["toto", "nancy", "archimedes"]` (cadaster
order). `role:dns` and `tag:core` are the same as `@dns` and `#core` (a shell reads an unquoted
`#core` as a comment: write `--on '#core'`, `--on=#core` or `--on tag:core`).
Anything naming nothing is refused (exit 2) with the names that exist.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from elenta.inventory import SelectionError, machine_tags
from elenta.model.lab import Lab

GLOB_CHARS = frozenset("*?[")


def split_patterns(values: Iterable[str]) -> list[str]:
    """`split_patterns(["a,b", " c "])` -> `["a", "b", "c"]`."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _known(words: Iterable[str]) -> str:
    found = sorted(set(words))
    return ", ".join(found) if found else "none"


def _one(lab: Lab, pattern: str, pool: list[str]) -> list[str]:
    where = f"{lab.cadaster_file}: --on {pattern}"
    if pattern.startswith(("@", "role:")):
        role = pattern.split(":", 1)[1] if pattern.startswith("role:") else pattern[1:]
        found = [m for m in pool if role in lab.roles_of(m)]
        if not found:
            known = (r for m in pool for r in lab.roles_of(m))
            raise SelectionError(f"{where}: no machine here carries role {role!r} (roles: {_known(known)})")
        return found
    if pattern.startswith(("#", "tag:")):
        tag = pattern.split(":", 1)[1] if pattern.startswith("tag:") else pattern[1:]
        found = [m for m in pool if tag in machine_tags(lab, m)]
        if not found:
            known = (t for m in pool for t in machine_tags(lab, m))
            raise SelectionError(f"{where}: no machine here is tagged {tag!r} (tags: {_known(known)})")
        return found
    if GLOB_CHARS & set(pattern):
        found = [
            m for m in pool if fnmatch.fnmatchcase(m, pattern) or fnmatch.fnmatchcase(lab.canon(m), pattern)
        ]
        if not found:
            raise SelectionError(f"{where}: matches no machine (machines: {_known(map(lab.canon, pool))})")
        return found
    try:
        short = lab.machine_name(pattern)
    except KeyError:
        raise SelectionError(f"{where}: unknown machine (machines: {_known(map(lab.canon, pool))})") from None
    if short not in pool:
        raise SelectionError(
            f"{where}: {lab.canon(short)} is a {lab.cadaster.machines[short].kind} this command does not "
            f"act on (machines: {_known(map(lab.canon, pool))})"
        )
    return [short]


def expand_on(lab: Lab, values: Iterable[str], pool: list[str] | None = None) -> list[str]:
    """The machines (short names, cadaster order) `--on` values name, among `pool` (default: all)."""
    candidates = list(lab.cadaster.machines) if pool is None else pool
    chosen: set[str] = set()
    for pattern in split_patterns(values):
        chosen.update(_one(lab, pattern, candidates))
    return [m for m in candidates if m in chosen]
