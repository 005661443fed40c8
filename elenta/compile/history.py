"""The apply history: an append-only JSON-lines file, one record per event, never rewritten.

Each apply writes two records sharing a `run` id: `started`, then `ok` or `failed` (a run with no
second record was interrupted). A record holds the time (UTC), the plan hash and scope, the
action (`apply`, `rollback`, `deploy`, ...), the mode, the lab's git revision and who ran it.

`History(lab.state_dir).runs()`; `History(state).current()` -> the plan now applied.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from elenta.exitcodes import BAD_INPUT
from elenta.model.errors import ElentaError

FILE = "history.jsonl"
ROLLBACK = "rollback"


class HistoryError(ElentaError):
    """The history file is damaged, or holds no plan to go back to (bad input: nothing was done)."""

    exit_code = BAD_INPUT


@dataclass(frozen=True)
class Record:
    """One line of the history file."""

    run: str
    result: str  # started | ok | failed
    plan: str
    scope: str | None
    action: str
    time: str
    who: str
    revision: str | None
    mode: str | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    """One apply: its start record and its result (`interrupted` when none was written)."""

    started: Record
    finished: Record | None

    @property
    def result(self) -> str:
        return self.finished.result if self.finished else "interrupted"

    @property
    def plan(self) -> str:
        return self.started.plan


def who() -> str:
    """`user@host` of the person applying: `who()` -> `'root@deployer'`."""
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in a container
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def now() -> str:
    """UTC time in ISO 8601 with seconds: `now()` -> `'2026-11-26T01:26:05Z'`."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class History:
    """The append-only apply history of a lab: `History(lab.state_dir)`."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / FILE

    def append(self, record: Record) -> Record:
        """Append one record (one line, flushed and synced); earlier lines are never touched."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(record), sort_keys=True, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return record

    def start(
        self,
        plan: str,
        scope: str | None,
        action: str,
        *,
        revision: str | None,
        mode: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Record:
        """Record that an apply begins: `history.start(plan.hash, None, "apply", revision=rev)`."""
        record = Record(
            run=uuid.uuid4().hex[:12],
            result="started",
            plan=plan,
            scope=scope,
            action=action,
            time=now(),
            who=who(),
            revision=revision,
            mode=mode,
            extra=extra or {},
        )
        return self.append(record)

    def finish(self, started: Record, ok: bool, detail: str = "") -> Record:
        """Record the result of a run begun with `start`."""
        fields = asdict(started)
        fields.update(result="ok" if ok else "failed", time=now(), detail=detail)
        return self.append(Record(**fields))

    def records(self) -> list[Record]:
        """Every record, oldest first; a damaged line is an error naming its line number."""
        if not self.path.exists():
            return []
        out: list[Record] = []
        for number, line in enumerate(self.path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(Record(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                raise HistoryError(f"{self.path}:{number}: not a history record ({exc})") from None
        return out

    def runs(self) -> list[Run]:
        """Every run, in the order they started: `[r.result for r in history.runs()]`."""
        started: dict[str, Record] = {}
        finished: dict[str, Record] = {}
        for record in self.records():
            if record.result == "started":
                started.setdefault(record.run, record)
            else:
                finished[record.run] = record
        return [Run(s, finished.get(s.run)) for s in started.values()]

    def revision_of(self, plan: str) -> str | None:
        """The lab revision recorded when `plan` was last applied: `history.revision_of(plan.hash)`."""
        return next((r.started.revision for r in reversed(self.runs()) if r.plan == plan), None)

    def generations(self, scope: str | None = None) -> list[str]:
        """The stack of applied plans (oldest first): each successful apply of the whole lab pushes
        its plan, each successful rollback pops one, as NixOS generations do.

        With `scope`, successful sub-plans of that machine count too.
        """
        stack: list[str] = []
        for run in self.runs():
            if run.result != "ok" or run.started.scope not in (None, scope):
                continue
            if run.started.action == ROLLBACK:
                if len(stack) > 1:
                    stack.pop()
                continue
            if not stack or stack[-1] != run.plan:
                stack.append(run.plan)
        return stack

    def current(self, scope: str | None = None) -> str | None:
        """The hash of the plan applied now (the top generation), None if nothing was applied."""
        stack = self.generations(scope)
        return stack[-1] if stack else None

    def previous(self) -> str:
        """The plan a rollback goes back to, or HistoryError when there is none."""
        stack = self.generations()
        if len(stack) < 2:
            raise HistoryError(
                f"nothing to roll back to: {len(stack)} plan(s) applied in {self.path}"
                + ("" if stack else " (apply a plan first)")
            )
        return stack[-2]
