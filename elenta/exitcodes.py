"""elenta's exit codes: one meaning each, for every command (the README has the same table).

`raise Exit(message, code=REFUSED)`; an `ElentaError` subclass sets `exit_code = BAD_INPUT`.
"""

from __future__ import annotations

OK = 0
"""Done (or nothing to do)."""
FAILED = 1
"""The work ran and failed on at least one host or switch, or a check found differences (drift,
compliance, firewall); the report names each."""
BAD_INPUT = 2
"""Bad input: an unknown option or name, a malformed argument, a fault in the cadaster or a
constellation, a missing file. Nothing was done."""
REFUSED = 3
"""Refused by a safety rule before anything changed: another deploy holds the lock, a DNS change
over the deletion threshold without `--force`."""
UNREACHABLE = 4
"""A host or switch could not be reached, or refused the login; nothing was changed on it."""
INTERRUPTED = 130
"""Interrupted (Ctrl-C); hosts already activated roll back unless confirmed."""

TABLE: tuple[tuple[int, str], ...] = (
    (OK, "ok: done, or nothing to do"),
    (FAILED, "failures on hosts or switches, or differences found (drift, status, firewall check)"),
    (BAD_INPUT, "bad input: unknown option or name, malformed argument, fault in the lab files"),
    (REFUSED, "refused by a safety rule before anything changed (lock held, DNS deletion threshold)"),
    (UNREACHABLE, "a host or switch could not be reached or refused the login"),
    (INTERRUPTED, "interrupted (Ctrl-C)"),
)


def markdown_table() -> str:
    """The exit codes as a Markdown table, as the README shows them: `print(markdown_table())`."""
    rows = ["| code | meaning |", "| --- | --- |"]
    rows += [f"| {code} | {meaning} |" for code, meaning in TABLE]
    return "\n".join(rows)
