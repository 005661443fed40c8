"""The plan store: every compiled plan kept by hash under `<state_dir>/plans/`, never overwritten.

`store = PlanStore(lab.state_dir)`; `store.save(plan)` -> the plan's directory;
`store.load("b222df97")` (a hash, a unique prefix of one, or a plan directory).
`plans/latest` points at the plan compiled last (what a flake's discovery import reads).
"""

from __future__ import annotations

import os
from pathlib import Path

from elenta.compile.plan import Plan, PlanError, read_plan


class PlanStore:
    """Plans by content hash: `PlanStore(Path(".elenta")).save(plan)`."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.root = self.state_dir / "plans"

    def path(self, plan_hash: str) -> Path:
        """The directory of a plan: `store.path("sha256:ab…")` -> `.elenta/plans/ab…`."""
        return self.root / plan_hash.removeprefix("sha256:")

    def save(self, plan: Plan, *, latest: bool = True) -> Path:
        """Store a plan once (an existing copy is verified, not rewritten) and return its directory."""
        target = self.path(plan.hash)
        if target.exists():
            stored = read_plan(target)
            if stored.hash != plan.hash:
                raise PlanError(f"{target} holds another plan ({stored.hash}); the store is damaged")
        else:
            plan.write(target)
        if latest:
            self._point("latest", target)
        return target

    def _point(self, name: str, target: Path) -> None:
        link = self.root / name
        tmp = self.root / f".{name}.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(target.name)
        tmp.replace(link)

    def resolve(self, ref: str) -> Path:
        """A plan directory from a directory path, a full hash or a unique hash prefix."""
        given = Path(ref)
        if given.is_dir():
            return given
        digest = ref.removeprefix("sha256:").lower()
        if len(digest) >= 4 and all(c in "0123456789abcdef" for c in digest) and self.root.is_dir():
            matches = sorted(p for p in self.root.iterdir() if p.name.startswith(digest) and p.is_dir())
            matches = [p for p in matches if not p.is_symlink()]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise PlanError(f"plan {ref!r} is ambiguous: {', '.join(p.name[:16] for p in matches)}")
        raise PlanError(f"no plan {ref!r}: give a plan directory or a hash from `elenta history`")

    def load(self, ref: str) -> Plan:
        """Read and verify a stored plan: `store.load("b222df97")`."""
        return read_plan(self.resolve(ref))

    def has(self, plan_hash: str) -> bool:
        """True when the plan with this hash is stored."""
        return self.path(plan_hash).is_dir()
